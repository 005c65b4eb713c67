/*
 * os.c: every call that maps, unmaps, releases or moves memory.
 *
 * Contract of each function: addresses and sizes are multiples of CL_PAGE
 * and sizes are > 0; a failure returns NULL (the caller sets ENOMEM) and
 * changes nothing.  Successful calls are counted for custom_mallinfo.
 * cl_os_fail_countdown lets a test make the Nth next mapping fail.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/mman.h>

size_t cl_os_fail_countdown;

static struct cl_os_stats os_stats; /* updated with relaxed atomics */

#define COUNT(field, n) __atomic_fetch_add(&os_stats.field, (n), __ATOMIC_RELAXED)

static bool injected_failure(void)
{
	size_t n = __atomic_load_n(&cl_os_fail_countdown, __ATOMIC_RELAXED);
	if (CL_LIKELY(n == 0))
		return false;
	return __atomic_sub_fetch(&cl_os_fail_countdown, 1, __ATOMIC_RELAXED) == 0;
}

void *cl_os_map(size_t size)
{
	if (injected_failure())
		return NULL;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	COUNT(mmap_calls, 1);
	return p;
}

/* Over-map by align and cut off both ends: the result is aligned. */
void *cl_os_map_aligned(size_t size, size_t align)
{
	if (size + align < size)
		return NULL;
	char *p = cl_os_map(size + align);
	if (!p)
		return NULL;
	char *a = (char *)cl_align_up((uintptr_t)p, align);
	if (a > p)
		cl_os_unmap(p, (size_t)(a - p));
	if (a + size < p + size + align)
		cl_os_unmap(a + size, (size_t)(p + align - a));
	return a;
}

void cl_os_unmap(void *p, size_t size)
{
	if (munmap(p, size) == 0)
		COUNT(munmap_calls, 1);
}

void cl_os_release(void *p, size_t size)
{
	if (madvise(p, size, MADV_DONTNEED) == 0)
		COUNT(madvise_calls, 1);
}

void cl_os_hugepages(void *p, size_t size, bool on)
{
#ifdef MADV_HUGEPAGE
	if (madvise(p, size, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) == 0)
		COUNT(madvise_calls, 1);
#else
	(void)p, (void)size, (void)on;
#endif
}

void *cl_os_remap(void *p, size_t old, size_t new_size)
{
	if (injected_failure())
		return NULL;
	void *q = mremap(p, old, new_size, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return NULL;
	COUNT(mremap_calls, 1);
	return q;
}

void cl_os_large_account(ptrdiff_t bytes, int blocks)
{
	COUNT(large_bytes, (size_t)bytes);
	COUNT(large_blocks, (size_t)(ptrdiff_t)blocks);
}

void cl_os_stats(struct cl_os_stats *s)
{
	s->mmap_calls = __atomic_load_n(&os_stats.mmap_calls, __ATOMIC_RELAXED);
	s->munmap_calls = __atomic_load_n(&os_stats.munmap_calls, __ATOMIC_RELAXED);
	s->madvise_calls = __atomic_load_n(&os_stats.madvise_calls, __ATOMIC_RELAXED);
	s->mremap_calls = __atomic_load_n(&os_stats.mremap_calls, __ATOMIC_RELAXED);
	s->large_bytes = __atomic_load_n(&os_stats.large_bytes, __ATOMIC_RELAXED);
	s->large_blocks = __atomic_load_n(&os_stats.large_blocks, __ATOMIC_RELAXED);
}
