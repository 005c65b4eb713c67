/*
 * churn: single-thread small-object churn.
 *
 * A ring of RING live blocks of random sizes 8-512 B; each step frees a
 * random slot (after checking its stamp) and mallocs a new block for it.
 *
 * usage: churn [pairs (default 1e7)] [dry]
 *   dry=1 runs the same loop with the same stamping but on a fixed arena
 *   instead of malloc/free: bench/run --callgrind subtracts it to count the
 *   instructions spent in the allocator alone.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define RING 1000
#define MIN_SIZE 8
#define MAX_SIZE 512
#define STRIDE 64

static void *slot[RING];
static size_t slot_size[RING];
static uint64_t slot_tag[RING];

int main(int argc, char **argv)
{
	long pairs = bench_arg(argc, argv, 1, 10000000L);
	int dry = (int)bench_arg(argc, argv, 2, 0);
	uint64_t rng = 0x5eed0001;
	unsigned char *arena = NULL;
	uintptr_t acc = 0;
	double t0, t1;

	if (dry)
		arena = bench_malloc((size_t)RING * MAX_SIZE);
	for (int i = 0; i < RING; i++) {
		size_t n = bench_range(&rng, MIN_SIZE, MAX_SIZE);

		slot[i] = dry ? arena + (size_t)i * MAX_SIZE : bench_malloc(n);
		slot_size[i] = n;
		slot_tag[i] = (uint64_t)i;
		bench_stamp(slot[i], n, slot_tag[i], STRIDE);
	}

	t0 = bench_begin();
	for (long k = 0; k < pairs; k++) {
		uint64_t r = bench_rand(&rng);
		size_t i = (size_t)(r % RING);
		size_t n = MIN_SIZE + (size_t)((r >> 32) % (MAX_SIZE - MIN_SIZE + 1));
		void *p;

		BENCH_CHECK(slot[i], slot_size[i], slot_tag[i], STRIDE, "churn");
		if (dry) {
			p = slot[i];
		} else {
			free(slot[i]);
			p = malloc(n);
			if (!p)
				bench_fail("malloc(%zu) returned NULL", n);
		}
		acc += (uintptr_t)p;
		slot[i] = p;
		slot_size[i] = n;
		slot_tag[i] = (uint64_t)k + RING;
		bench_stamp(p, n, slot_tag[i], STRIDE);
	}
	t1 = bench_end();

	for (int i = 0; i < RING; i++) {
		BENCH_CHECK(slot[i], slot_size[i], slot_tag[i], STRIDE, "churn");
		if (!dry)
			free(slot[i]);
	}
	free(arena);
	bench_sink = acc;

	bench_report(t1 - t0, bench_rss_kb());
	printf(" pairs=%ld ns_per_pair=%.2f", pairs,
	       pairs ? (t1 - t0) * 1e9 / (double)pairs : 0.0);
	bench_report_end();
	return 0;
}
