/*
 * release: does memory go back to the OS after the program frees it?
 *
 * Round 1: allocate about TARGET bytes (default 1 GiB) in a mix of small
 * and medium blocks (70% 16-512 B, 25% 512 B-16 KiB, 5% 16-256 KiB by
 * count), touch every page, then free everything in random order.
 *   rss_after_kb  = VmRSS after everything was freed.
 * Round 2: the same allocations again, then free 90% (every block except
 * each 10th, in random order) so that 10% stays live, scattered over the
 * heap.
 *   rss_keep10_kb = VmRSS with that 10% live (keep10_live_kb is its size);
 *   then the rest is freed: rss_final_kb.
 * base_kb is VmRSS before round 1 (the bookkeeping arrays are allocated and
 * touched before it is read).
 *
 * usage: release [MiB (default 1024)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define STRIDE 4096
#define KEEP_EVERY 10

static size_t *sizes;
static void **ptrs;
static size_t *order;
static size_t count;

static void allocate_all(uint64_t round)
{
	for (size_t i = 0; i < count; i++) {
		ptrs[i] = bench_malloc(sizes[i]);
		bench_stamp(ptrs[i], sizes[i], round << 32 | i, STRIDE);
	}
}

static void free_one(size_t i, uint64_t round)
{
	BENCH_CHECK(ptrs[i], sizes[i], round << 32 | i, STRIDE, "release");
	free(ptrs[i]);
	ptrs[i] = NULL;
}

static void shuffle(uint64_t *rng)
{
	for (size_t i = 0; i < count; i++)
		order[i] = i;
	for (size_t i = count - 1; i > 0; i--) {
		size_t j = (size_t)(bench_rand(rng) % (i + 1));
		size_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

int main(int argc, char **argv)
{
	long mib = bench_size(argc, argv, 1, 1024);
	double target = (double)mib * 1048576.0, total = 0, kept_bytes = 0;
	size_t cap = 1 << 16;
	uint64_t rng = 0x2e1ea5e;
	long base_kb, after_kb, keep10_kb, final_kb;
	uintptr_t acc = 0;
	double t0, t1;

	/* bookkeeping, before the base line is taken */
	sizes = bench_malloc(cap * sizeof *sizes);
	while (total < target) {
		if (count == cap) {
			cap *= 2;
			sizes = realloc(sizes, cap * sizeof *sizes);
			if (!sizes)
				bench_fail("realloc of the size table failed");
		}
		sizes[count] = bench_heap_size(&rng);
		total += (double)sizes[count++];
	}
	ptrs = bench_malloc(count * sizeof *ptrs);
	order = bench_malloc(count * sizeof *order);
	memset(ptrs, 0, count * sizeof *ptrs);
	shuffle(&rng);
	base_kb = bench_rss_kb();

	t0 = bench_begin();
	allocate_all(1);
	for (size_t k = 0; k < count; k++) {
		acc += (uintptr_t)ptrs[order[k]];
		free_one(order[k], 1);
	}
	after_kb = bench_rss_kb();

	allocate_all(2);
	shuffle(&rng);
	for (size_t k = 0; k < count; k++) {
		size_t i = order[k];

		acc += (uintptr_t)ptrs[i];
		if (i % KEEP_EVERY == 0)
			kept_bytes += (double)sizes[i];
		else
			free_one(i, 2);
	}
	keep10_kb = bench_rss_kb();
	for (size_t i = 0; i < count; i += KEEP_EVERY)
		free_one(i, 2);
	final_kb = bench_rss_kb();
	t1 = bench_end();
	bench_sink = acc;

	bench_report(t1 - t0, after_kb);
	printf(" base_kb=%ld rss_keep10_kb=%ld keep10_live_kb=%.0f rss_final_kb=%ld"
	       " blocks=%zu calls=%zu mib=%.0f",
	       base_kb, keep10_kb, kept_bytes / 1024.0, final_kb, count, 4 * count,
	       total / 1048576.0);
	bench_report_end();
	free(order);
	free(ptrs);
	free(sizes);
	return 0;
}
