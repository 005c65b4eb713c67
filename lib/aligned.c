/*
 * aligned.c: pool blocks whose user pointer is a multiple of an alignment
 * beyond 16.  A free block that already holds such a spot is used where it
 * lies; else a block of size + align is cut, and its front and tail go
 * back to the pool.
 *
 * Every function here expects the arena's lock held.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* Where free block b (have bytes) can hold a block of size whose user
 * pointer is a multiple of align (> 16): the new header, with the front
 * piece either empty or big enough to be a free block; NULL if it does not
 * fit. */
static struct cl_block *aligned_spot(struct cl_block *b, size_t have, size_t size, size_t align)
{
	uintptr_t u0 = (uintptr_t)cl_user(b), u = cl_align_up(u0, align);
	if (u != u0 && u - u0 < CL_MIN_BLOCK)
		u += align;
	struct cl_block *a = cl_block_of((void *)u);
	return (char *)a + size <= (char *)b + have ? a : NULL;
}

/* A free block that holds an aligned block of size where it lies, found
 * among a few blocks of each list from size's own upward.  Asking for
 * size + align instead, as a fallback does, takes a bigger block than
 * needed and leaves a front and a tail to fragment the pool. */
static struct cl_block *find_aligned_fit(const struct cl_lists *L, size_t size, size_t align,
					 struct cl_block **spot)
{
	unsigned fl, sl;
	cl_list_mapping(size, &fl, &sl);
	int budget = 32;
	for (; fl < CL_FL_COUNT; fl++, sl = 0) {
		uint32_t map = sl < CL_SL_COUNT ? L->sl_bitmap[fl] & (~0u << sl) : 0;
		while (map) {
			unsigned s = (unsigned)__builtin_ctz(map);
			map &= map - 1;
			int tries = 4;
			for (struct cl_block *b = L->heads[fl][s]; b && tries--; b = b->next_free) {
				if (--budget < 0)
					return NULL;
				if ((*spot = aligned_spot(b, cl_bsize(b), size, align)))
					return b;
			}
		}
	}
	return NULL;
}

struct cl_block *cl_pool_alloc_aligned(struct cl_arena *a, size_t size, size_t align)
{
	if (size + align + CL_MIN_BLOCK < size)
		return NULL;
	struct cl_block *spot, *b = find_aligned_fit(&a->lists, size, align, &spot);
	if (b)   /* the tail goes back now, the front below */
		b = cl_pool_take(b, (size_t)((char *)spot - (char *)b) + size, NULL);
	else
		b = cl_pool_alloc_here(a, size + align + CL_MIN_BLOCK, NULL);
	if (!b)
		return NULL;
	uintptr_t u = cl_align_up((uintptr_t)cl_user(b), align);
	size_t front = u - (uintptr_t)cl_user(b);
	if (front) {
		if (front < CL_MIN_BLOCK)
			front += align;  /* align >= 32 here, so front >= 32 now */
		struct cl_block *at = (struct cl_block *)((char *)b + front);
		size_t rest = cl_bsize(b) - front;
		cl_set_header(b, front, b->word & CL_PREV_FREE);
		cl_set_header(at, rest, 0);
		cl_pool_free(b);      /* sets at's CL_PREV_FREE */
		at->prev_free = NULL; /* as in cl_pool_take() */
		b = at;
	}
	cl_pool_shrink_in_place(b, size);
	return b;
}
