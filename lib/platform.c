/*
 * platform.c: the facts of the machine we run on, read once by cl_init
 * before anything is mapped.  The word size is fixed at build time
 * (CL_64BIT); the page size is the running kernel's, from the auxiliary
 * vector (4, 16 and 64 KiB kernels exist among Debian's architectures,
 * and one binary serves them all); the number of CPUs is what this
 * process may run on.  Everything else derives from these in one place:
 * the chunk size grows with the page so that a chunk always has
 * CL_CHUNK_MIN_PAGES pages.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

struct cl_geometry cl_geo = {
	.page = (size_t)1 << CL_PAGE_MIN_SHIFT,
	.page_shift = CL_PAGE_MIN_SHIFT,
	.chunk_shift = CL_CHUNK_MIN_SHIFT,
	.chunk = (size_t)1 << CL_CHUNK_MIN_SHIFT,
	.chunk_pages = CL_CHUNK_PAGES_MAX,
	.ncpus = 1,
};

static bool power_of_two(size_t x) { return x && !(x & (x - 1)); }

static size_t kernel_page(void)
{
	size_t p = (size_t)getauxval(AT_PAGESZ);
	if (!power_of_two(p)) {
		long s = sysconf(_SC_PAGESIZE);
		p = s > 0 ? (size_t)s : 0;
	}
	return power_of_two(p) && p >= ((size_t)1 << CL_PAGE_MIN_SHIFT) ? p
		: (size_t)1 << CL_PAGE_MIN_SHIFT;
}

#ifdef CL_TEST_HOOKS
/* Tests only (the convenience library the test programs link; never the
 * installed libraries): CL_TEST_PAGE_SIZE=16384 or 65536 makes the
 * allocator work in pages of that size, and the OS layer refuse what a
 * kernel with such pages refuses (cl_geo.strict, os.c), so that the whole
 * suite can prove on a 4 KiB machine what 16 and 64 KiB kernels need. */
static size_t test_page(size_t page)
{
	const char *v = getenv("CL_TEST_PAGE_SIZE");
	if (!v || !*v)
		return page;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*end || !power_of_two(n) || n < page || n > ((size_t)1 << 20))
		return page;
	cl_geo.strict = n != page;
	return n;
}
#endif

/* CPUs in this process's affinity mask (up to 8192 of them); every CPU
 * online if that cannot be read. */
static unsigned affinity_cpus(void)
{
	cpu_set_t set[8192 / CPU_SETSIZE];
	if (sched_getaffinity(0, sizeof set, set) == 0) {
		int n = CPU_COUNT_S(sizeof set, set);
		if (n > 0)
			return (unsigned)n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

void cl_platform_init(void)
{
	size_t page = kernel_page();
#ifdef CL_TEST_HOOKS
	page = test_page(page);
#endif
	cl_geo.page = page;
	cl_geo.page_shift = cl_log2(page);
	unsigned shift = cl_geo.page_shift + cl_log2(CL_CHUNK_MIN_PAGES);
	if (shift < CL_CHUNK_MIN_SHIFT)
		shift = CL_CHUNK_MIN_SHIFT;
	if (shift > CL_CHUNK_MAX_SHIFT)
		shift = CL_CHUNK_MAX_SHIFT;
	cl_geo.chunk_shift = shift;
	cl_geo.chunk = (size_t)1 << shift;
	cl_geo.chunk_pages = cl_geo.chunk >> cl_geo.page_shift;
	cl_geo.ncpus = affinity_cpus();
}
