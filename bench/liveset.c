/*
 * liveset: is the cost of an alloc/free pair independent of how much the
 * heap holds?
 *
 * 1. With only a ring of RING (10^3) live blocks, time PAIRS alloc/free
 *    pairs (random slot, random size 16-256 B).
 * 2. Allocate LIVE (10^6) blocks of 16-256 B and keep them, with holes: one
 *    block in HOLE_EVERY is freed again, so the allocator's free structures
 *    hold ~LIVE/HOLE_EVERY scattered free blocks of mixed sizes.
 * 3. With that live set in place, time the same PAIRS pairs on a new ring.
 * 4. Check every live block and free everything.
 *
 * A design that searches lists or walks blocks slows down in 3; a
 * segregated-fit design does not.  ratio_1e6_1e3 = ns/pair(3) / ns/pair(1).
 * time_s covers all four steps.
 *
 * usage: liveset [pairs (default 2e6)] [live blocks (default 1e6)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define RING 1000
#define MIN_SIZE 16
#define MAX_SIZE 256
#define STRIDE 64
#define HOLE_EVERY 5

struct blk {
	void *p;
	uint32_t n;
	uint32_t tag;
};

static struct blk ring[RING];

static void ring_fill(uint64_t *rng, uint32_t base)
{
	for (int i = 0; i < RING; i++) {
		ring[i].n = (uint32_t)bench_range(rng, MIN_SIZE, MAX_SIZE);
		ring[i].p = bench_malloc(ring[i].n);
		ring[i].tag = base + (uint32_t)i;
		bench_stamp(ring[i].p, ring[i].n, ring[i].tag, STRIDE);
	}
}

static void ring_free(void)
{
	for (int i = 0; i < RING; i++) {
		BENCH_CHECK(ring[i].p, ring[i].n, ring[i].tag, STRIDE, "liveset ring");
		free(ring[i].p);
	}
}

/* Timed alloc/free pairs on the ring; returns seconds. */
static double ring_pairs(long pairs, uint64_t *rng, uint32_t base)
{
	uintptr_t acc = 0;
	double t0 = bench_now();

	for (long k = 0; k < pairs; k++) {
		uint64_t r = bench_rand(rng);
		size_t i = (size_t)(r % RING);
		uint32_t n = MIN_SIZE + (uint32_t)((r >> 32) % (MAX_SIZE - MIN_SIZE + 1));
		void *p;

		BENCH_CHECK(ring[i].p, ring[i].n, ring[i].tag, STRIDE, "liveset ring");
		free(ring[i].p);
		p = malloc(n);
		if (!p)
			bench_fail("malloc(%u) returned NULL", n);
		acc += (uintptr_t)p;
		ring[i].p = p;
		ring[i].n = n;
		ring[i].tag = base + (uint32_t)k;
		bench_stamp(p, n, ring[i].tag, STRIDE);
	}
	bench_sink += acc;
	return bench_now() - t0;
}

int main(int argc, char **argv)
{
	long pairs = bench_size(argc, argv, 1, 2000000L);
	long live = bench_size(argc, argv, 2, 1000000L);
	long total = live + live / (HOLE_EVERY - 1);
	uint64_t rng = 0x11fe;
	struct blk *set;
	double t0, t1, small_s, big_s;
	long kept = 0;

	/* the bookkeeping array is allocated before timing starts */
	set = bench_malloc((size_t)total * sizeof *set);

	t0 = bench_begin();
	ring_fill(&rng, 0x10000000u);
	small_s = ring_pairs(pairs, &rng, 0x20000000u);
	ring_free();

	for (long i = 0; i < total; i++) {
		set[i].n = (uint32_t)bench_range(&rng, MIN_SIZE, MAX_SIZE);
		set[i].p = bench_malloc(set[i].n);
		set[i].tag = (uint32_t)i;
		bench_stamp(set[i].p, set[i].n, set[i].tag, STRIDE);
	}
	for (long i = HOLE_EVERY - 1; i < total; i += HOLE_EVERY) {
		free(set[i].p);
		set[i].p = NULL;
	}

	ring_fill(&rng, 0x30000000u);
	big_s = ring_pairs(pairs, &rng, 0x40000000u);
	ring_free();

	for (long i = 0; i < total; i++) {
		if (!set[i].p)
			continue;
		BENCH_CHECK(set[i].p, set[i].n, set[i].tag, STRIDE, "liveset");
		free(set[i].p);
		kept++;
	}
	t1 = bench_end();
	free(set);

	bench_report(t1 - t0, bench_rss_kb());
	printf(" live=%ld pairs=%ld calls=%ld ns_pair_1e3=%.2f ns_pair_1e6=%.2f ratio_1e6_1e3=%.3f",
	       kept, pairs, 4L * RING + 4 * pairs + 2 * total, small_s * 1e9 / (double)pairs, big_s * 1e9 / (double)pairs,
	       big_s / small_s);
	bench_report_end();
	return 0;
}
