/*
 * freelist.c: the segregated free lists of the pool, indexed by a
 * two-level bitmap (TLSF): the first level is the power of two of the
 * size, the second splits it in CL_SL_COUNT, so finding a fitting list is
 * two find-first-set instructions whatever the heap holds.  Invariants:
 * see struct cl_lists.
 *
 * Every function here expects the lock of the block's arena held.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"


void cl_list_mapping(size_t size, unsigned *fl, unsigned *sl)
{
	if (size < (1u << CL_FL_SHIFT)) {
		*fl = 0;
		*sl = (unsigned)(size >> 4);
	} else {
		unsigned f = cl_log2(size);
		*sl = (unsigned)(size >> (f - CL_SL_LOG2)) ^ CL_SL_COUNT;
		*fl = f - CL_FL_SHIFT + 1;
	}
}


void cl_list_insert(struct cl_block *b, size_t size)
{
	struct cl_arena *a = cl_chunk_of(b)->owner;
	struct cl_lists *L = &a->lists;
	unsigned fl, sl;
	cl_list_mapping(size, &fl, &sl);
	struct cl_block *h = L->heads[fl][sl];
	b->prev_free = NULL;
	b->next_free = h;
	if (h)
		h->prev_free = b;
	L->heads[fl][sl] = b;
	L->sl_bitmap[fl] |= 1u << sl;
	L->fl_bitmap |= 1u << fl;
	a->free_bytes += size;
	a->free_blocks++;
}

void cl_list_remove(struct cl_block *b, size_t size)
{
	struct cl_arena *a = cl_chunk_of(b)->owner;
	struct cl_lists *L = &a->lists;
	unsigned fl, sl;
	cl_list_mapping(size, &fl, &sl);
	/* A write past the end of a block can set CL_FREE in the next header:
	 * then b is no list's member.  Check the links before using them. */
	if (CL_UNLIKELY(!cl_tag_ok(b) ||
			(b->prev_free ? b->prev_free->next_free != b : L->heads[fl][sl] != b) ||
			(b->next_free && b->next_free->prev_free != b)))
		cl_fatal("free", "corrupt free block (a write past the end of the block before it?) at",
			 cl_user(b));
	if (b->next_free)
		b->next_free->prev_free = b->prev_free;
	if (b->prev_free)
		b->prev_free->next_free = b->next_free;
	else {
		L->heads[fl][sl] = b->next_free;
		if (!b->next_free) {
			L->sl_bitmap[fl] &= ~(1u << sl);
			if (!L->sl_bitmap[fl])
				L->fl_bitmap &= ~(1u << fl);
		}
	}
	a->free_bytes -= size;
	a->free_blocks--;
}

/* A free block of at least size: first fit among a few blocks of size's
 * own list, then the head of the first list whose every block fits. */
struct cl_block *cl_find_fit(const struct cl_lists *L, size_t size)
{
	unsigned fl, sl;
	cl_list_mapping(size, &fl, &sl);
	if (fl >= CL_FL_COUNT)
		return NULL;
	int tries = 8;
	for (struct cl_block *b = L->heads[fl][sl]; b && tries--; b = b->next_free)
		if (cl_bsize(b) >= size)
			return b;

	if (size >= (1u << CL_FL_SHIFT))
		size += ((size_t)1 << (cl_log2(size) - CL_SL_LOG2)) - 1;
	cl_list_mapping(size, &fl, &sl);
	if (fl >= CL_FL_COUNT)
		return NULL;
	uint32_t sl_map = sl < CL_SL_COUNT ? L->sl_bitmap[fl] & (~0u << sl) : 0;
	if (!sl_map) {
		uint32_t fl_map = fl + 1 < 32 ? L->fl_bitmap & (~0u << (fl + 1)) : 0;
		if (!fl_map)
			return NULL;
		fl = (unsigned)__builtin_ctz(fl_map);
		sl_map = L->sl_bitmap[fl];
	}
	return L->heads[fl][__builtin_ctz(sl_map)];
}
