/*
 * check.c: cl_heap_check, the consistency walk of the whole pool: every
 * arena's chunks, their blocks' tags, sizes, boundary tags and page bits,
 * the free lists against the blocks, the counters, the chunks waiting in
 * the reserve, and (in the strict page test mode) that no OS call was
 * misaligned.  Slow: for tests and debugging.  Each fault found is one
 * line on stderr.  Each arena is checked under its own lock, one after
 * the other: a block in transit to another arena (remote list) is in use
 * as far as its chunk is concerned.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

static int fault(const char *what, const void *where)
{
	struct cl_out o = { .fd = 2 };
	cl_out_str(&o, "calloc-lite: heap check: ");
	cl_out_str(&o, what);
	cl_out_str(&o, " at ");
	cl_out_hex(&o, (uintptr_t)where);
	cl_out_str(&o, "\n");
	cl_out_flush(&o);
	return 1;
}

static size_t popcount_dirty(const struct cl_chunk *c)
{
	size_t pop = 0;
	for (size_t w = 0; w < CL_CHUNK_PAGES_MAX / CL_WORD_BITS64; w++)
		pop += (size_t)__builtin_popcountll(c->dirty[w]);
	return pop;
}

/* The blocks of chunk c, of arena a (NULL: in the reserve): counts the
 * free ones into *nfree and *bytes. */
static int check_chunk(struct cl_chunk *c, const struct cl_arena *a, size_t *nfree, size_t *bytes)
{
	int faults = 0;
	if (c->magic != CL_CHUNK_MAGIC || cl_chunk_of(c) != c || c->owner != a)
		return fault("bad chunk header", c);
	if (popcount_dirty(c) != c->dirty_pages)
		faults += fault("dirty page count wrong", c);
	bool prev_free = false;
	size_t sum = 0;
	struct cl_block *b = cl_first_block(c);
	while (b != cl_sentinel(c)) {
		size_t s = cl_bsize(b);
		if (!cl_tag_ok(b))
			return faults + fault("bad block tag", b);
		if (s < CL_MIN_BLOCK || s % CL_ALIGN || sum + s > CL_CHUNK_USABLE)
			return faults + fault("bad block size", b);
		bool is_free = b->word & CL_FREE;
		if (!!(b->word & CL_PREV_FREE) != prev_free)
			faults += fault("PREV_FREE flag disagrees with the previous block", b);
		if (prev_free && b->prev_size != cl_bsize((struct cl_block *)((char *)b - b->prev_size)))
			faults += fault("footer disagrees with the previous block's size", b);
		if (is_free && prev_free)
			faults += fault("two adjacent free blocks", b);
		if (b->word & CL_LARGE)
			faults += fault("impossible flags", b);
		if (is_free) {
			(*nfree)++;
			*bytes += s;
			if (a) {
				unsigned fl, sl;
				cl_list_mapping(s, &fl, &sl);
				if (!(a->lists.sl_bitmap[fl] & (1u << sl)) || !a->lists.heads[fl][sl])
					faults += fault("free block's list is empty", b);
			}
		} else if (!cl_block_resident(b, s)) {
			/* In-use memory must be marked dirty (calloc trusts clean pages). */
			faults += fault("in-use block on a page marked clean", b);
		}
		prev_free = is_free;
		sum += s;
		b = cl_next_block(b);
	}
	if (sum != CL_CHUNK_USABLE)
		faults += fault("blocks do not fill the chunk", c);
	if (!!(cl_sentinel(c)->word & CL_PREV_FREE) != prev_free || cl_bsize(cl_sentinel(c)) != CL_HDR)
		faults += fault("bad chunk sentinel", cl_sentinel(c));
	return faults;
}

/* Arena a, its lock held. */
static int check_arena(struct cl_arena *a)
{
	int faults = 0;
	size_t nfree = 0, bytes = 0, nchunks = 0, dirty = 0;
	bool spare_found = a->spare == NULL;

	for (struct cl_chunk *c = a->chunks; c; c = c->next) {
		nchunks++;
		faults += check_chunk(c, a, &nfree, &bytes);
		dirty += c->dirty_pages;
		spare_found |= c == a->spare;
		if (nchunks > a->nchunks)
			return faults + fault("chunk list longer than its count", a);
	}
	if (!spare_found)
		faults += fault("the arena's spare is not one of its chunks", a->spare);

	size_t lfree = 0, lbytes = 0;
	const struct cl_lists *L = &a->lists;
	for (unsigned fl = 0; fl < CL_FL_COUNT; fl++) {
		if (!!(L->fl_bitmap & (1u << fl)) != !!L->sl_bitmap[fl])
			faults += fault("first-level bitmap wrong", &L->sl_bitmap[fl]);
		for (unsigned sl = 0; sl < CL_SL_COUNT; sl++) {
			struct cl_block *h = L->heads[fl][sl];
			if (!!(L->sl_bitmap[fl] & (1u << sl)) != !!h)
				faults += fault("second-level bitmap wrong", &L->heads[fl][sl]);
			struct cl_block *prev = NULL;
			for (struct cl_block *b = h; b; prev = b, b = b->next_free) {
				unsigned f, s;
				if (!(b->word & CL_FREE))
					return faults + fault("in-use block in a free list", b);
				if (cl_chunk_of(b)->owner != a)
					faults += fault("free block in another arena's list", b);
				cl_list_mapping(cl_bsize(b), &f, &s);
				if (f != fl || s != sl)
					faults += fault("free block in the wrong list", b);
				if (b->prev_free != prev)
					faults += fault("broken free-list back link", b);
				lfree++;
				lbytes += cl_bsize(b);
				if (lfree > nfree)
					return faults + fault("free list longer than the heap's free blocks", b);
			}
		}
	}
	if (lfree != nfree || lbytes != bytes)
		faults += fault("free lists and heap walk disagree", a);
	if (nfree != a->free_blocks || bytes != a->free_bytes)
		faults += fault("free counters wrong", a);
	if (nchunks != a->nchunks || dirty != a->dirty_pages)
		faults += fault("chunk counters wrong", a);
	for (unsigned c = 0; c < CL_CLASSES; c++)
		for (unsigned i = 0; i < a->central[c].count; i++) {
			struct cl_block *b = a->central[c].slot[i];
			if (cl_chunk_of(b)->owner != a || cl_bsize(b) != cl_class_size[c] ||
			    (uintptr_t)b->prev_free != cl_cache_key)
				faults += fault("bad block in a central list", b);
		}
	size_t lb = 0;
	for (unsigned i = 0; i < CL_LARGE_SLOTS; i++)
		lb += a->large_map[i] ? a->large_len[i] : 0;
	if (lb != a->large_bytes)
		faults += fault("large cache bytes wrong", a);
	return faults;
}

int cl_pool_check(void)
{
	int faults = 0;
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		if (a->index != i)
			faults += fault("arena out of place", a);
		cl_arena_lock(a);
		faults += check_arena(a);
		cl_arena_unlock(a);
	}

	struct cl_chunk_stats rs;
	cl_chunk_reserve_stats(&rs);
	size_t nfree = 0, bytes = 0, nchunks = 0, dirty = 0;
	cl_lock_take(&cl_reserve_lock);
	for (struct cl_chunk *c = cl_chunk_reserve_list(); c && nchunks <= rs.chunks; c = c->next) {
		nchunks++;
		faults += check_chunk(c, NULL, &nfree, &bytes);
		dirty += c->dirty_pages;
	}
	cl_lock_drop(&cl_reserve_lock);
	if (nchunks != rs.chunks || nfree != nchunks || bytes != nchunks * CL_CHUNK_USABLE ||
	    dirty != rs.dirty_pages)
		faults += fault("the reserve's chunks disagree with its counters", NULL);

	struct cl_os_stats os;
	cl_os_stats(&os);
	if (os.refused_calls)
		faults += fault("an OS call misaligned to the page (refused in the strict test mode)", NULL);
	return faults;
}

int cl_heap_check(void)
{
	if (!cl_is_ready())
		return 0;
	int faults = cl_pool_check();
	if (cl_opt.scribble)
		faults += cl_debug_quarantine_check();
	return faults;
}
