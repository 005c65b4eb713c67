/*
 * bigcalloc: calloc of 16 B-2 MiB, checked, dirtied and reused.
 *
 * SLOTS (4) live blocks.  Each step picks a random slot, frees its block
 * and callocs a new one of 16 B-2 MiB, drawn log-uniformly by octaves
 * (bench_octave_range: each of the 17 octaves 16-32 B, ..., 1-2 MiB is
 * equally likely, so most calls are small but most bytes are in blocks of
 * 256 KiB and more).  The element size is 1, 2, 4 or 8 in turn.  EVERY
 * byte of the new block is checked to be zero, then the whole block is
 * written non-zero, so memory the allocator hands out again is zero only
 * if it cleared it (or got fresh pages from the kernel).  Before free, the
 * first, middle and last bytes are checked to be still dirty.
 *
 * The cost is the allocator's zeroing and page-fault policy: clearing
 * memory it keeps, against unmapping it and faulting in zero pages again.
 *
 * usage: bigcalloc [steps (default 4e4)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define SLOTS 4
#define MIN_SIZE ((size_t)16)
#define MAX_SIZE ((size_t)2 << 20)
#define DIRT 0x5a

struct slot {
	unsigned char *p;
	size_t n;
};

static struct slot slot[SLOTS];

/* Every byte: OR the words of each 64-byte run together and look at a run
 * only when its OR is non-zero (cheap enough to check it all). */
static void check_zero(const unsigned char *p, size_t n)
{
	size_t off = 0;

	for (; off + 64 <= n; off += 64) {
		uint64_t any = 0;

		for (size_t w = 0; w < 64; w += 8)
			any |= bench_get(p, off + w);
		if (any)
			break;
	}
	for (; off < n; off++)
		if (p[off] != 0)
			bench_fail("bigcalloc: byte %zu of a %zu-byte calloc block at %p is 0x%02x, not 0",
				   off, n, (const void *)p, p[off]);
}

static void check_dirt(const struct slot *s)
{
	if (s->p[0] != DIRT || s->p[s->n / 2] != DIRT || s->p[s->n - 1] != DIRT)
		bench_fail("bigcalloc: live block %p (%zu bytes) was overwritten",
			   (const void *)s->p, s->n);
}

int main(int argc, char **argv)
{
	long steps = bench_size(argc, argv, 1, 40000L);
	uint64_t rng = 0xb1cca;
	uintptr_t acc = 0;
	long calls = 0;
	double bytes = 0, t0, t1;

	t0 = bench_begin();
	for (long k = 0; k < steps; k++) {
		struct slot *s = &slot[bench_rand(&rng) % SLOTS];
		size_t elem = (size_t)1 << (k & 3);
		size_t want = bench_octave_range(&rng, MIN_SIZE, MAX_SIZE);
		size_t nmemb = want / elem;

		if (s->p) {
			check_dirt(s);
			free(s->p);
			calls++;
		}
		s->p = calloc(nmemb, elem);
		if (!s->p)
			bench_fail("calloc(%zu, %zu) returned NULL", nmemb, elem);
		s->n = nmemb * elem;
		check_zero(s->p, s->n);
		memset(s->p, DIRT, s->n);
		calls++;
		acc += (uintptr_t)s->p;
		bytes += (double)s->n;
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].p) {
			check_dirt(&slot[i]);
			free(slot[i].p);
			calls++;
		}
	t1 = bench_end();
	bench_sink = acc;

	bench_report(t1 - t0, bench_rss_kb());
	printf(" steps=%ld calls=%ld gib_zeroed=%.2f", steps, calls,
	       bytes / (double)(1u << 30));
	bench_report_end();
	return 0;
}
