/*
 * realloc: growth by small steps.
 *
 * Phase 1: NBUF buffers grow from 16 B to 64 KiB by random steps of
 * 8-512 B, GROUP of them at a time in turn (so a buffer's neighbour is
 * usually another growing buffer, not free space).  Each step appends
 * pattern bytes; the old contents are spot-checked after every realloc and
 * fully checked before free.
 * Phase 2: BIG buffers grow from 64 KiB to 4 MiB by steps of 4-64 KiB.
 *
 * usage: realloc [buffers (default 512)] [big buffers (default 8)]
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "bench.h"

#define GROUP 16
#define SMALL_START 16
#define SMALL_END (64u << 10)
#define BIG_END (4u << 20)

/* The content of byte `off` of buffer `tag`. */
static inline unsigned char pattern(uint64_t tag, size_t off)
{
	return (unsigned char)(bench_word(tag, off >> 3) >> ((off & 7) * 8));
}

static void fill(unsigned char *p, size_t from, size_t to, uint64_t tag)
{
	size_t off = from;

	for (; off < to && (off & 7); off++)
		p[off] = pattern(tag, off);
	for (; off + 8 <= to; off += 8)
		bench_put(p, off, bench_word(tag, off >> 3));
	for (; off < to; off++)
		p[off] = pattern(tag, off);
}

static void check_full(const unsigned char *p, size_t n, uint64_t tag)
{
	for (size_t off = 0; off < n; off++)
		if (p[off] != pattern(tag, off))
			bench_fail("realloc: buffer %p byte %zu of %zu lost its contents",
				   (const void *)p, off, n);
}

static void check_spot(const unsigned char *p, size_t n, uint64_t tag, uint64_t *rng)
{
	size_t a = (size_t)(bench_rand(rng) % n);

	if (p[0] != pattern(tag, 0) || p[n - 1] != pattern(tag, n - 1) ||
	    p[a] != pattern(tag, a))
		bench_fail("realloc: contents not preserved (%zu bytes at %p)",
			   n, (const void *)p);
}

static void *grow(void *old, size_t *n, size_t want, uint64_t tag, uint64_t *rng)
{
	unsigned char *p = realloc(old, want);

	if (!p)
		bench_fail("realloc(%p, %zu) returned NULL", old, want);
	if (*n)
		check_spot(p, *n, tag, rng);
	fill(p, *n, want, tag);
	*n = want;
	return p;
}

int main(int argc, char **argv)
{
	long nbuf = bench_size(argc, argv, 1, 512);
	long nbig = bench_size(argc, argv, 2, 8);
	uint64_t rng = 0x4ea11;
	unsigned char *buf[GROUP];
	size_t len[GROUP];
	long reallocs = 0, moves = 0;
	uintptr_t acc = 0;
	double t0, t1;

	t0 = bench_begin();
	for (long g = 0; g < nbuf; g += GROUP) {
		int m = nbuf - g < GROUP ? (int)(nbuf - g) : GROUP;
		int growing = m;

		for (int i = 0; i < m; i++) {
			len[i] = 0;
			buf[i] = grow(NULL, &len[i], SMALL_START, (uint64_t)(g + i), &rng);
		}
		while (growing) {
			growing = 0;
			for (int i = 0; i < m; i++) {
				size_t want;
				uintptr_t before = (uintptr_t)buf[i];

				if (len[i] >= SMALL_END)
					continue;
				want = len[i] + bench_range(&rng, 8, 512);
				if (want > SMALL_END)
					want = SMALL_END;
				buf[i] = grow(buf[i], &len[i], want, (uint64_t)(g + i), &rng);
				moves += (uintptr_t)buf[i] != before;
				reallocs++;
				growing++;
			}
		}
		for (int i = 0; i < m; i++) {
			check_full(buf[i], len[i], (uint64_t)(g + i));
			acc += (uintptr_t)buf[i];
			free(buf[i]);
		}
	}

	for (long g = 0; g < nbig; g += GROUP) {
		int m = nbig - g < GROUP ? (int)(nbig - g) : GROUP;
		int growing = m;

		for (int i = 0; i < m; i++) {
			len[i] = 0;
			buf[i] = grow(NULL, &len[i], SMALL_END, (uint64_t)(1000000 + g + i), &rng);
		}
		while (growing) {
			growing = 0;
			for (int i = 0; i < m; i++) {
				size_t want;
				uintptr_t before = (uintptr_t)buf[i];

				if (len[i] >= BIG_END)
					continue;
				want = len[i] + bench_range(&rng, 4u << 10, 64u << 10);
				if (want > BIG_END)
					want = BIG_END;
				buf[i] = grow(buf[i], &len[i], want, (uint64_t)(1000000 + g + i), &rng);
				moves += (uintptr_t)buf[i] != before;
				reallocs++;
				growing++;
			}
		}
		for (int i = 0; i < m; i++) {
			check_full(buf[i], len[i], (uint64_t)(1000000 + g + i));
			acc += (uintptr_t)buf[i];
			free(buf[i]);
		}
	}
	t1 = bench_end();
	bench_sink = acc;

	bench_report(t1 - t0, bench_rss_kb());
	printf(" reallocs=%ld moved=%ld calls=%ld", reallocs, moves,
	       reallocs + 2 * (nbuf + nbig));
	bench_report_end();
	return 0;
}
