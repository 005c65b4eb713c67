/*
 * realloc.c: custom_realloc.  Pool blocks grow into a free neighbour and
 * shrink in place; large blocks move with mremap; everything else moves.
 * On failure the old block is untouched.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

static void *move(void *p, size_t old_usable, size_t n, const char *func)
{
	void *q = cl_malloc_fast(n);
	if (!q)
		return NULL;
	memcpy(q, p, old_usable < n ? old_usable : n);
	cl_free_fast(p, func);
	return q;
}

void *cl_realloc(void *p, size_t n, const char *func)
{
	if (!p)
		return cl_malloc_fast(n);
	if (n == 0) {
		cl_free_fast(p, func);
		return NULL;
	}
	struct cl_block *b = cl_checked_block(p, func);
	size_t size = cl_request_to_bsize(n);
	if (size == 0) {
		errno = ENOMEM;
		return NULL;
	}
	/* A small block keeps a class size, so that its free can cache it. */
	if (size <= CL_SMALL_MAX)
		size = cl_class_size[cl_class_up[size / CL_ALIGN]];

	/* The checking modes see every block come and go, and a sampled
	 * block leaves the profile (the new one may be sampled): move. */
	if (CL_UNLIKELY(cl_opt.debug) || CL_UNLIKELY(cl_marks(b) & CL_MARK_SAMPLED))
		return move(p, cl_usable_size(p, func), n, func);
	if (cl_word(b) & CL_LARGE) {
		size_t usable = cl_large_usable(b);
		if (n >= cl_opt.mmap_threshold / 2 && b->prev_size == 0)
			return cl_large_realloc(b, n);
		return move(p, usable, n, func);
	}

	size_t have = cl_bsize(b);
	if (n >= cl_opt.mmap_threshold)
		return move(p, cl_pool_usable(b), n, func);
	/* A block a thread cache would take (a class size): no lock.  It
	 * stays where it is while it is the right class or at most twice the
	 * size asked for, else moves through the caches' fast paths.  Its
	 * neighbours are cache batches' blocks, so growing in place would
	 * rarely succeed anyway.  (Interpreters realloc small blocks all the
	 * time: Lua grows and shrinks every table and string this way.) */
	if (have <= CL_SMALL_MAX && size <= CL_SMALL_MAX && !(cl_word(b) & CL_ALIGNED) &&
	    cl_class_exact[have / CL_ALIGN] != CL_NO_CLASS) {
		if (size <= have && 2 * size >= have)
			return p;
		return move(p, cl_pool_usable(b), n, func);
	}
	/* In place needs the lock of the block's arena: waited for if it is
	 * this thread's, only tried if it is another's (arena.c). */
	struct cl_arena *a = cl_arena_of(b);
	bool mine = a == cl_my_arena();
	if (size <= have) {
		if (have - size >= CL_MIN_BLOCK && (mine ? (cl_arena_lock(a), true) : cl_arena_trylock(a))) {
			cl_pool_shrink_in_place(b, size);
			cl_arena_unlock(a);
		}
		return p;
	}
	bool grown = false;
	if (mine ? (cl_arena_lock(a), true) : cl_arena_trylock(a)) {
		grown = cl_pool_grow_in_place(b, size);
		cl_arena_unlock(a);
	}
	if (grown)
		return p;
	return move(p, cl_pool_usable(b), n, func);
}

void *custom_realloc(void *p, size_t n)
{
	return cl_realloc(p, n, "custom_realloc");
}
