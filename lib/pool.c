/*
 * pool.c: blocks with boundary tags (see struct cl_block) cut from free
 * blocks and merged back into them.  A freed block merges with both
 * neighbours at once; no two free blocks are ever adjacent.  Where the
 * free blocks are kept: freelist.c; the chunks and their page bits:
 * chunk.c, pages.c; what goes back to the OS: release.c.
 *
 * Every function here expects the lock of the arena it works in held (the
 * one it is given, or the block's), but cl_pool_stats, which takes each.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* Take free block b out of its list and cut it to size bytes, the rest
 * going back as a free block.  Returns b, in use. */
struct cl_block *cl_pool_take(struct cl_block *b, size_t size, struct cl_zero_hint *z)
{
	size_t have = cl_bsize(b);
	size_t prev_flag = b->word & CL_PREV_FREE; /* always 0: no adjacent frees */
	struct cl_arena *a = cl_chunk_of(b)->owner;

	cl_list_remove(b, have);
	if (CL_UNLIKELY(a->spare != NULL) && cl_chunk_of(b) == a->spare)
		a->spare = NULL;
	cl_release_taken(a, size);

	if (z) {
		char *lo = (char *)cl_align_up((uintptr_t)cl_user(b), cl_geo.page);
		char *hi = (char *)cl_align_down((uintptr_t)b + size + sizeof(size_t), cl_geo.page);
		char *dlo, *dhi;
		z->lo = z->hi = NULL;
		if (hi > lo && cl_pages_count_dirty(cl_chunk_of(b), lo, hi, &dlo, &dhi) == 0) {
			z->lo = lo;
			z->hi = hi;
		}
	}

	if (have - size < CL_MIN_BLOCK)
		size = have;        /* the rest is too small to keep: take it all */
	if (cl_opt.asan)
		cl_asan_unpoison(b, size + sizeof(size_t));
	if (have - size >= CL_MIN_BLOCK) {
		struct cl_block *r = (struct cl_block *)((char *)b + size);
		struct cl_block *n = (struct cl_block *)((char *)b + have);
		if (cl_opt.asan)
			cl_asan_unpoison(r, CL_MIN_BLOCK);
		cl_pages_dirty(r, (char *)r + CL_MIN_BLOCK);
		cl_set_header(r, have - size, CL_FREE);
		n->prev_size = have - size;
		cl_list_insert(r, have - size);
	} else {
		cl_clear_flag(cl_next_block(b), CL_PREV_FREE);
	}
	cl_set_header(b, size, prev_flag);
	cl_pages_dirty(b, (char *)b + size + sizeof(size_t));
	b->prev_free = NULL;   /* a stale cache key here would read as cached */
	return b;
}

/* size bytes for a thread cache's batch, in one piece, from the free block
 * of arena a that cl_find_fit picks (a good fit: the smallest list whose
 * blocks all fit), but only if that piece lies on resident pages: carving
 * it then adds nothing to the RSS.  NULL if it does not. */
struct cl_block *cl_pool_alloc_resident(struct cl_arena *a, size_t size)
{
	struct cl_block *b = cl_find_fit(&a->lists, size);
	return b && cl_block_resident(b, size) ? cl_pool_take(b, size, NULL) : NULL;
}

/* A free block of at least size in arena a; when none fits, a grows by a
 * chunk from the reserve or a new one. */
static struct cl_block *fit_or_grow(struct cl_arena *a, size_t size)
{
	struct cl_block *b = cl_find_fit(&a->lists, size);
	if (b || !cl_chunk_get(a))
		return b;
	return cl_find_fit(&a->lists, size);
}

/* When no chunk can be mapped, a block of another arena, if one is free
 * and so is that arena's lock (never waited for: see arena.c). */
static struct cl_block *alloc_elsewhere(struct cl_arena *mine, size_t size)
{
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		if (a == mine || !cl_arena_trylock(a))
			continue;
		struct cl_block *b = cl_find_fit(&a->lists, size);
		if (b)
			b = cl_pool_take(b, size, NULL);
		cl_arena_unlock(a);
		if (b)
			return b;
	}
	return NULL;
}

/* A block of size bytes cut in arena a; if a cannot grow, one of another
 * arena, which the caller must not cut any further (it does not hold that
 * arena's lock). */
struct cl_block *cl_pool_alloc(struct cl_arena *a, size_t size, struct cl_zero_hint *z)
{
	struct cl_block *b = cl_pool_alloc_here(a, size, z);
	if (!b && size <= CL_CHUNK_USABLE && (b = alloc_elsewhere(a, size)) != NULL && z)
		z->lo = z->hi = NULL;
	return b;
}

/* A block of size bytes cut in arena a, or NULL. */
struct cl_block *cl_pool_alloc_here(struct cl_arena *a, size_t size, struct cl_zero_hint *z)
{
	if (size > CL_CHUNK_USABLE)
		return NULL;
	struct cl_block *b = fit_or_grow(a, size);
	return b ? cl_pool_take(b, size, z) : NULL;
}

/* Whole blocks of unit bytes for a thread cache: as many as fit, up to max
 * bytes, from the free block of arena a that fits unit best
 * (fit_or_grow: growing the arena if none does).  Taking the smallest hole
 * first, rather than a run of max bytes cut from the biggest, fills the holes
 * that blocks drained from the caches leave, so the pool does not grow
 * around them.  The block returned holds a whole number of units, but the
 * last may have taken a remainder too small to keep. */
struct cl_block *cl_pool_alloc_run(struct cl_arena *a, size_t unit, size_t max)
{
	struct cl_block *b = fit_or_grow(a, unit);
	if (!b)
		return NULL;
	size_t have = cl_bsize(b);
	return cl_pool_take(b, have > max ? max : have - have % unit, NULL);
}

void cl_pool_free(struct cl_block *b)
{
	size_t size = cl_bsize(b);
	struct cl_block *n = (struct cl_block *)((char *)b + size);

	/* The last look before merging: b's size leads to a header we wrote,
	 * inside the chunk, that does not think b is free.  Blocks coming
	 * from a thread cache were not checked against their neighbour when
	 * they were freed (the fast path reads only their own header). */
	if (CL_UNLIKELY(size < CL_MIN_BLOCK || n > cl_sentinel(cl_chunk_of(b))) ||
	    CL_UNLIKELY(!cl_tag_ok(n) || (n->word & (CL_PREV_FREE | CL_LARGE))))
		cl_fatal("free", "corrupt block header at or after", cl_user(b));
	struct cl_arena *a = cl_chunk_of(b)->owner;
	cl_release_freed(a, size);

	if (b->word & CL_PREV_FREE) {
		struct cl_block *p = (struct cl_block *)((char *)b - b->prev_size);
		/* b's header now lies inside p: flag it so that a second free
		 * of b still reads as a double free. */
		cl_set_flag(b, CL_FREE);
		cl_list_remove(p, b->prev_size);
		size += b->prev_size;
		b = p;
		a->merges_prev++;
	}
	if (n->word & CL_FREE) {
		size_t ns = cl_bsize(n);
		cl_list_remove(n, ns);
		size += ns;
		a->merges_next++;
	}
	cl_set_header(b, size, CL_FREE);
	n = (struct cl_block *)((char *)b + size);
	n->prev_size = size;
	cl_set_flag(n, CL_PREV_FREE);
	if (cl_opt.asan)   /* all but the header, links and footer */
		cl_asan_poison((char *)b + CL_MIN_BLOCK, size - CL_MIN_BLOCK);
	if (cl_release_settle(b, size))
		cl_list_insert(b, size);
}

bool cl_pool_grow_in_place(struct cl_block *b, size_t size)
{
	size_t have = cl_bsize(b);
	struct cl_block *n = cl_next_block(b);
	if (!(n->word & CL_FREE) || have + cl_bsize(n) < size)
		return false;
	size_t prev_flag = b->word & CL_PREV_FREE;
	/* Merge n into b as if b were free, then cut like an allocation. */
	size_t ns = cl_bsize(n);
	struct cl_arena *a = cl_chunk_of(b)->owner;
	cl_list_remove(n, ns);
	a->merges_next++;
	struct cl_block *end = (struct cl_block *)((char *)b + have + ns);
	if (cl_opt.asan)
		cl_asan_unpoison(b, have + ns + sizeof(size_t));
	if (have + ns - size >= CL_MIN_BLOCK) {
		struct cl_block *r = (struct cl_block *)((char *)b + size);
		cl_pages_dirty(r, (char *)r + CL_MIN_BLOCK);
		cl_set_header(r, have + ns - size, CL_FREE);
		end->prev_size = have + ns - size;
		cl_list_insert(r, have + ns - size);
	} else {
		size = have + ns;
		cl_clear_flag(end, CL_PREV_FREE);
	}
	if (CL_UNLIKELY(a->spare != NULL) && cl_chunk_of(b) == a->spare)
		a->spare = NULL;
	cl_set_header(b, size, prev_flag | (cl_word(b) & CL_ALIGNED));
	cl_pages_dirty(b, (char *)b + size + sizeof(size_t));
	return true;
}

void cl_pool_shrink_in_place(struct cl_block *b, size_t size)
{
	size_t have = cl_bsize(b);
	if (have - size < CL_MIN_BLOCK)
		return;
	struct cl_block *r = (struct cl_block *)((char *)b + size);
	cl_set_header(b, size, b->word & (CL_PREV_FREE | CL_ALIGNED));
	cl_set_header(r, have - size, 0);
	cl_pool_free(r);
}

void cl_pool_stats(struct cl_pool_stats *s)
{
	struct cl_chunk_stats r;
	size_t dirty;
	cl_chunk_reserve_stats(&r);
	s->chunks = r.chunks;
	s->free_bytes = r.free_bytes;
	s->free_blocks = r.free_blocks;
	dirty = r.dirty_pages;
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		cl_arena_lock(a);
		s->chunks += a->nchunks;
		s->free_bytes += a->free_bytes;
		s->free_blocks += a->free_blocks;
		dirty += a->dirty_pages;
		cl_arena_unlock(a);
	}
	s->chunk_bytes = s->chunks * cl_geo.chunk;
	s->released_bytes = (s->chunks * cl_geo.chunk_pages - dirty) * cl_geo.page;
	if (s->released_bytes > s->free_bytes)
		s->released_bytes = s->free_bytes;
}
