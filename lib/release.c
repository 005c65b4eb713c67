/*
 * release.c: when the pool gives memory back to the OS, inside the free
 * call that frees it.  A chunk that becomes wholly free leaves its arena
 * (chunk.c: kept as the arena's spare with its pages released, moved to
 * the reserve, or unmapped); a free block whose dirty pages reach the
 * release threshold has them released with MADV_DONTNEED, once its arena
 * holds more than CL_RELEASE_SLACK resident free bytes and while the
 * program is shrinking there (the arena's shrink: the bytes freed to it
 * less those taken, over CL_RELEASE_SLACK).  A program that frees and allocates the
 * same memory over and over keeps its pages: giving them back would only
 * buy page faults.
 *
 * Every function here expects the lock of the block's arena held, but
 * cl_pool_trim, which takes each.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

/* Resident bytes not in use: dirty pages minus the bytes of pool blocks in
 * use (an estimate: a page shared by a used and a free block counts once).
 * unlisted: bytes of a free block not (yet) in a free list. */
static size_t dirty_free_bytes(struct cl_arena *a, size_t unlisted)
{
	size_t used = a->nchunks * CL_CHUNK_USABLE - a->free_bytes - unlisted;
	size_t dirty = a->dirty_pages * cl_geo.page;
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
	struct cl_arena *a = c->owner;
	if (size == CL_CHUNK_USABLE)
		return !cl_chunk_put(a, c);
	if (a->shrink <= CL_RELEASE_SLACK || size < cl_geo.page)
		return true;
	/* Shrinking: runs of the release threshold go back once more than
	 * the slack is resident and free.  When the resident free memory is
	 * more than twice what is in use (a program that freed most of what
	 * it had, scattered), any whole page goes: free runs then lie between
	 * the blocks still in use and never grow to the threshold. */
	size_t free_dirty = dirty_free_bytes(a, size);
	if (free_dirty <= CL_RELEASE_SLACK)
		return true;
	size_t used = a->nchunks * CL_CHUNK_USABLE - a->free_bytes - size;
	if (free_dirty > 2 * used + CL_RELEASE_SLACK)
		cl_release_inside(b, size, cl_geo.page);
	else if (size >= cl_opt.release_threshold)
		cl_release_inside(b, size, cl_opt.release_threshold);
	return true;
}

/* Every arena in turn: wholly free chunks leave it (chunk.c), and free
 * runs give their pages back once pad bytes of free blocks are kept. */
int cl_pool_trim(size_t pad)
{
	int released = 0;
	size_t kept = 0;
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		cl_arena_lock(a);
		released |= cl_chunk_trim(a);
		released |= cl_large_trim(a);
		for (struct cl_chunk *c = a->chunks; c; c = c->next)
			for (struct cl_block *b = cl_first_block(c); b != cl_sentinel(c); b = cl_next_block(b)) {
				if (!(b->word & CL_FREE))
					continue;
				if (kept < pad) {
					kept += cl_bsize(b);
					continue;
				}
				if (cl_release_inside(b, cl_bsize(b), 1))
					released = 1;
			}
		cl_arena_unlock(a);
	}
	return released | cl_chunk_trim_reserve();
}
