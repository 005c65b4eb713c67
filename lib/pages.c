/*
 * pages.c: the dirty bit of every page of a chunk (see struct cl_chunk).
 * A page's bit is set before anything writes to it and cleared only after
 * the page has been given back to the OS, so a clear bit means the page
 * reads as zeros.
 *
 * Every function here expects the lock of the chunk's arena held.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#define WORD_BITS CL_WORD_BITS64

/* Set (dirty) or clear the bits of every page overlapping [from, to);
 * returns how many changed. */
size_t cl_pages_mark(struct cl_chunk *c, const void *from, const void *to, bool dirty)
{
	size_t first = (size_t)((const char *)from - (char *)c) / cl_geo.page;
	size_t last = (size_t)((const char *)to - (char *)c - 1) / cl_geo.page;
	size_t changed = 0;

	for (size_t w = first / WORD_BITS; w <= last / WORD_BITS; w++) {
		uint64_t m = ~0ull;
		if (w == first / WORD_BITS)
			m &= ~0ull << (first % WORD_BITS);
		if (w == last / WORD_BITS && last % WORD_BITS != WORD_BITS - 1)
			m &= (1ull << (last % WORD_BITS + 1)) - 1;
		uint64_t before = c->dirty[w];
		c->dirty[w] = dirty ? before | m : before & ~m;
		changed += (size_t)__builtin_popcountll((before ^ c->dirty[w]));
	}
	/* A chunk in no arena (being mapped) counts for itself only. */
	struct cl_arena *a = c->owner;
	if (dirty) {
		c->dirty_pages += (uint32_t)changed;
		if (a)
			a->dirty_pages += changed;
	} else {
		c->dirty_pages -= (uint32_t)changed;
		if (a)
			a->dirty_pages -= changed;
	}
	return changed;
}

/* Dirty pages wholly inside [lo, hi) (page-aligned), and the span of them
 * (*dlo, *dhi: NULL when there are none).  A word of the bitmap at a time:
 * a big free block is 1024 pages, and the free path asks this of it. */
size_t cl_pages_count_dirty(struct cl_chunk *c, char *lo, char *hi, char **dlo, char **dhi)
{
	size_t first = (size_t)(lo - (char *)c) >> cl_geo.page_shift;
	size_t end = (size_t)(hi - (char *)c) >> cl_geo.page_shift;   /* exclusive */
	size_t n = 0, low = SIZE_MAX, high = 0;
	*dlo = *dhi = NULL;
	for (size_t w = first / WORD_BITS; w * WORD_BITS < end; w++) {
		uint64_t m = c->dirty[w];
		if (w == first / WORD_BITS)
			m &= ~0ull << (first % WORD_BITS);
		if ((w + 1) * WORD_BITS > end)
			m &= (1ull << (end % WORD_BITS)) - 1;
		if (!m)
			continue;
		n += (size_t)__builtin_popcountll(m);
		if (low == SIZE_MAX)
			low = w * WORD_BITS + (size_t)__builtin_ctzll(m);
		high = w * WORD_BITS + 63 - (size_t)__builtin_clzll(m);
	}
	if (n) {
		*dlo = (char *)c + (low << cl_geo.page_shift);
		*dhi = (char *)c + ((high + 1) << cl_geo.page_shift);
	}
	return n;
}

/* Are all the pages under a block of size bytes at b (its header to the
 * next header's prev_size) marked dirty, that is resident? */
bool cl_block_resident(struct cl_block *b, size_t size)
{
	char *lo = (char *)cl_align_down((uintptr_t)b, cl_geo.page);
	char *hi = (char *)cl_align_up((uintptr_t)b + size + sizeof(size_t), cl_geo.page);
	char *dlo, *dhi;
	return cl_pages_count_dirty(cl_chunk_of(b), lo, hi, &dlo, &dhi) == (size_t)(hi - lo) / cl_geo.page;
}
