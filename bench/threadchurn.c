/*
 * threadchurn: thousands of short-lived threads that allocate and free.
 *
 * Threads are created WAVE at a time (default 4) and joined.  Each thread mallocs
 * BLOCKS blocks (16-1024 B), stamps them, checks and frees all but one, and
 * returns that one to main, which frees it after the thread has exited (a
 * free into the cache or heap of a dead thread).  This exercises thread
 * cache creation, handing back on thread exit and arena reuse.
 *
 * usage: threadchurn [threads (default 4000)] [wave: threads alive at once
 *                    (default 4, at most 4096)]
 *   bench/run --scaling gives it N alive at once and 500 N threads in all,
 *   so that each of the N slots does the same work whatever N is.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"
#include <pthread.h>

#define MAX_WAVE 4096
#define BLOCKS 200
#define MIN_SIZE 16
#define MAX_SIZE 1024
#define STRIDE 64

struct job {
	pthread_t th;
	uint64_t id;
	void *keep;
	size_t keep_n;
};

static void *run(void *arg)
{
	struct job *j = arg;
	uint64_t rng = 0x7c00 + j->id;
	void *p[BLOCKS];
	size_t n[BLOCKS];

	for (int i = 0; i < BLOCKS; i++) {
		n[i] = bench_range(&rng, MIN_SIZE, MAX_SIZE);
		p[i] = malloc(n[i]);
		if (!p[i])
			bench_fail("malloc(%zu) returned NULL in a thread", n[i]);
		bench_stamp(p[i], n[i], j->id << 16 | (uint64_t)i, STRIDE);
	}
	/* free in an interleaved order, keep the last one */
	for (int pass = 0; pass < 2; pass++)
		for (int i = pass; i < BLOCKS - 1; i += 2) {
			BENCH_CHECK(p[i], n[i], j->id << 16 | (uint64_t)i, STRIDE, "threadchurn");
			free(p[i]);
		}
	j->keep = p[BLOCKS - 1];
	j->keep_n = n[BLOCKS - 1];
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = bench_size(argc, argv, 1, 4000);
	long wave = bench_arg(argc, argv, 2, 4);
	struct job *jobs;
	uintptr_t acc = 0;
	double t0, t1;

	if (wave < 1 || wave > MAX_WAVE)
		bench_fail("wave must be 1-%d", MAX_WAVE);
	jobs = calloc((size_t)wave, sizeof *jobs);
	if (!jobs)
		bench_fail("calloc of %ld jobs failed", wave);

	t0 = bench_begin();
	for (long base = 0; base < threads; base += wave) {
		int m = threads - base < wave ? (int)(threads - base) : (int)wave;

		for (int w = 0; w < m; w++) {
			jobs[w].id = (uint64_t)(base + w);
			if (pthread_create(&jobs[w].th, NULL, run, &jobs[w]))
				bench_fail("pthread_create failed");
		}
		for (int w = 0; w < m; w++) {
			pthread_join(jobs[w].th, NULL);
			BENCH_CHECK(jobs[w].keep, jobs[w].keep_n,
				    jobs[w].id << 16 | (uint64_t)(BLOCKS - 1), STRIDE,
				    "threadchurn");
			acc += (uintptr_t)jobs[w].keep;
			free(jobs[w].keep);
		}
	}
	t1 = bench_end();
	bench_sink = acc;
	free(jobs);

	bench_report(t1 - t0, bench_rss_kb());
	printf(" threads=%ld wave=%ld calls=%ld us_per_thread=%.2f", threads, wave, 2L * BLOCKS * threads,
	       threads ? (t1 - t0) * 1e6 / (double)threads : 0.0);
	bench_report_end();
	return 0;
}
