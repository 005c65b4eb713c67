/*
 * aligned: posix_memalign and aligned_alloc with alignments 16 B - 64 KiB.
 *
 * A ring of RING live blocks; each step frees a random slot and allocates a
 * new block with a random power-of-two alignment and a random size, using
 * posix_memalign and aligned_alloc in turn.  posix_memalign gets any size
 * (half of them rounded up to a multiple of the alignment); aligned_alloc
 * always gets a multiple, as C11 requires (C17 lets it fail otherwise).  Every pointer is checked for
 * alignment.  A misaligned block is counted and reported, not fatal: the
 * run completes, prints misaligned=<count> and the first offender, and
 * exits with status 3 so that bench/run marks the result as failed.
 *
 * usage: aligned [steps (default 5e5)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define RING 256
#define MIN_SHIFT 4     /* 16 B */
#define MAX_SHIFT 16    /* 64 KiB */
#define STRIDE 256

struct blk {
	void *p;
	size_t n;
	uint64_t tag;
};

static struct blk ring[RING];

int main(int argc, char **argv)
{
	long steps = bench_size(argc, argv, 1, 500000L);
	uint64_t rng = 0xa119;
	long misaligned = 0, misaligned_pm = 0, misaligned_aa = 0;
	char first[160] = "none";
	uintptr_t acc = 0;
	double t0, t1;

	t0 = bench_begin();
	for (long k = 0; k < steps; k++) {
		uint64_t r = bench_rand(&rng);
		size_t i = (size_t)(r % RING);
		unsigned shift = MIN_SHIFT + (unsigned)((r >> 16) % (MAX_SHIFT - MIN_SHIFT + 1));
		size_t align = (size_t)1 << shift;
		int use_pm = (k & 1) == 0;
		size_t n;
		void *p = NULL;

		/* mostly small blocks: sizes up to 4 KiB, whatever the alignment */
		n = bench_range(&rng, 8, 4096);
		if (!use_pm || (r >> 63))
			n = (n + align - 1) & ~(align - 1);

		if (ring[i].p) {
			BENCH_CHECK(ring[i].p, ring[i].n, ring[i].tag, STRIDE, "aligned");
			free(ring[i].p);
		}
		if (use_pm) {
			int err = posix_memalign(&p, align, n);

			if (err || !p)
				bench_fail("posix_memalign(%zu, %zu) failed: %d", align, n, err);
		} else {
			p = aligned_alloc(align, n);
			if (!p)
				bench_fail("aligned_alloc(%zu, %zu) returned NULL", align, n);
		}
		if ((uintptr_t)p & (align - 1)) {
			if (!misaligned++)
				snprintf(first, sizeof first, "%s(%zu,%zu)=%p",
					 use_pm ? "posix_memalign" : "aligned_alloc",
					 align, n, p);
			if (use_pm)
				misaligned_pm++;
			else
				misaligned_aa++;
		}
		acc += (uintptr_t)p;
		ring[i].p = p;
		ring[i].n = n;
		ring[i].tag = (uint64_t)k;
		bench_stamp(p, n, ring[i].tag, STRIDE);
	}
	for (int i = 0; i < RING; i++)
		if (ring[i].p) {
			BENCH_CHECK(ring[i].p, ring[i].n, ring[i].tag, STRIDE, "aligned");
			free(ring[i].p);
		}
	t1 = bench_end();
	bench_sink = acc;

	bench_report(t1 - t0, bench_rss_kb());
	printf(" steps=%ld calls=%ld misaligned=%ld misaligned_posix_memalign=%ld"
	       " misaligned_aligned_alloc=%ld first_misaligned=%s",
	       steps, 2 * steps, misaligned, misaligned_pm, misaligned_aa, first);
	bench_report_end();
	if (misaligned) {
		fprintf(stderr, "FAIL: aligned: %ld misaligned blocks, first %s\n",
			misaligned, first);
		return 3;
	}
	return 0;
}
