/*
 * large: blocks of 256 KiB - 8 MiB allocated, touched, checked, freed.
 *
 * A ring of RING live blocks; each step checks and frees a random slot and
 * allocates a new block of random size, writing one word in every page.
 * This measures the large-block path (mmap/munmap, or reuse), including
 * the page faults an allocator causes by returning memory too eagerly.
 *
 * usage: large [steps (default 3000)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define RING 8
#define MIN_SIZE (256u << 10)
#define MAX_SIZE (8u << 20)
#define STRIDE 4096

int main(int argc, char **argv)
{
	long steps = bench_size(argc, argv, 1, 3000);
	uint64_t rng = 0x1a26e;
	void *slot[RING] = { 0 };
	size_t size[RING] = { 0 };
	uint64_t tag[RING] = { 0 };
	uintptr_t acc = 0;
	double bytes = 0, t0, t1;

	t0 = bench_begin();
	for (long k = 0; k < steps; k++) {
		size_t i = (size_t)(bench_rand(&rng) % RING);
		size_t n = bench_range(&rng, MIN_SIZE, MAX_SIZE);

		if (slot[i]) {
			BENCH_CHECK(slot[i], size[i], tag[i], STRIDE, "large");
			free(slot[i]);
		}
		slot[i] = bench_malloc(n);
		size[i] = n;
		tag[i] = (uint64_t)k;
		bench_stamp(slot[i], n, tag[i], STRIDE);
		acc += (uintptr_t)slot[i];
		bytes += (double)n;
	}
	for (int i = 0; i < RING; i++)
		if (slot[i]) {
			BENCH_CHECK(slot[i], size[i], tag[i], STRIDE, "large");
			free(slot[i]);
		}
	t1 = bench_end();
	bench_sink = acc;

	bench_report(t1 - t0, bench_rss_kb());
	printf(" steps=%ld calls=%ld gib_allocated=%.2f", steps, 2 * steps, bytes / (double)(1u << 30));
	bench_report_end();
	return 0;
}
