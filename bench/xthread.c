/*
 * xthread: producer/consumer cross-thread free.
 *
 * PAIRS producer/consumer pairs (default 1).  Each producer thread mallocs
 * blocks (MIN-MAX bytes, default 16-512 B), stamps them and passes them in
 * batches of BATCH through its pair's bounded mutex/condvar queue; the
 * pair's consumer thread checks and frees every block.  Every free is
 * therefore a remote free.  The queue slots are static or allocated before
 * timing, so the only allocations in the timed section are the measured
 * ones.  Pairs share nothing but the allocator: with N pairs, calls per
 * second over those of one pair is the scaling of cross-thread frees
 * (bench/run --scaling gives the thread count as the number of pairs).
 *
 * bench/run's workloads: xthread (1 pair, 16-512 B), prodcons (2 pairs,
 * 16 B-2 KiB) and prodcons64 (2 pairs, 64 B blocks only).
 *
 * usage: xthread [blocks per pair (default 4e6)] [pairs (default 1, at most
 *                2048)] [min size (default 16)] [max size (default 512)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"
#include <pthread.h>

#define BATCH 256
#define DEPTH 16
#define MAX_PAIRS 2048
#define STRIDE 64

struct batch {
	int count;
	void *p[BATCH];
	size_t n[BATCH];
	uint64_t tag[BATCH];
};

/* One producer, one consumer and the queue between them.  head and tail
 * are guarded by lock; a batch belongs to the producer from when it is
 * free (head - tail < DEPTH) until head moves past it, then to the
 * consumer until tail does. */
struct pair {
	struct batch queue[DEPTH];
	long head, tail;        /* head: next to fill, tail: next to drain */
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	pthread_t prod, cons;
	uint64_t seed;
	uintptr_t acc;
};

static long total;              /* blocks per pair */
static size_t min_size, max_size;

static void *producer(void *arg)
{
	struct pair *q = arg;
	uint64_t rng = q->seed;
	uintptr_t acc = 0;
	long made = 0;

	while (made < total) {
		struct batch *b;
		int count = total - made < BATCH ? (int)(total - made) : BATCH;

		pthread_mutex_lock(&q->lock);
		while (q->head - q->tail == DEPTH)
			pthread_cond_wait(&q->not_full, &q->lock);
		pthread_mutex_unlock(&q->lock);

		b = &q->queue[q->head % DEPTH];
		for (int i = 0; i < count; i++) {
			size_t n = bench_range(&rng, min_size, max_size);
			void *p = malloc(n);

			if (!p)
				bench_fail("malloc(%zu) returned NULL", n);
			acc += (uintptr_t)p;
			b->p[i] = p;
			b->n[i] = n;
			b->tag[i] = q->seed ^ (uint64_t)(made + i);
			bench_stamp(p, n, b->tag[i], STRIDE);
		}
		b->count = count;
		made += count;

		pthread_mutex_lock(&q->lock);
		q->head++;
		pthread_cond_signal(&q->not_empty);
		pthread_mutex_unlock(&q->lock);
	}
	q->acc = acc;
	return NULL;
}

static void *consumer(void *arg)
{
	struct pair *q = arg;
	long freed = 0;

	while (freed < total) {
		struct batch *b;

		pthread_mutex_lock(&q->lock);
		while (q->head == q->tail)
			pthread_cond_wait(&q->not_empty, &q->lock);
		pthread_mutex_unlock(&q->lock);

		b = &q->queue[q->tail % DEPTH];
		for (int i = 0; i < b->count; i++) {
			if (b->tag[i] != (q->seed ^ (uint64_t)(freed + i)))
				bench_fail("xthread: queue order broken");
			BENCH_CHECK(b->p[i], b->n[i], b->tag[i], STRIDE, "xthread");
			free(b->p[i]);
		}
		freed += b->count;

		pthread_mutex_lock(&q->lock);
		q->tail++;
		pthread_cond_signal(&q->not_full);
		pthread_mutex_unlock(&q->lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long pairs;
	struct pair *q;
	uintptr_t acc = 0;
	double t0, t1;

	total = bench_size(argc, argv, 1, 4000000L);
	pairs = bench_arg(argc, argv, 2, 1);
	min_size = (size_t)bench_arg(argc, argv, 3, 16);
	max_size = (size_t)bench_arg(argc, argv, 4, 512);
	if (pairs < 1 || pairs > MAX_PAIRS)
		bench_fail("pairs must be 1-%d", MAX_PAIRS);
	if (min_size < 8 || max_size < min_size)
		bench_fail("sizes must satisfy 8 <= min <= max");

	q = calloc((size_t)pairs, sizeof *q);
	if (!q)
		bench_fail("calloc of %ld queues failed", pairs);
	for (long k = 0; k < pairs; k++) {
		q[k].seed = 0x9a0d + (uint64_t)k * 0x9e3779b97f4a7c15ull;
		if (pthread_mutex_init(&q[k].lock, NULL) ||
		    pthread_cond_init(&q[k].not_full, NULL) ||
		    pthread_cond_init(&q[k].not_empty, NULL))
			bench_fail("pthread_*_init");
	}

	t0 = bench_begin();
	for (long k = 0; k < pairs; k++)
		if (pthread_create(&q[k].cons, NULL, consumer, &q[k]) ||
		    pthread_create(&q[k].prod, NULL, producer, &q[k]))
			bench_fail("pthread_create");
	for (long k = 0; k < pairs; k++) {
		pthread_join(q[k].prod, NULL);
		pthread_join(q[k].cons, NULL);
		acc += q[k].acc;
	}
	t1 = bench_end();
	bench_sink = acc;

	for (long k = 0; k < pairs; k++) {
		pthread_mutex_destroy(&q[k].lock);
		pthread_cond_destroy(&q[k].not_full);
		pthread_cond_destroy(&q[k].not_empty);
	}
	free(q);

	bench_report(t1 - t0, bench_rss_kb());
	printf(" blocks=%ld pairs=%ld sizes=%zu-%zu calls=%ld ns_per_block=%.2f", total * pairs,
	       pairs, min_size, max_size, 2 * total * pairs,
	       total ? (t1 - t0) * 1e9 / (double)(total * pairs) : 0.0);
	bench_report_end();
	return 0;
}
