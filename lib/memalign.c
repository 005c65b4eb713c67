/*
 * memalign.c: custom_posix_memalign and custom_aligned_alloc.  Alignments
 * up to 16 are every block's; larger ones cut an aligned block out of a
 * bigger pool block (the front and tail go back to the pool) or place the
 * header inside a large mapping so that the user's pointer is aligned.
 * An aligned pool block is flagged CL_ALIGNED: its free gives it back to
 * the pool, never to a thread cache, whose blocks are not merged and would
 * keep the space around an aligned spot in pieces.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>

static void *memalign_slow(size_t align, size_t n, size_t size);

/* align: a power of two.  NULL with errno ENOMEM on failure. */
void *cl_memalign(size_t align, size_t n)
{
	if (align <= CL_ALIGN)
		return custom_malloc(n);
	size_t size = cl_request_to_bsize(n);
	if (size == 0 || align > CL_ALIGN_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	cl_init();
	if (CL_LIKELY(!cl_opt.valgrind))
		return memalign_slow(align, n, size);
	cl_debug_quiet(true);   /* see cl_malloc_slow */
	void *p = memalign_slow(align, n, size);
	cl_debug_quiet(false);
	return p;
}

static void *memalign_slow(size_t align, size_t n, size_t size)
{
	if (CL_UNLIKELY(cl_opt.debug) && cl_debug_fail())
		return NULL;
	void *p;
	bool sampled = CL_UNLIKELY(cl_prof_on) && cl_prof_tick(CL_CLASSES, size);
	if (n + align >= cl_opt.mmap_threshold) {
		p = cl_large_alloc(n, align, false);
	} else {
		struct cl_arena *a = cl_my_arena();
		cl_arena_lock(a);
		struct cl_block *b = cl_pool_alloc_aligned(a, size, align);
		if (b)   /* its free must not cache it: see CL_ALIGNED */
			cl_set_flag(b, CL_ALIGNED);
		cl_arena_unlock(a);
		if (!b) {
			errno = ENOMEM;
			return NULL;
		}
		p = cl_user(b);
	}
	if (CL_UNLIKELY(sampled) && p) {
		cl_prof_mark(cl_block_of(p), cl_marks(cl_block_of(p)) | CL_MARK_SAMPLED);
		cl_prof_record(p, n, size);
	}
	return CL_UNLIKELY(cl_opt.debug) ? cl_debug_alloc(p, n, false) : p;
}

static inline bool power_of_two(size_t x) { return x && !(x & (x - 1)); }

int custom_posix_memalign(void **memptr, size_t alignment, size_t size)
{
	if (!power_of_two(alignment) || alignment % sizeof(void *))
		return EINVAL;
	int saved = errno;
	void *p = cl_memalign(alignment, size);
	if (!p) {
		errno = saved;
		return ENOMEM;
	}
	*memptr = p;
	return 0;
}

void *custom_aligned_alloc(size_t alignment, size_t size)
{
	if (!power_of_two(alignment)) {
		errno = EINVAL;
		return NULL;
	}
	return cl_memalign(alignment, size);
}
