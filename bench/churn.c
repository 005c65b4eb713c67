/*
 * churn: small-object churn, one thread (or 1-8 independent ones).
 *
 * A ring of RING live blocks of random sizes 8-512 B; each step frees a
 * random slot (after checking its stamp) and mallocs a new block for it.
 * With several threads each runs the same loop on its own ring (each does
 * the same work, whatever their number): calls per second with N threads
 * over calls per second with 1 is the scaling of the allocator on work
 * that shares nothing (bench/run --scaling).
 *
 * usage: churn [pairs per thread (default 1e7)] [dry] [threads (default 1, at most 4096)]
 *   dry=1 runs the same loop with the same stamping but on a fixed arena
 *   instead of malloc/free: bench/run --callgrind subtracts it to count the
 *   instructions spent in the allocator alone.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"
#include <pthread.h>

#define RING 1000
#define MIN_SIZE 8
#define MAX_SIZE 512
#define STRIDE 64
#define MAX_THREADS 4096

struct ring {
	pthread_t th;
	uint64_t seed;
	void *slot[RING];
	size_t slot_size[RING];
	uint64_t slot_tag[RING];
	unsigned char *arena;    /* dry runs: fixed blocks instead of malloc */
	uintptr_t acc;
};

static long pairs;
static int dry;
static struct ring *rings;      /* one per thread */

static void fill(struct ring *g)
{
	uint64_t rng = g->seed;
	if (dry)
		g->arena = bench_malloc((size_t)RING * MAX_SIZE);
	for (int i = 0; i < RING; i++) {
		size_t n = bench_range(&rng, MIN_SIZE, MAX_SIZE);

		g->slot[i] = dry ? g->arena + (size_t)i * MAX_SIZE : bench_malloc(n);
		g->slot_size[i] = n;
		g->slot_tag[i] = (uint64_t)i;
		bench_stamp(g->slot[i], n, g->slot_tag[i], STRIDE);
	}
	g->seed = rng;
}

static void *run(void *arg)
{
	struct ring *g = arg;
	uint64_t rng = g->seed;
	uintptr_t acc = 0;

	for (long k = 0; k < pairs; k++) {
		uint64_t r = bench_rand(&rng);
		size_t i = (size_t)(r % RING);
		size_t n = MIN_SIZE + (size_t)((r >> 32) % (MAX_SIZE - MIN_SIZE + 1));
		void *p;

		BENCH_CHECK(g->slot[i], g->slot_size[i], g->slot_tag[i], STRIDE, "churn");
		if (dry) {
			p = g->slot[i];
		} else {
			free(g->slot[i]);
			p = malloc(n);
			if (!p)
				bench_fail("malloc(%zu) returned NULL", n);
		}
		acc += (uintptr_t)p;
		g->slot[i] = p;
		g->slot_size[i] = n;
		g->slot_tag[i] = (uint64_t)k + RING;
		bench_stamp(p, n, g->slot_tag[i], STRIDE);
	}
	g->acc = acc;
	return NULL;
}

int main(int argc, char **argv)
{
	pairs = bench_size(argc, argv, 1, 10000000L);
	dry = (int)bench_arg(argc, argv, 2, 0);
	int threads = (int)bench_arg(argc, argv, 3, 1);
	uintptr_t acc = 0;
	double t0, t1;

	if (threads < 1 || threads > MAX_THREADS)
		bench_fail("threads must be 1-%d", MAX_THREADS);
	rings = calloc((size_t)threads, sizeof *rings);
	if (!rings)
		bench_fail("calloc of %d rings failed", threads);
	for (int t = 0; t < threads; t++) {
		rings[t].seed = 0x5eed0001 + (uint64_t)t * 0x9e3779b97f4a7c15ull;
		fill(&rings[t]);
	}

	t0 = bench_begin();
	if (threads == 1) {
		run(&rings[0]);      /* in the main thread, as callgrind counts it */
	} else {
		for (int t = 0; t < threads; t++)
			if (pthread_create(&rings[t].th, NULL, run, &rings[t]))
				bench_fail("pthread_create");
		for (int t = 0; t < threads; t++)
			pthread_join(rings[t].th, NULL);
	}
	t1 = bench_end();

	for (int t = 0; t < threads; t++) {
		struct ring *g = &rings[t];
		for (int i = 0; i < RING; i++) {
			BENCH_CHECK(g->slot[i], g->slot_size[i], g->slot_tag[i], STRIDE, "churn");
			if (!dry)
				free(g->slot[i]);
		}
		free(g->arena);
		acc += g->acc;
	}
	bench_sink = acc;
	free(rings);

	bench_report(t1 - t0, bench_rss_kb());
	printf(" pairs=%ld threads=%d calls=%ld ns_per_pair=%.2f mops_s=%.2f", pairs, threads,
	       dry ? 0 : 2 * pairs * threads,
	       pairs ? (t1 - t0) * 1e9 / (double)pairs : 0.0,
	       (t1 - t0) > 0 ? (double)threads * (double)pairs / (t1 - t0) / 1e6 : 0.0);
	bench_report_end();
	return 0;
}
