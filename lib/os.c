/*
 * os.c: every call that maps, unmaps, releases or moves memory.
 *
 * Contract of each function: addresses and sizes are multiples of
 * cl_geo.page (the running kernel's page size) and sizes are > 0.  A call
 * that fails changes nothing and says so: the mapping functions return
 * NULL (the caller sets ENOMEM), the others -1 (errno is the kernel's).
 * The caller then must not update its bookkeeping as if it had worked:
 * pages not released stay dirty, a mapping not unmapped stays counted.
 * Successful calls are counted for custom_mallinfo, and so are the bytes
 * mapped, which makes os_stats.mapped_bytes the truth about what we hold.
 *
 * Test hooks: cl_os_fail_countdown makes the Nth next mapping fail;
 * cl_os_fail_ops makes every call of the kinds it names fail with EINVAL
 * (as a kernel refusing them would); and in the test page mode
 * (cl_geo.strict, see platform.c) the calls refuse, with EINVAL, any
 * address or length that is not a multiple of the page unit, and mappings
 * come back aligned to it, as a kernel with such pages behaves.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

size_t cl_os_fail_countdown;
unsigned cl_os_fail_ops;

static struct cl_os_stats os_stats; /* updated with relaxed atomics */

#define COUNT(field, n) __atomic_fetch_add(&os_stats.field, (n), __ATOMIC_RELAXED)
#define UNCOUNT(field, n) __atomic_fetch_sub(&os_stats.field, (n), __ATOMIC_RELAXED)

/* Should this call fail (a test asked for it)?  Sets errno as the kernel
 * would for what we emulate. */
static bool injected_failure(unsigned op, int err)
{
	if (CL_UNLIKELY(__atomic_load_n(&cl_os_fail_ops, __ATOMIC_RELAXED) & op)) {
		errno = err;
		return true;
	}
	if (op & (CL_OS_MAP | CL_OS_REMAP)) {
		size_t n = __atomic_load_n(&cl_os_fail_countdown, __ATOMIC_RELAXED);
		if (CL_LIKELY(n == 0))
			return false;
		if (__atomic_sub_fetch(&cl_os_fail_countdown, 1, __ATOMIC_RELAXED) == 0) {
			errno = ENOMEM;
			return true;
		}
	}
	return false;
}

/* In the strict test mode: is [p, p + size) what a kernel with pages of
 * cl_geo.page accepts? */
static bool page_aligned(const void *p, size_t size)
{
	return ((uintptr_t)p | size) % cl_geo.page == 0 && size > 0;
}
static bool refused(const void *p, size_t size)
{
	if (CL_LIKELY(!cl_geo.strict) || page_aligned(p, size))
		return false;
	COUNT(refused_calls, 1);
	errno = EINVAL;
	return true;
}

static void *sys_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* The strict mode's mmap: a kernel with bigger pages returns addresses
 * aligned to them; map more and cut (the cut pieces are the kernel's own
 * pages here, unmapped directly and never counted). */
static void *strict_map(size_t size)
{
	size_t sys = (size_t)sysconf(_SC_PAGESIZE), extra = cl_geo.page - sys;
	if (size + extra < size) {
		errno = ENOMEM;
		return NULL;
	}
	char *p = sys_map(size + extra);
	if (!p)
		return NULL;
	char *a = (char *)cl_align_up((uintptr_t)p, cl_geo.page);
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + extra > a)
		munmap(a + size, (size_t)(p + extra - a));
	return a;
}

void *cl_os_map(size_t size)
{
	if (injected_failure(CL_OS_MAP, ENOMEM) || refused(NULL, size))
		return NULL;
	void *p = cl_geo.strict ? strict_map(size) : sys_map(size);
	if (!p)
		return NULL;
	COUNT(mmap_calls, 1);
	COUNT(mapped_bytes, size);
	return p;
}

/* Over-map by align and cut off both ends: the result is aligned.  If a
 * cut fails, its pages stay mapped (and counted), untouched. */
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

int cl_os_unmap(void *p, size_t size)
{
	if (injected_failure(CL_OS_UNMAP, EINVAL) || refused(p, size) || munmap(p, size) != 0)
		return -1;
	COUNT(munmap_calls, 1);
	UNCOUNT(mapped_bytes, size);
	return 0;
}

int cl_os_release(void *p, size_t size)
{
	if (injected_failure(CL_OS_RELEASE, EINVAL) || refused(p, size) ||
	    madvise(p, size, MADV_DONTNEED) != 0)
		return -1;
	COUNT(madvise_calls, 1);
	return 0;
}

int cl_os_hugepages(void *p, size_t size, bool on)
{
#ifdef MADV_HUGEPAGE
	if (injected_failure(CL_OS_RELEASE, EINVAL) || refused(p, size) ||
	    madvise(p, size, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
		return -1;
	COUNT(madvise_calls, 1);
	return 0;
#else
	(void)p, (void)size, (void)on;
	errno = ENOSYS;
	return -1;
#endif
}

/* The strict mode's mremap: in place if it can be, else to a new mapping
 * aligned to the page unit (a kernel with such pages would only ever
 * return one aligned to them). */
static void *strict_remap(void *p, size_t old, size_t new_size)
{
	void *q = mremap(p, old, new_size, 0);
	if (q != MAP_FAILED)
		return q;
	void *to = strict_map(new_size);
	if (!to)
		return NULL;
	q = mremap(p, old, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (q == MAP_FAILED) {
		int e = errno;
		munmap(to, new_size);
		errno = e;
		return NULL;
	}
	return q;
}

void *cl_os_remap(void *p, size_t old, size_t new_size)
{
	if (injected_failure(CL_OS_REMAP, ENOMEM) || refused(p, old) || refused(NULL, new_size))
		return NULL;
	void *q = cl_geo.strict ? strict_remap(p, old, new_size)
		: mremap(p, old, new_size, MREMAP_MAYMOVE);
	if (q == MAP_FAILED || q == NULL)
		return NULL;
	COUNT(mremap_calls, 1);
	COUNT(mapped_bytes, new_size);
	UNCOUNT(mapped_bytes, old);
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
	s->mapped_bytes = __atomic_load_n(&os_stats.mapped_bytes, __ATOMIC_RELAXED);
	s->refused_calls = __atomic_load_n(&os_stats.refused_calls, __ATOMIC_RELAXED);
	s->large_bytes = __atomic_load_n(&os_stats.large_bytes, __ATOMIC_RELAXED);
	s->large_blocks = __atomic_load_n(&os_stats.large_blocks, __ATOMIC_RELAXED);
}
