/*
 * central.c: per arena and class, the blocks that thread caches handed
 * back, waiting for the next refill of that class in that arena (up to
 * CL_CENTRAL_BYTES and CL_CENTRAL_SLOTS of each class).  A refill takes
 * them without cutting a free block, and a flush gives them up without
 * merging each one with its neighbours: for a thread that frees what
 * another allocates, the blocks go round through these lists, not the
 * pool.  They are used only while two threads or more have caches: with
 * one, they would only be a bigger bin that pins memory the pool could
 * merge and give back.
 *
 * Every function here expects the arena's lock held.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <string.h>

void cl_central_init(struct cl_arena *a)
{
	for (unsigned c = 0; c < CL_CLASSES; c++) {
		unsigned cap = CL_CENTRAL_BYTES / cl_class_size[c];
		a->central[c].cap = cap > CL_CENTRAL_SLOTS ? CL_CENTRAL_SLOTS : cap;  /* 0 over 8 KiB */
	}
}

bool cl_central_put(struct cl_arena *a, struct cl_block *b, unsigned cls)
{
	if (CL_UNLIKELY(cls >= CL_CLASSES))
		return false;   /* a block of no class: the pool takes it */
	struct cl_central *z = &a->central[cls];
	if (z->count >= z->cap || __atomic_load_n(&cl_live_caches, __ATOMIC_RELAXED) < 2)
		return false;
	z->slot[z->count++] = b;
	return true;
}

/* Up to n blocks of class cls into out, the ones handed back last first;
 * returns how many. */
unsigned cl_central_take(struct cl_arena *a, unsigned cls, struct cl_block **out, unsigned n)
{
	struct cl_central *z = &a->central[cls];
	unsigned k = z->count < n ? z->count : n;
	z->count -= k;
	memcpy(out, &z->slot[z->count], k * sizeof out[0]);
	return k;
}

void cl_central_drain(struct cl_arena *a)
{
	for (unsigned c = 0; c < CL_CLASSES; c++) {
		struct cl_central *z = &a->central[c];
		while (z->count)
			cl_pool_free(z->slot[--z->count]);
	}
}
