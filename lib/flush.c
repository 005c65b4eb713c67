/*
 * flush.c: how blocks leave the thread caches.  A flush gathers them in a
 * batch (struct cl_batch): those of the thread's own arena (home) go to
 * its central lists or its pool under its lock, once per batch; those of
 * other arenas are chained per arena and pushed onto each arena's remote
 * list in one compare-and-swap, without its lock (arena.c).  Used when a
 * bin fills, when a thread exits, and by custom_malloc_trim.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

static void group_push(struct cl_batch *B, unsigned g)
{
	cl_arena_remote(B->group[g].arena, B->group[g].first, B->group[g].last, B->group[g].bytes);
	B->group[g] = B->group[--B->groups];
}

/* b (carrying the cache key) joins the batch; a full set of groups sends
 * one on its way first. */
void cl_batch_add(struct cl_batch *B, struct cl_block *b)
{
	struct cl_arena *a = cl_arena_of(b);
	if (a == B->home) {
		b->next_free = B->mine;
		B->mine = b;
		return;
	}
	unsigned g = 0;
	while (g < B->groups && B->group[g].arena != a)
		g++;
	if (g == B->groups) {
		if (g == CL_BATCH_GROUPS) {   /* send one on its way to make room */
			group_push(B, 0);
			g = B->groups;
		}
		B->group[g].arena = a;
		B->group[g].first = B->group[g].last = NULL;
		B->group[g].bytes = 0;
		B->groups++;
	}
	b->next_free = B->group[g].first;
	if (!B->group[g].last)
		B->group[g].last = b;
	B->group[g].first = b;
	B->group[g].bytes += cl_bsize(b);
}

/* The home blocks to their arena, whose lock is held: a central list
 * while it has room (unless to_pool), else the pool.  A bin can hold a
 * block of no class: the last of a refill's run takes the remainder too
 * small to keep (fill); that one goes to the pool.  In the largest
 * class the remainder takes it past CL_SMALL_MAX, beyond the table. */
void cl_batch_home_locked(struct cl_batch *B, bool to_pool)
{
	struct cl_block *b = B->mine, *next;
	for (; b; b = next) {
		next = b->next_free;
		size_t size = cl_bsize(b);
		unsigned cls = size <= CL_SMALL_MAX ? cl_class_exact[size / CL_ALIGN] : CL_NO_CLASS;
		if (to_pool || cls == CL_NO_CLASS || !cl_central_put(B->home, b, cls))
			cl_pool_free(b);
	}
	B->mine = NULL;
}

/* The rest, with no lock held. */
void cl_batch_send(struct cl_batch *B)
{
	while (B->groups)
		group_push(B, 0);
}

void cl_batch_finish(struct cl_batch *B, bool to_pool)
{
	if (B->mine) {
		cl_arena_lock(B->home);
		cl_batch_home_locked(B, to_pool);
		cl_arena_unlock(B->home);
	}
	cl_batch_send(B);
}

/* All but keep blocks of bin (this thread's or an orphan's) into B. */
void cl_bin_take(struct cl_bin *bin, unsigned keep, struct cl_batch *B)
{
	for (unsigned held = (unsigned)(bin->limit - bin->room); held > keep; held--) {
		struct cl_block *b = bin->head;
		bin->head = b->next_free;
		bin->room++;
		cl_batch_add(B, b);
	}
}
