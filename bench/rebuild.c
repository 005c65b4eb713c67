/*
 * rebuild: a big heap built, freed and built again.
 *
 * A heap of about MiB (default 1024) in blocks of 16 B-256 KiB, mostly
 * small (by count: 70% 16-512 B, 25% 512 B-16 KiB, 5% 16-256 KiB; about
 * 120000 blocks per GiB), every page of every block written.  Then, for
 * ROUNDS rounds (default 3):
 *   free: keep 0 (default): every block is freed, in random order;
 *         keep K (1-99): a random K% of the blocks stay live, scattered
 *         over the heap, and the rest is freed in random order;
 *   build: every freed block is allocated again, with a new random size of
 *         the same mix, and every page written.
 * At the end everything is checked and freed.  Every block is checked
 * (first and last word and one word per 4 KiB) before it is freed.
 *
 * time_s is the whole thing (first build included): what a program that
 * rebuilds a big data structure pays for memory the allocator gave back
 * and has to fault in again, or kept and reuses.  rss_after_kb is VmRSS at
 * the end, after everything was freed; rss_freed_kb is VmRSS after the
 * first free phase (only the kept blocks live).
 *
 * bench/run's workloads: rebuild (keep 0) and rebuild90 (keep 10: 90%
 * freed between builds).
 *
 * usage: rebuild [MiB (default 1024)] [rounds (default 3)] [keep % (default 0)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define STRIDE 4096

struct blk {
	void *p;
	size_t n;
	uint64_t tag;
};

static struct blk *blk;
static size_t *order;
static size_t count;
static long calls;

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

/* Allocate every empty slot (sizes already in blk[].n for round 0). */
static void build(uint64_t round, uint64_t *rng)
{
	for (size_t i = 0; i < count; i++) {
		struct blk *b = &blk[i];

		if (b->p)
			continue;
		if (round > 0)
			b->n = bench_heap_size(rng);
		b->p = bench_malloc(b->n);
		b->tag = round << 40 | i;
		bench_stamp(b->p, b->n, b->tag, STRIDE);
		calls++;
	}
}

static void release(struct blk *b)
{
	BENCH_CHECK(b->p, b->n, b->tag, STRIDE, "rebuild");
	bench_sink += (uintptr_t)b->p;
	free(b->p);
	b->p = NULL;
	calls++;
}

int main(int argc, char **argv)
{
	long mib = bench_size(argc, argv, 1, 1024);
	long rounds = bench_arg(argc, argv, 2, 3);
	long keep = bench_arg(argc, argv, 3, 0);
	double target = (double)mib * 1048576.0, total = 0;
	size_t cap = 1 << 16;
	uint64_t rng = 0x2eb1d;
	long freed_kb = -1;
	double t0, t1;

	if (keep < 0 || keep > 99)
		bench_fail("keep must be 0-99 (percent of the blocks kept live)");

	/* bookkeeping (the sizes of the first build), before timing */
	blk = bench_malloc(cap * sizeof *blk);
	while (total < target) {
		if (count == cap) {
			cap *= 2;
			blk = realloc(blk, cap * sizeof *blk);
			if (!blk)
				bench_fail("realloc of the block table failed");
		}
		blk[count].p = NULL;
		blk[count].n = bench_heap_size(&rng);
		total += (double)blk[count++].n;
	}
	order = bench_malloc(count * sizeof *order);
	memset(order, 0, count * sizeof *order);

	t0 = bench_begin();
	build(0, &rng);
	for (long r = 1; r <= rounds; r++) {
		/* which blocks stay: a random keep% of them, spread over the heap */
		shuffle(&rng);
		for (size_t k = (size_t)((double)count * (double)keep / 100.0); k < count; k++)
			release(&blk[order[k]]);
		if (freed_kb < 0)
			freed_kb = bench_rss_kb();
		build((uint64_t)r, &rng);
	}
	for (size_t i = 0; i < count; i++)
		release(&blk[i]);
	t1 = bench_end();

	bench_report(t1 - t0, bench_rss_kb());
	printf(" blocks=%zu mib=%.0f rounds=%ld keep_pct=%ld calls=%ld rss_freed_kb=%ld",
	       count, total / 1048576.0, rounds, keep, calls, freed_kb);
	bench_report_end();
	free(order);
	free(blk);
	return 0;
}
