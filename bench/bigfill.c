/*
 * bigfill: a large live set filled from nothing.
 *
 * Fill: malloc BLOCKS blocks (default 1e6) of 16 B-4 KiB (uniform, mean
 * about 2 KiB: about 2 GiB in all) and write the first and last word of
 * each, which touches every page of the heap since no block is longer than
 * a page.  Nothing is freed while filling: this is the growth path alone
 * (new chunks or arenas, fresh pages from the kernel, huge pages or not).
 * time_s is the fill phase.  Then every block is checked and freed, in
 * allocation order; free_s is the time of that phase, which is not in
 * time_s (nor in cpu_s).
 *
 * usage: bigfill [blocks (default 1e6)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define MIN_SIZE 16
#define MAX_SIZE 4096

struct blk {
	void *p;
	uint32_t n;
};

int main(int argc, char **argv)
{
	long blocks = bench_size(argc, argv, 1, 1000000L);
	uint64_t rng = 0xb1cf11;
	struct blk *set;
	uintptr_t acc = 0;
	double bytes = 0, t0, t1, t2;
	long filled_kb;

	/* the bookkeeping array is allocated and touched before timing */
	set = bench_malloc((size_t)blocks * sizeof *set);
	memset(set, 0, (size_t)blocks * sizeof *set);

	t0 = bench_begin();
	for (long i = 0; i < blocks; i++) {
		size_t n = bench_range(&rng, MIN_SIZE, MAX_SIZE);
		void *p = malloc(n);

		if (!p)
			bench_fail("malloc(%zu) returned NULL after %ld blocks", n, i);
		bench_stamp(p, n, (uint64_t)i, MAX_SIZE);
		set[i].p = p;
		set[i].n = (uint32_t)n;
		acc += (uintptr_t)p;
		bytes += (double)n;
	}
	t1 = bench_end();
	filled_kb = bench_rss_kb();

	for (long i = 0; i < blocks; i++) {
		BENCH_CHECK(set[i].p, set[i].n, (uint64_t)i, MAX_SIZE, "bigfill");
		free(set[i].p);
	}
	t2 = bench_now();
	bench_sink = acc;
	free(set);

	bench_report(t1 - t0, bench_rss_kb());
	printf(" blocks=%ld mib=%.0f calls=%ld rss_filled_kb=%ld free_s=%.6f", blocks,
	       bytes / 1048576.0, blocks, filled_kb, t2 - t1);
	bench_report_end();
	return 0;
}
