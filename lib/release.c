/*
 * release.c: when the pool gives memory back to the OS, inside the free
 * call that frees it.  A chunk that becomes wholly free is unmapped (one
 * spare is kept, its pages released); a free block whose dirty pages reach
 * the release threshold has them released with MADV_DONTNEED, once the
 * pool holds more than CL_RELEASE_SLACK resident free bytes and while the
 * program is shrinking (cl_pool.shrink, the bytes it freed less those it
 * took, is over CL_RELEASE_SLACK).  A program that frees and allocates the
 * same memory over and over keeps its pages: giving them back would only
 * buy page faults.
 *
 * Every function here expects cl_pool_lock held.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* Resident bytes not in use: dirty pages minus the bytes of pool blocks in
 * use (an estimate: a page shared by a used and a free block counts once).
 * unlisted: bytes of a free block not (yet) in a free list. */
static size_t dirty_free_bytes(size_t unlisted)
{
	size_t used = cl_pool.nchunks * CL_CHUNK_USABLE - cl_pool.free_bytes - unlisted;
	size_t dirty = cl_pool.dirty_pages * cl_geo.page;
	return dirty > used ? dirty - used : 0;
}

/* Release the dirty whole pages inside free block b if there are at least
 * min_bytes of them; returns bytes released. */
size_t cl_release_inside(struct cl_block *b, size_t size, size_t min_bytes)
{
	char *lo = (char *)cl_align_up((uintptr_t)b + CL_MIN_BLOCK, cl_geo.page);
	char *hi = (char *)cl_align_down((uintptr_t)b + size, cl_geo.page);
	char *dlo, *dhi;
	if (hi <= lo)
		return 0;
	struct cl_chunk *c = cl_chunk_of(b);
	size_t n = cl_pages_count_dirty(c, lo, hi, &dlo, &dhi);
	if (n == 0 || n * cl_geo.page < min_bytes)
		return 0;
	/* Once pages of a chunk go back, it keeps small pages: khugepaged
	 * would otherwise fill the released holes again to collapse them. */
	if (c->huge && cl_os_hugepages(c, cl_geo.chunk, false) == 0)
		c->huge = false;
	/* Pages the OS did not take back still hold their bytes: they stay
	 * dirty, so calloc clears them. */
	if (cl_os_release(dlo, (size_t)(dhi - dlo)) != 0)
		return 0;
	cl_pages_mark(c, dlo, dhi, false);
	return n * cl_geo.page;
}

bool cl_release_settle(struct cl_block *b, size_t size)
{
	struct cl_chunk *c = cl_chunk_of(b);
	if (size == CL_CHUNK_USABLE) {
		if (!c->reserved && cl_pool.spare && cl_pool.spare != c && cl_chunk_unmap(c))
			return false;
		if (!c->reserved)
			cl_pool.spare = c;
		cl_release_inside(b, size, 1);
		return true;
	}
	if (size >= cl_opt.release_threshold && cl_pool.shrink > CL_RELEASE_SLACK &&
	    dirty_free_bytes(size) > CL_RELEASE_SLACK)
		cl_release_inside(b, size, cl_opt.release_threshold);
	return true;
}

int cl_pool_trim(size_t pad)
{
	int released = 0;
	size_t kept = 0;
	struct cl_chunk *next;
	for (struct cl_chunk *c = cl_pool.chunks; c; c = next) {
		next = c->next;
		struct cl_block *b = cl_first_block(c);
		if ((b->word & CL_FREE) && cl_bsize(b) == CL_CHUNK_USABLE && !c->reserved) {
			cl_list_remove(b, CL_CHUNK_USABLE);
			if (cl_chunk_unmap(c)) {
				released = 1;
				continue;
			}
			cl_list_insert(b, CL_CHUNK_USABLE);
		}
		for (; b != cl_sentinel(c); b = cl_next_block(b)) {
			if (!(b->word & CL_FREE))
				continue;
			if (kept < pad) {
				kept += cl_bsize(b);
				continue;
			}
			if (cl_release_inside(b, cl_bsize(b), 1))
				released = 1;
		}
	}
	return released;
}
