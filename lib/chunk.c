/*
 * chunk.c: the pool's chunks (see struct cl_chunk): mapped when an arena
 * must grow or custom_init_pool reserves memory, unmapped when wholly free
 * (release.c decides when).
 *
 * Every function here expects cl_pool_lock held.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#define HUGE_AFTER 64    /* chunks (256 MiB) before new ones get huge pages */

struct cl_chunk *cl_chunk_new(unsigned arena, bool reserved)
{
	/* Mappings kept for large blocks are memory the pool cannot use: when
	 * it must grow, they go first (glibc's heap would reuse them).  Lock
	 * order: cl_pool_lock, then the cache's. */
	if (!reserved)
		cl_large_trim();
	struct cl_chunk *c = cl_os_map_aligned(cl_geo.chunk, cl_geo.chunk);
	if (!c)
		return NULL;
	if (cl_opt.asan)   /* shadow left from an earlier chunk at this address */
		cl_asan_unpoison(c, cl_geo.chunk);
	/* A pool past HUGE_AFTER chunks is a big, growing heap: its new
	 * chunks ask for transparent huge pages (before the first write
	 * faults a small page in), and fault in 2 MiB at a time. */
	bool huge = cl_pool.nchunks >= HUGE_AFTER && cl_os_hugepages(c, cl_geo.chunk, true) == 0;
	c->magic = CL_CHUNK_MAGIC;
	c->reserved = reserved;
	c->huge = huge;
	c->arena = (uint8_t)arena;
	c->next = cl_pool.chunks;
	c->prev = NULL;
	if (cl_pool.chunks)
		cl_pool.chunks->prev = c;
	cl_pool.chunks = c;
	cl_pool.nchunks++;

	struct cl_block *b = cl_first_block(c), *s = cl_sentinel(c);
	cl_pages_dirty(c, (char *)b + CL_MIN_BLOCK);
	cl_pages_dirty(s, (char *)s + CL_HDR);
	cl_set_header(b, CL_CHUNK_USABLE, CL_FREE);
	s->prev_size = CL_CHUNK_USABLE;
	cl_set_header(s, CL_HDR, CL_PREV_FREE);
	cl_list_insert(b, CL_CHUNK_USABLE);
	return c;
}

/* False if the OS refused: then c stays, as it was. */
bool cl_chunk_unmap(struct cl_chunk *c)
{
	if (cl_opt.asan)
		cl_asan_unpoison(c, cl_geo.chunk);
	/* The header goes with the mapping: read what we need first. */
	uint32_t dirty = c->dirty_pages;
	struct cl_chunk *next = c->next, *prev = c->prev;
	if (cl_os_unmap(c, cl_geo.chunk) != 0)
		return false;
	if (next)
		next->prev = prev;
	if (prev)
		prev->next = next;
	else
		cl_pool.chunks = next;
	cl_pool.nchunks--;
	cl_pool.dirty_pages -= dirty;
	if (cl_pool.spare == c)
		cl_pool.spare = NULL;
	return true;
}
