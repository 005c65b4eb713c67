/*
 * bench.h: helpers shared by the benchmark workloads of libcalloc-lite.
 *
 * Every workload uses only the standard malloc family, so that LD_PRELOAD
 * decides which allocator is measured.  Helpers here therefore avoid
 * allocating themselves where that is easy (the /proc reader uses a stack
 * buffer and read(2), not stdio).
 *
 * Output contract (parsed by bench/run): one line on stdout of key=value
 * pairs, always starting with
 *     time_s=<timed section> rss_peak_kb=<VmHWM> rss_after_kb=<VmRSS>
 * and then more keys (cpu_s: process CPU time of the timed section, and
 * alloc_lib: the object that provides malloc, so bench/run can check that
 * LD_PRELOAD took effect).
 * Workloads whose throughput matters also print calls=<allocator calls in
 * the timed section>, so that bench/run --scaling can report calls per
 * second.  A data mismatch prints "FAIL: ..." on stderr and exits with
 * status 2.
 *
 * Sizes: every count a workload takes as an argument has a default, and
 * CL_BENCH_SCALE=<factor> (default 1) multiplies the defaults (not explicit
 * arguments), so that CL_BENCH_SCALE=0.01 turns the whole suite into a
 * quick smoke run.  An argument "-" or "" means "the default".
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#ifndef CL_BENCH_H
#define CL_BENCH_H 1

#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_UNUSED __attribute__((unused))

/* Results are folded into this so that the compiler must keep every
 * allocation and every check. */
static volatile uintptr_t bench_sink BENCH_UNUSED;

static BENCH_UNUSED __attribute__((noreturn, format(printf, 1, 2)))
void bench_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stdout);
	_exit(2);
}

static BENCH_UNUSED double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (all threads), in seconds. */
static BENCH_UNUSED double bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The timed section: bench_begin() and bench_end() return the wall clock
 * and note the process CPU time, which bench_report() prints as cpu_s (it
 * is less disturbed than the wall clock by other load on a shared machine,
 * but counts every thread, including spinning). */
static double bench_cpu0 BENCH_UNUSED, bench_cpu1 BENCH_UNUSED;

static BENCH_UNUSED double bench_begin(void)
{
	bench_cpu0 = bench_cpu();
	return bench_now();
}

static BENCH_UNUSED double bench_end(void)
{
	double t = bench_now();

	bench_cpu1 = bench_cpu();
	return t;
}

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1. */
static BENCH_UNUSED long bench_status_kb(const char *key)
{
	char buf[4096];
	size_t klen = strlen(key);
	ssize_t n, got = 0;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < (ssize_t)sizeof buf - 1 &&
	       (n = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	for (char *line = buf; line && *line; ) {
		char *next = strchr(line, '\n');

		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			return strtol(line + klen + 1, NULL, 10);
		line = next ? next + 1 : NULL;
	}
	return -1;
}

static BENCH_UNUSED long bench_rss_kb(void)  { return bench_status_kb("VmRSS"); }
static BENCH_UNUSED long bench_peak_kb(void) { return bench_status_kb("VmHWM"); }

/* Fast deterministic generator (splitmix64); one state per thread. */
static inline uint64_t bench_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static inline size_t bench_range(uint64_t *s, size_t lo, size_t hi)
{
	return lo + (size_t)(bench_rand(s) % (uint64_t)(hi - lo + 1));
}

/*
 * The programs are built with -fno-builtin (so that gcc knows nothing
 * about malloc and free); word access therefore uses __builtin_memcpy,
 * which still compiles to a plain load or store.
 *
 * Stamping: write a value derived from (tag, offset) at the first and last
 * 8 bytes of a block and at every `stride` bytes in between, and check it
 * later.  Two live blocks that overlap, or a block that the allocator
 * scribbles on, fail the check.  The stride keeps the cost small for the
 * churn-type workloads; page-sized strides touch every page of big blocks.
 */
static inline uint64_t bench_word(uint64_t tag, size_t off)
{
	return (tag * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)off;
}

static inline void bench_put(unsigned char *p, size_t off, uint64_t v)
{
	__builtin_memcpy(p + off, &v, sizeof v);
}

static inline uint64_t bench_get(const unsigned char *p, size_t off)
{
	uint64_t v;

	__builtin_memcpy(&v, p + off, sizeof v);
	return v;
}

/* Blocks must be at least 8 bytes.  The stride words stop short of the
 * last word so that they never overlap it. */
static inline void bench_stamp(void *block, size_t n, uint64_t tag, size_t stride)
{
	unsigned char *p = block;

	for (size_t off = 0; off + 16 <= n; off += stride)
		bench_put(p, off, bench_word(tag, off));
	bench_put(p, n - 8, bench_word(tag, n - 8));
}

static inline int bench_stamp_ok(const void *block, size_t n, uint64_t tag, size_t stride)
{
	const unsigned char *p = block;

	for (size_t off = 0; off + 16 <= n; off += stride)
		if (bench_get(p, off) != bench_word(tag, off))
			return 0;
	return bench_get(p, n - 8) == bench_word(tag, n - 8);
}

#define BENCH_CHECK(block, n, tag, stride, what)                              \
	do {                                                                  \
		if (!bench_stamp_ok((block), (n), (tag), (stride)))           \
			bench_fail("%s: block %p (%zu bytes) was overwritten",  \
				   (what), (void *)(block), (size_t)(n));     \
	} while (0)

static BENCH_UNUSED void *bench_malloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		bench_fail("malloc(%zu) returned NULL", n);
	return p;
}

/* The object that provides malloc() in this process, so that bench/run can
 * verify that LD_PRELOAD took effect. */
static BENCH_UNUSED const char *bench_alloc_lib(void)
{
	Dl_info info;
	void *fn = dlsym(RTLD_DEFAULT, "malloc");
	const char *slash;

	if (!fn || !dladdr(fn, &info) || !info.dli_fname)
		return "unknown";
	slash = strrchr(info.dli_fname, '/');
	return slash ? slash + 1 : info.dli_fname;
}

/* Octave-uniform in [lo, hi] (lo > 0): an octave [lo 2^k, lo 2^(k+1)] is
 * chosen uniformly, then a size uniformly within it (the last octave is cut
 * at hi).  Each octave gets the same share of the calls: a piecewise
 * version of the log-uniform distribution, without libm. */
static inline size_t bench_octave_range(uint64_t *s, size_t lo, size_t hi)
{
	unsigned octaves = 0, k;
	size_t a, b;

	while (octaves < 63 && (lo << octaves) < hi)
		octaves++;
	if (octaves == 0)
		return lo;
	k = (unsigned)(bench_rand(s) % octaves);
	a = lo << k;
	b = (a << 1) < hi ? (a << 1) : hi;
	return bench_range(s, a, b);
}

/* The mix of a program's heap (release, rebuild): by count 70% of 16-512 B,
 * 25% of 513 B-16 KiB, 5% of 16-256 KiB. */
static inline size_t bench_heap_size(uint64_t *s)
{
	unsigned r = (unsigned)(bench_rand(s) % 100);

	if (r < 70)
		return bench_range(s, 16, 512);
	if (r < 95)
		return bench_range(s, 513, 16u << 10);
	return bench_range(s, (16u << 10) + 1, 256u << 10);
}

/* Is argument i given (neither absent, "" nor "-")? */
static BENCH_UNUSED int bench_has_arg(int argc, char **argv, int i)
{
	return argc > i && argv[i][0] && strcmp(argv[i], "-") != 0;
}

/* Parse argv[i] as a count (accepts 1e6 style), or return dflt. */
static BENCH_UNUSED long bench_arg(int argc, char **argv, int i, long dflt)
{
	if (bench_has_arg(argc, argv, i)) {
		char *end;
		double v = strtod(argv[i], &end);

		if (*end || v < 0)
			bench_fail("bad argument '%s' (want a count)", argv[i]);
		return (long)v;
	}
	return dflt;
}

/* CL_BENCH_SCALE as a number (1 when unset); bad values are fatal, not
 * silently the full size. */
static BENCH_UNUSED double bench_scale(void)
{
	const char *env = getenv("CL_BENCH_SCALE");
	char *end;
	double v;

	if (!env || !env[0])
		return 1.0;
	v = strtod(env, &end);
	if (*end || !(v > 0) || v > 1e6)
		bench_fail("bad CL_BENCH_SCALE '%s' (want a factor > 0)", env);
	return v;
}

/* Like bench_arg, but a size: the default is multiplied by CL_BENCH_SCALE
 * (and is at least 1). */
static BENCH_UNUSED long bench_size(int argc, char **argv, int i, long dflt)
{
	double v;

	if (bench_has_arg(argc, argv, i))
		return bench_arg(argc, argv, i, dflt);
	v = (double)dflt * bench_scale() + 0.5;
	return v < 1 ? 1 : (long)v;
}

/* The first three keys of the result line; callers add more and end it
 * with bench_report_end(). */
static BENCH_UNUSED void bench_report(double secs, long rss_after_kb)
{
	printf("time_s=%.6f rss_peak_kb=%ld rss_after_kb=%ld cpu_s=%.6f",
	       secs, bench_peak_kb(), rss_after_kb, bench_cpu1 - bench_cpu0);
}

static BENCH_UNUSED void bench_report_end(void)
{
	if (bench_scale() != 1.0)
		printf(" scale=%g", bench_scale());
	printf(" alloc_lib=%s\n", bench_alloc_lib());
	fflush(stdout);
}

#endif /* CL_BENCH_H */
