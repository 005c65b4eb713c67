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

struct totals {
	size_t nchunks, nfree, bytes, dirty, merges_prev, merges_next;
};

/* One chunk's line and its free blocks.  a: its arena, NULL in the
 * reserve. */
static void print_chunk(struct cl_out *o, struct cl_chunk *c, const struct cl_arena *a, struct totals *t)
{
	t->nchunks++;
	t->dirty += c->dirty_pages;
	cl_out_str(o, "chunk ");
	cl_out_hex(o, (uintptr_t)c);
	cl_out_str(o, " size ");
	cl_out_dec(o, cl_geo.chunk);
	cl_out_str(o, ", resident pages ");
	cl_out_dec(o, c->dirty_pages);
	cl_out_str(o, "/");
	cl_out_dec(o, cl_geo.chunk_pages);
	if (a) {
		cl_out_str(o, ", arena ");
		cl_out_dec(o, a->index);
	} else {
		cl_out_str(o, ", in the reserve");
	}
	if (c->reserved)
		cl_out_str(o, " (reserved)");
	if (a && c == a->spare)
		cl_out_str(o, " (spare)");
	cl_out_str(o, "\n");
	for (struct cl_block *b = cl_first_block(c); b != cl_sentinel(c); b = cl_next_block(b)) {
		if (!(b->word & CL_FREE))
			continue;
		t->nfree++;
		t->bytes += cl_bsize(b);
		cl_out_str(o, "  free block ");
		cl_out_hex(o, (uintptr_t)b);
		cl_out_str(o, " size ");
		cl_out_dec(o, cl_bsize(b));
		cl_out_str(o, "\n");
	}
}

/* Every arena's chunks in turn, each under its lock, then the reserve's. */
void cl_pool_print(void)
{
	struct cl_out o = { .fd = 1 };
	struct totals t = { 0 };
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		cl_arena_lock(a);
		for (struct cl_chunk *c = a->chunks; c; c = c->next)
			print_chunk(&o, c, a, &t);
		t.merges_prev += a->merges_prev;
		t.merges_next += a->merges_next;
		cl_arena_unlock(a);
	}
	cl_lock_take(&cl_reserve_lock);
	for (struct cl_chunk *c = cl_chunk_reserve_list(); c; c = c->next)
		print_chunk(&o, c, NULL, &t);
	cl_lock_drop(&cl_reserve_lock);
	cl_out_str(&o, "total: ");
	cl_out_dec(&o, t.nchunks);
	cl_out_str(&o, " chunks, ");
	cl_out_dec(&o, t.nfree);
	cl_out_str(&o, " free blocks, ");
	cl_out_dec(&o, t.bytes);
	cl_out_str(&o, " free bytes, ");
	cl_out_dec(&o, (t.nchunks * cl_geo.chunk_pages - t.dirty) * cl_geo.page);
	cl_out_str(&o, " bytes released to the OS, ");
	cl_out_dec(&o, n);
	cl_out_str(&o, n == 1 ? " arena\n" : " arenas\n");
	cl_out_str(&o, "merges: ");
	cl_out_dec(&o, t.merges_prev);
	cl_out_str(&o, " with the previous block, ");
	cl_out_dec(&o, t.merges_next);
	cl_out_str(&o, " with the next block\n");
	cl_out_flush(&o);
}

void print_free_list(void)
{
	int saved = errno;
	/* Our lines go out with write(2); flush what stdio holds first so the
	 * caller's printf output and ours appear in order. */
	fflush(stdout);
	cl_pool_print();

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
