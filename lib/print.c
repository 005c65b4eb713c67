/*
 * print.c: print_free_list: every chunk's free blocks and the totals, on
 * stdout, written through out.c without allocating.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>

void cl_pool_print(void)
{
	struct cl_out o = { .fd = 1 };
	size_t nfree = 0, bytes = 0, nchunks = 0;

	for (struct cl_chunk *c = cl_pool.chunks; c; c = c->next) {
		nchunks++;
		cl_out_str(&o, "chunk ");
		cl_out_hex(&o, (uintptr_t)c);
		cl_out_str(&o, " size ");
		cl_out_dec(&o, cl_geo.chunk);
		cl_out_str(&o, ", resident pages ");
		cl_out_dec(&o, c->dirty_pages);
		cl_out_str(&o, "/");
		cl_out_dec(&o, cl_geo.chunk_pages);
		if (c->reserved)
			cl_out_str(&o, " (reserved)");
		if (c == cl_pool.spare)
			cl_out_str(&o, " (spare)");
		cl_out_str(&o, "\n");
		for (struct cl_block *b = cl_first_block(c); b != cl_sentinel(c); b = cl_next_block(b)) {
			if (!(b->word & CL_FREE))
				continue;
			nfree++;
			bytes += cl_bsize(b);
			cl_out_str(&o, "  free block ");
			cl_out_hex(&o, (uintptr_t)b);
			cl_out_str(&o, " size ");
			cl_out_dec(&o, cl_bsize(b));
			cl_out_str(&o, "\n");
		}
	}
	cl_out_str(&o, "total: ");
	cl_out_dec(&o, nchunks);
	cl_out_str(&o, " chunks, ");
	cl_out_dec(&o, nfree);
	cl_out_str(&o, " free blocks, ");
	cl_out_dec(&o, bytes);
	cl_out_str(&o, " free bytes, ");
	cl_out_dec(&o, (cl_pool.nchunks * cl_geo.chunk_pages - cl_pool.dirty_pages) * cl_geo.page);
	cl_out_str(&o, " bytes released to the OS\n");
	cl_out_str(&o, "merges: ");
	cl_out_dec(&o, cl_pool.merges_prev);
	cl_out_str(&o, " with the previous block, ");
	cl_out_dec(&o, cl_pool.merges_next);
	cl_out_str(&o, " with the next block\n");
	cl_out_flush(&o);
}

void print_free_list(void)
{
	int saved = errno;
	/* Our lines go out with write(2); flush what stdio holds first so the
	 * caller's printf output and ours appear in order. */
	fflush(stdout);
	cl_lock();
	cl_pool_print();
	cl_unlock();

	struct cl_os_stats os;
	cl_os_stats(&os);
	struct cl_out o = { .fd = 1 };
	cl_out_str(&o, "large blocks: ");
	cl_out_dec(&o, os.large_blocks);
	cl_out_str(&o, " (");
	cl_out_dec(&o, os.large_bytes);
	cl_out_str(&o, " bytes mapped)\n");
	cl_out_flush(&o);
	errno = saved;
}
