/*
 * bigslots: a few large blocks live, recycled over and over.
 *
 * SLOTS (8) live blocks.  Each step picks a random slot, checks and frees
 * its block and mallocs a new one of 256 KiB-16 MiB, drawn log-uniformly
 * by octaves (bench_octave_range: each of the 6 octaves 256-512 KiB, ...,
 * 8-16 MiB is equally likely, the size uniform within it, so half the
 * blocks are under 2 MiB and the mean is about 3.9 MiB).  Only the first
 * and last 8 bytes of a block are written (and checked before free): the
 * cost is the allocator's large-block path and the page faults it causes,
 * not the program's own writing.  An allocator that unmaps every freed
 * block and maps the next one pays two faults per step in the kernel; one
 * that keeps and reuses them pays none.
 *
 * usage: bigslots [steps (default 1e6)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define SLOTS 8
#define MIN_SIZE ((size_t)256 << 10)
#define MAX_SIZE ((size_t)16 << 20)

struct slot {
	void *p;
	size_t n;
	uint64_t tag;
};

static struct slot slot[SLOTS];

/* A stride of n stamps exactly the first and the last word. */
static void put_new(struct slot *s, uint64_t *rng, uint64_t tag)
{
	s->n = bench_octave_range(rng, MIN_SIZE, MAX_SIZE);
	s->p = bench_malloc(s->n);
	s->tag = tag;
	bench_stamp(s->p, s->n, tag, s->n);
}

static void check_free(struct slot *s)
{
	BENCH_CHECK(s->p, s->n, s->tag, s->n, "bigslots");
	free(s->p);
	s->p = NULL;
}

int main(int argc, char **argv)
{
	long steps = bench_size(argc, argv, 1, 1000000L);
	uint64_t rng = 0xb165;
	uintptr_t acc = 0;
	double bytes = 0, t0, t1;

	for (int i = 0; i < SLOTS; i++)
		put_new(&slot[i], &rng, (uint64_t)i);

	t0 = bench_begin();
	for (long k = 0; k < steps; k++) {
		struct slot *s = &slot[bench_rand(&rng) % SLOTS];

		check_free(s);
		put_new(s, &rng, (uint64_t)k + SLOTS);
		acc += (uintptr_t)s->p;
		bytes += (double)s->n;
	}
	t1 = bench_end();
	for (int i = 0; i < SLOTS; i++)
		check_free(&slot[i]);
	bench_sink = acc;

	bench_report(t1 - t0, bench_rss_kb());
	printf(" steps=%ld calls=%ld mean_mib=%.2f", steps, 2 * steps,
	       steps ? bytes / (double)steps / 1048576.0 : 0.0);
	bench_report_end();
	return 0;
}
