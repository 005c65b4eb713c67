/*
 * xthread: producer/consumer cross-thread free.
 *
 * The producer thread mallocs blocks (16-512 B), stamps them and passes
 * them in batches of BATCH through a bounded mutex/condvar queue; the
 * consumer thread checks and frees every block.  Every free is therefore a
 * remote free.  The queue slots are static, so the only allocations are the
 * measured ones.
 *
 * usage: xthread [blocks (default 4e6)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"
#include <pthread.h>

#define BATCH 256
#define DEPTH 16
#define MIN_SIZE 16
#define MAX_SIZE 512
#define STRIDE 64

struct batch {
	int count;
	void *p[BATCH];
	size_t n[BATCH];
	uint64_t tag[BATCH];
};

static struct batch queue[DEPTH];
static long head, tail;         /* head: next to fill, tail: next to drain */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long total;

static void *producer(void *arg)
{
	uint64_t rng = 0x9a0d;
	uintptr_t acc = 0;
	long made = 0;

	(void)arg;
	while (made < total) {
		struct batch *b;
		int count = total - made < BATCH ? (int)(total - made) : BATCH;

		pthread_mutex_lock(&lock);
		while (head - tail == DEPTH)
			pthread_cond_wait(&not_full, &lock);
		pthread_mutex_unlock(&lock);

		/* only the producer touches queue[head % DEPTH] until head moves */
		b = &queue[head % DEPTH];
		for (int i = 0; i < count; i++) {
			size_t n = bench_range(&rng, MIN_SIZE, MAX_SIZE);
			void *p = malloc(n);

			if (!p)
				bench_fail("malloc(%zu) returned NULL", n);
			acc += (uintptr_t)p;
			b->p[i] = p;
			b->n[i] = n;
			b->tag[i] = (uint64_t)(made + i);
			bench_stamp(p, n, b->tag[i], STRIDE);
		}
		b->count = count;
		made += count;

		pthread_mutex_lock(&lock);
		head++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	bench_sink += acc;
	return NULL;
}

static void *consumer(void *arg)
{
	long freed = 0;

	(void)arg;
	while (freed < total) {
		struct batch *b;

		pthread_mutex_lock(&lock);
		while (head == tail)
			pthread_cond_wait(&not_empty, &lock);
		pthread_mutex_unlock(&lock);

		b = &queue[tail % DEPTH];
		for (int i = 0; i < b->count; i++) {
			if (b->tag[i] != (uint64_t)(freed + i))
				bench_fail("xthread: queue order broken");
			BENCH_CHECK(b->p[i], b->n[i], b->tag[i], STRIDE, "xthread");
			free(b->p[i]);
		}
		freed += b->count;

		pthread_mutex_lock(&lock);
		tail++;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t prod, cons;
	double t0, t1;

	total = bench_arg(argc, argv, 1, 4000000L);

	t0 = bench_begin();
	if (pthread_create(&cons, NULL, consumer, NULL) ||
	    pthread_create(&prod, NULL, producer, NULL))
		bench_fail("pthread_create");
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	t1 = bench_end();

	bench_report(t1 - t0, bench_rss_kb());
	printf(" blocks=%ld ns_per_block=%.2f", total,
	       total ? (t1 - t0) * 1e9 / (double)total : 0.0);
	bench_report_end();
	return 0;
}
