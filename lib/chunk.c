/*
 * chunk.c: the pool's chunks (see struct cl_chunk): mapped when an arena
 * must grow or custom_init_pool reserves memory, and given up when wholly
 * free.  An arena keeps one wholly free chunk as its spare (its pages
 * given back), so that a program that frees and allocates across a chunk
 * boundary does not map and unmap it each time; beyond that, a wholly
 * free chunk goes to the reserve, where any arena that must grow takes it
 * before mapping a new one.  The reserve holds the chunks reserved by
 * custom_init_pool (never unmapped) and at most one other; the rest are
 * unmapped.
 *
 * The reserve has its own lock, cl_reserve_lock, taken (after an arena's)
 * only when an arena grows or gives a chunk up: once per chunk, never per
 * block.  The other functions expect the arena's lock held.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#define HUGE_AFTER 64    /* chunks (256 MiB) before new ones get huge pages */

struct cl_lock cl_reserve_lock = CL_LOCK_INIT;
static struct {
	struct cl_chunk *chunks;   /* wholly free, owner NULL, linked through next */
	size_t nchunks;            /* in the list */
	size_t spares;             /* of them, not reserved */
	size_t dirty_pages;        /* theirs */
	size_t reserved;           /* chunks reserved by custom_init_pool, anywhere */
} reserve;                          /* under cl_reserve_lock */

static size_t chunks_total;         /* atomic: mapped chunks, for HUGE_AFTER */

static void link_into(struct cl_arena *a, struct cl_chunk *c)
{
	__atomic_store_n(&c->owner, a, __ATOMIC_RELAXED);
	c->prev = NULL;
	c->next = a->chunks;
	if (a->chunks)
		a->chunks->prev = c;
	a->chunks = c;
	a->nchunks++;
	a->dirty_pages += c->dirty_pages;
}

static void unlink_from(struct cl_arena *a, struct cl_chunk *c)
{
	if (c->next)
		c->next->prev = c->prev;
	if (c->prev)
		c->prev->next = c->next;
	else
		a->chunks = c->next;
	a->nchunks--;
	a->dirty_pages -= c->dirty_pages;
	if (a->spare == c)
		a->spare = NULL;
}

/* A chunk mapped now, wholly free, in no arena yet. */
static struct cl_chunk *chunk_map(bool reserved)
{
	struct cl_chunk *c = cl_os_map_aligned(cl_geo.chunk, cl_geo.chunk);
	if (!c)
		return NULL;
	if (cl_opt.asan)   /* shadow left from an earlier chunk at this address */
		cl_asan_unpoison(c, cl_geo.chunk);
	/* A pool past HUGE_AFTER chunks is a big, growing heap: its new
	 * chunks ask for transparent huge pages (before the first write
	 * faults a small page in), and fault in 2 MiB at a time. */
	bool huge = cl_opt.hugepages && !reserved &&
		__atomic_load_n(&chunks_total, __ATOMIC_RELAXED) >= HUGE_AFTER &&
		cl_os_hugepages(c, cl_geo.chunk, true) == 0;
	__atomic_add_fetch(&chunks_total, 1, __ATOMIC_RELAXED);
	c->magic = CL_CHUNK_MAGIC;
	c->reserved = reserved;
	c->huge = huge;
	c->owner = NULL;   /* the page counts go to the chunk only: link_into adds them */
	struct cl_block *b = cl_first_block(c), *s = cl_sentinel(c);
	cl_pages_mark(c, c, (char *)b + CL_MIN_BLOCK, true);
	cl_pages_mark(c, s, (char *)s + CL_HDR, true);
	cl_set_header(b, CL_CHUNK_USABLE, CL_FREE);
	s->prev_size = CL_CHUNK_USABLE;
	cl_set_header(s, CL_HDR, CL_PREV_FREE);
	return c;
}

struct cl_chunk *cl_chunk_get(struct cl_arena *a)
{
	cl_lock_take(&cl_reserve_lock);
	struct cl_chunk *c = reserve.chunks;
	if (c) {
		reserve.chunks = c->next;
		reserve.nchunks--;
		reserve.spares -= !c->reserved;
		reserve.dirty_pages -= c->dirty_pages;
	}
	cl_lock_drop(&cl_reserve_lock);
	if (!c) {
		/* Mappings kept for large blocks are memory the pool cannot
		 * use: when it must grow, they go first (glibc's heap would
		 * reuse them). */
		cl_large_trim(a);
		c = chunk_map(false);
		if (!c)
			return NULL;
	}
	link_into(a, c);
	cl_list_insert(cl_first_block(c), CL_CHUNK_USABLE);
	return c;
}

/* Into the reserve: c is wholly free, out of every list, its pages given
 * back as far as they could be. */
static void to_reserve(struct cl_chunk *c)
{
	__atomic_store_n(&c->owner, NULL, __ATOMIC_RELAXED);
	cl_lock_take(&cl_reserve_lock);
	c->next = reserve.chunks;
	c->prev = NULL;
	reserve.chunks = c;
	reserve.nchunks++;
	reserve.spares += !c->reserved;
	reserve.dirty_pages += c->dirty_pages;
	cl_lock_drop(&cl_reserve_lock);
}

static bool reserve_has_spare(void)
{
	cl_lock_take(&cl_reserve_lock);
	bool has = reserve.spares > 0;
	cl_lock_drop(&cl_reserve_lock);
	return has;
}

static bool unmap(struct cl_chunk *c)
{
	if (cl_opt.asan)
		cl_asan_unpoison(c, cl_geo.chunk);
	if (cl_os_unmap(c, cl_geo.chunk) != 0)
		return false;
	__atomic_sub_fetch(&chunks_total, 1, __ATOMIC_RELAXED);
	return true;
}

/* c, of a, is wholly free; its free block is in no list.  Where it goes:
 * see the top of this file. */
bool cl_chunk_put(struct cl_arena *a, struct cl_chunk *c)
{
	struct cl_block *b = cl_first_block(c);
	if (!c->reserved && (a->spare == NULL || a->spare == c)) {
		a->spare = c;
		cl_release_inside(b, CL_CHUNK_USABLE, 1);
		return false;
	}
	if (c->reserved || !reserve_has_spare()) {
		cl_release_inside(b, CL_CHUNK_USABLE, 1);
		unlink_from(a, c);
		to_reserve(c);
		return true;
	}
	/* The header goes with the mapping: unlink first, relink if the OS
	 * refuses. */
	unlink_from(a, c);
	if (unmap(c))
		return true;
	link_into(a, c);
	return false;
}

/* An arena without threads keeps no spare: it goes to the reserve if
 * that has room, else back to the OS. */
void cl_chunk_drop_spare(struct cl_arena *a)
{
	struct cl_chunk *c = a->spare;
	if (!c)
		return;
	struct cl_block *b = cl_first_block(c);
	cl_list_remove(b, CL_CHUNK_USABLE);
	a->spare = NULL;
	unlink_from(a, c);
	if (!reserve_has_spare()) {
		to_reserve(c);
	} else if (!unmap(c)) {
		link_into(a, c);
		a->spare = c;
		cl_list_insert(b, CL_CHUNK_USABLE);
	}
}

int cl_chunk_reserve(size_t bytes)
{
	cl_lock_take(&cl_reserve_lock);
	size_t have = reserve.reserved * CL_CHUNK_USABLE;
	cl_lock_drop(&cl_reserve_lock);
	while (have < bytes) {
		struct cl_chunk *c = chunk_map(true);
		if (!c)
			return -1;   /* the chunks mapped so far stay, as a reserve */
		cl_lock_take(&cl_reserve_lock);
		reserve.reserved++;
		cl_lock_drop(&cl_reserve_lock);
		to_reserve(c);
		have += CL_CHUNK_USABLE;
	}
	return 0;
}

/* custom_malloc_trim, for arena a: its wholly free chunks (its spare; a
 * reserved chunk is never kept by an arena) are unmapped; returns 1 if
 * any was. */
int cl_chunk_trim(struct cl_arena *a)
{
	int released = 0;
	struct cl_chunk *next;
	for (struct cl_chunk *c = a->chunks; c; c = next) {
		next = c->next;
		struct cl_block *b = cl_first_block(c);
		if (c->reserved || !(cl_word(b) & CL_FREE) || cl_bsize(b) != CL_CHUNK_USABLE)
			continue;
		cl_list_remove(b, CL_CHUNK_USABLE);
		unlink_from(a, c);
		if (unmap(c)) {
			released = 1;
		} else {
			link_into(a, c);
			cl_list_insert(b, CL_CHUNK_USABLE);
		}
	}
	return released;
}

/* The reserve's chunks that custom_init_pool did not reserve are unmapped. */
int cl_chunk_trim_reserve(void)
{
	int released = 0;
	cl_lock_take(&cl_reserve_lock);
	struct cl_chunk **pp = &reserve.chunks;
	while (*pp) {
		struct cl_chunk *c = *pp;
		uint32_t dirty = c->dirty_pages;
		struct cl_chunk *next = c->next;
		if (!c->reserved && unmap(c)) {
			*pp = next;
			reserve.nchunks--;
			reserve.spares--;
			reserve.dirty_pages -= dirty;
			released = 1;
		} else {
			pp = &c->next;
		}
	}
	cl_lock_drop(&cl_reserve_lock);
	return released;
}

void cl_chunk_reserve_stats(struct cl_chunk_stats *s)
{
	cl_lock_take(&cl_reserve_lock);
	s->chunks = reserve.nchunks;
	s->free_bytes = reserve.nchunks * CL_CHUNK_USABLE;
	s->free_blocks = reserve.nchunks;
	s->dirty_pages = reserve.dirty_pages;
	cl_lock_drop(&cl_reserve_lock);
}

struct cl_chunk *cl_chunk_reserve_list(void)
{
	return reserve.chunks;
}
