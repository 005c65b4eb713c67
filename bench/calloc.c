/*
 * calloc: calloc of mixed sizes, including large ones.
 *
 * A ring of RING live blocks.  Each step frees a random slot and callocs a
 * new block (70% small: up to 1 KiB, 29.5% medium: 128 B-64 KiB, 0.5%
 * large: 1-4 MiB), checks that every byte is zero, then dirties the whole block
 * so that memory recycled by the allocator is not zero by accident.
 * Before timing, calloc(n, m) with n*m overflowing must return NULL
 * (fatal otherwise); overflow_errno_ok= says whether errno was ENOMEM.
 *
 * usage: calloc [steps (default 30000)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"
#include <errno.h>

#define RING 64
#define DIRT 0xa5

static void check_zero(const unsigned char *p, size_t n)
{
	size_t off = 0;

	for (; off + 8 <= n; off += 8)
		if (bench_get(p, off) != 0)
			break;
	for (; off < n; off++)
		if (p[off] != 0)
			bench_fail("calloc: byte %zu of a %zu-byte block at %p is 0x%02x, not 0",
				   off, n, (const void *)p, p[off]);
}

static void check_dirt(const unsigned char *p, size_t n)
{
	if (p[0] != DIRT || p[n / 2] != DIRT || p[n - 1] != DIRT)
		bench_fail("calloc: live block %p (%zu bytes) was overwritten",
			   (const void *)p, n);
}

int main(int argc, char **argv)
{
	long steps = bench_size(argc, argv, 1, 30000);
	uint64_t rng = 0xca11;
	unsigned char *slot[RING] = { 0 };
	size_t size[RING] = { 0 };
	uintptr_t acc = 0;
	long large = 0;
	int overflow_errno;
	double t0, t1;
	volatile size_t huge = SIZE_MAX / 2;    /* hide the overflow from gcc */
	void *bad;

	errno = 0;
	bad = calloc(huge, 3);
	if (bad)
		bench_fail("calloc(SIZE_MAX/2, 3) did not fail on overflow");
	/* POSIX wants ENOMEM; some allocators leave errno alone.  Reported,
	 * not fatal: the benchmark is about speed and not handing out a
	 * short block. */
	overflow_errno = errno;

	t0 = bench_begin();
	for (long k = 0; k < steps; k++) {
		size_t i = (size_t)(bench_rand(&rng) % RING);
		unsigned r = (unsigned)(bench_rand(&rng) % 1000);
		size_t nmemb, elem;

		if (slot[i]) {
			check_dirt(slot[i], size[i]);
			free(slot[i]);
		}
		if (r < 700) {
			elem = bench_range(&rng, 1, 16);
			nmemb = bench_range(&rng, 1, 64);
		} else if (r < 995) {
			elem = 8;
			nmemb = bench_range(&rng, 16, 8192);
		} else {
			elem = 4096;
			nmemb = bench_range(&rng, 256, 1024);
			large++;
		}
		slot[i] = calloc(nmemb, elem);
		if (!slot[i])
			bench_fail("calloc(%zu, %zu) returned NULL", nmemb, elem);
		size[i] = nmemb * elem;
		check_zero(slot[i], size[i]);
		memset(slot[i], DIRT, size[i]);
		acc += (uintptr_t)slot[i];
	}
	for (int i = 0; i < RING; i++)
		if (slot[i]) {
			check_dirt(slot[i], size[i]);
			free(slot[i]);
		}
	t1 = bench_end();
	bench_sink = acc;

	bench_report(t1 - t0, bench_rss_kb());
	printf(" steps=%ld calls=%ld large=%ld overflow_errno_ok=%d", steps, 2 * steps, large,
	       overflow_errno == ENOMEM);
	bench_report_end();
	return 0;
}
