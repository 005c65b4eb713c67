/*
 * larson: a larson-style server loop with two threads (or any number).
 *
 * Each thread owns an array of SLOTS blocks (16-1024 B).  In a round it
 * replaces random slots of its current array (check, free, malloc, stamp);
 * at the end of the round the threads pass the arrays round (in round r
 * thread t works on array (t + r) mod threads), so with 2 or more threads
 * most frees in the next round hit blocks that another thread allocated.
 * Each thread does the same work whatever their number, so calls per
 * second with N threads over calls per second with 1 is the scaling
 * (bench/run --scaling).
 *
 * usage: larson [rounds (default 400)] [replacements per round (default 6000)]
 *               [threads (default 2, at most 4096)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"
#include <pthread.h>

#define MAX_THREADS 4096
#define SLOTS 2000
#define MIN_SIZE 16
#define MAX_SIZE 1024
#define STRIDE 128

struct array {
	void *p[SLOTS];
	size_t n[SLOTS];
	uint64_t tag[SLOTS];
};

static struct array *arrays;    /* one per thread, passed round */
static pthread_barrier_t barrier;
static long rounds, per_round;
static int threads;

struct worker {
	pthread_t th;
	int id;
	uintptr_t acc;
	long cross;     /* frees of blocks stamped by another thread */
};

static void *run(void *arg)
{
	struct worker *w = arg;
	uint64_t rng = 0x1a450000u + (uint64_t)w->id;
	uint64_t counter = 0;
	uintptr_t acc = 0;
	long cross = 0;

	for (long r = 0; r < rounds; r++) {
		struct array *a = &arrays[(w->id + r) % threads];

		for (long k = 0; k < per_round; k++) {
			uint64_t x = bench_rand(&rng);
			size_t i = (size_t)(x % SLOTS);
			size_t n = MIN_SIZE + (size_t)((x >> 32) % (MAX_SIZE - MIN_SIZE + 1));
			void *p;

			BENCH_CHECK(a->p[i], a->n[i], a->tag[i], STRIDE, "larson");
			cross += (int)(a->tag[i] >> 56) != w->id;
			free(a->p[i]);
			p = malloc(n);
			if (!p)
				bench_fail("malloc(%zu) returned NULL", n);
			acc += (uintptr_t)p;
			a->p[i] = p;
			a->n[i] = n;
			a->tag[i] = ((uint64_t)w->id << 56) | ++counter;
			bench_stamp(p, n, a->tag[i], STRIDE);
		}
		/* hand the array over to the next thread */
		pthread_barrier_wait(&barrier);
	}
	w->acc = acc;
	w->cross = cross;
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker *w;
	uint64_t rng = 0x1a45;
	uintptr_t acc = 0;
	long cross = 0;
	double t0, t1;

	rounds = bench_size(argc, argv, 1, 400);
	per_round = bench_arg(argc, argv, 2, 6000);
	threads = (int)bench_arg(argc, argv, 3, 2);
	if (threads < 1 || threads > MAX_THREADS)
		bench_fail("threads must be 1-%d", MAX_THREADS);
	arrays = calloc((size_t)threads, sizeof *arrays);
	w = calloc((size_t)threads, sizeof *w);
	if (!arrays || !w)
		bench_fail("calloc of the arrays of %d threads failed", threads);

	for (int t = 0; t < threads; t++)
		for (int i = 0; i < SLOTS; i++) {
			struct array *a = &arrays[t];

			a->n[i] = bench_range(&rng, MIN_SIZE, MAX_SIZE);
			a->p[i] = bench_malloc(a->n[i]);
			a->tag[i] = ((uint64_t)t << 56) | (uint64_t)i;
			bench_stamp(a->p[i], a->n[i], a->tag[i], STRIDE);
		}
	pthread_barrier_init(&barrier, NULL, (unsigned)threads);

	t0 = bench_begin();
	for (int t = 0; t < threads; t++) {
		w[t].id = t;
		if (pthread_create(&w[t].th, NULL, run, &w[t]))
			bench_fail("pthread_create");
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(w[t].th, NULL);
		acc += w[t].acc;
		cross += w[t].cross;
	}
	t1 = bench_end();

	for (int t = 0; t < threads; t++)
		for (int i = 0; i < SLOTS; i++) {
			struct array *a = &arrays[t];

			BENCH_CHECK(a->p[i], a->n[i], a->tag[i], STRIDE, "larson");
			free(a->p[i]);
		}
	pthread_barrier_destroy(&barrier);
	bench_sink = acc;
	free(w);
	free(arrays);

	bench_report(t1 - t0, bench_rss_kb());
	printf(" threads=%d ops=%ld calls=%ld cross_thread_frees=%ld mops_s=%.2f", threads,
	       (long)threads * rounds * per_round, 2L * threads * rounds * per_round, cross,
	       (double)threads * (double)rounds * (double)per_round / (t1 - t0) / 1e6);
	bench_report_end();
	return 0;
}
