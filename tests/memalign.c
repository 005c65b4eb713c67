/*
 * memalign.c: custom_posix_memalign and custom_aligned_alloc
 * (lib/memalign.c): every power-of-two alignment, usable size, EINVAL and
 * ENOMEM, and aligned blocks mixed with plain ones keeping the heap sound.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calloc-lite.h"
#include "internal.h"
#include "tap.h"
#include "pattern.h"

static int under_valgrind;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_posix_memalign(void)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 100, 4096, 100000, 300000 };
	enum { NS = sizeof sizes / sizeof sizes[0], NA = 18 }; /* 8 .. 1 MiB */
	static void *v[NA][NS];
	static size_t usable[NA][NS];

	for (int a = 0; a < NA; a++) {
		size_t align = (size_t)8 << a;
		int fails = 0, misaligned = 0, small = 0;
		for (int s = 0; s < NS; s++) {
			size_t n = sizes[s];
			void *p = (void *)0x5a5a;
			int rc = custom_posix_memalign(&p, align, n);
			if (rc != 0 || !p) {
				fails++;
				diag("posix_memalign(%zu, %zu) = %d, %p", align, n, rc, p);
				v[a][s] = NULL;
				continue;
			}
			p = opaque(p);
			v[a][s] = p;
			if ((uintptr_t)p % align || (uintptr_t)p % 16)
				misaligned++;
			usable[a][s] = custom_malloc_usable_size(p);
			if (usable[a][s] < n)
				small++;
			fill_pattern(p, 0, usable[a][s], align * 131 + n);
		}
		ok(fails == 0 && misaligned == 0 && small == 0,
		   "posix_memalign alignment %zu: %d failed, %d misaligned, %d too small",
		   align, fails, misaligned, small);
	}
	int corrupt = 0;
	for (int a = 0; a < NA; a++)
		for (int s = 0; s < NS; s++)
			if (v[a][s] && check_pattern(v[a][s], 0, usable[a][s], ((size_t)8 << a) * 131 + sizes[s]) != SIZE_MAX)
				corrupt++;
	is_size((size_t)corrupt, 0, "all %d aligned blocks, written to their usable size, are intact",
		NA * NS);
	is_size((size_t)cl_heap_check(), 0, "heap check clean with the aligned blocks live");
	for (int a = 0; a < NA; a++)
		for (int s = 0; s < NS; s++)
			custom_free(v[a][s]);
	is_size((size_t)cl_heap_check(), 0, "heap check clean after freeing them");
}

static void test_posix_memalign_errors(void)
{
	/* sizeof(void *) / 2: a power of two, but under a pointer's size */
	static const size_t bad[] = { 0, 1, 2, 3, sizeof(void *) / 2, 12, 24, 48, 100, 4097,
				      (SIZE_MAX >> 1) + 2 };
	void *const sentinel = (void *)(uintptr_t)0xdeadbeef0ull;
	int wrong = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		void *p = sentinel;
		int rc = custom_posix_memalign(&p, sz(bad[i]), 64);
		if (rc != EINVAL || p != sentinel) {
			wrong++;
			diag("posix_memalign(alignment %zu) = %d, memptr %p", bad[i], rc, p);
			if (rc == 0)
				custom_free(p);
		}
	}
	is_size((size_t)wrong, 0,
		"posix_memalign: EINVAL and memptr untouched for alignments 0,1,2,3,%zu,12,24,48,100,4097",
		sizeof(void *) / 2);

	static const struct { size_t align, n; } huge[] = {
		{ 16, SIZE_MAX }, { 64, SIZE_MAX - 64 }, { 4096, SIZE_MAX / 2 },
		{ 1u << 20, CL_REQUEST_MAX + 1 }, { 8, SIZE_MAX - 8 },
	};
	wrong = 0;
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		void *p = sentinel;
		int rc = custom_posix_memalign(&p, huge[i].align, sz(huge[i].n));
		if (rc != ENOMEM || (p != sentinel && p != NULL)) {
			wrong++;
			diag("posix_memalign(%zu, %zu) = %d, memptr %p", huge[i].align, huge[i].n, rc, p);
			if (rc == 0)
				custom_free(p);
		}
	}
	is_size((size_t)wrong, 0, "posix_memalign: ENOMEM for absurd sizes");
}

static void test_aligned_alloc(void)
{
	int fails = 0, misaligned = 0, small = 0, corrupt = 0;
	void *v[2][17];
	for (int a = 0; a <= 16; a++) {
		size_t align = (size_t)1 << a;
		size_t ns[2] = { 100, 3 * align + 5 }; /* not multiples of align */
		for (int k = 0; k < 2; k++) {
			size_t n = ns[k];
			errno = 0;
			void *p = opaque(custom_aligned_alloc(align, n));
			v[k][a] = p;
			if (!p) {
				fails++;
				diag("aligned_alloc(%zu, %zu) = NULL, errno %d", align, n, errno);
				continue;
			}
			if ((uintptr_t)p % align)
				misaligned++;
			if (custom_malloc_usable_size(p) < n)
				small++;
			fill_pattern(p, 0, n, align + n);
		}
	}
	for (int a = 0; a <= 16; a++)
		for (int k = 0; k < 2; k++) {
			size_t align = (size_t)1 << a;
			size_t n = k ? 3 * align + 5 : 100;
			if (v[k][a] && check_pattern(v[k][a], 0, n, align + n) != SIZE_MAX)
				corrupt++;
			custom_free(v[k][a]);
		}
	ok(fails == 0, "aligned_alloc succeeds for alignments 1..64 KiB, sizes not multiples");
	ok(misaligned == 0, "aligned_alloc results are aligned");
	ok(small == 0, "aligned_alloc usable sizes >= request");
	ok(corrupt == 0, "aligned_alloc blocks hold their contents");

	static const size_t bad[] = { 0, 3, 48, 24, 100 };
	int wrong = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		void *p = custom_aligned_alloc(sz(bad[i]), 64);
		int e = errno;
		if (p || e != EINVAL) {
			wrong++;
			diag("aligned_alloc(%zu, 64) = %p, errno %d", bad[i], p, e);
			custom_free(p);
		}
	}
	is_size((size_t)wrong, 0, "aligned_alloc: NULL with EINVAL for alignments 0, 3, 48, 24, 100");
	errno = 0;
	void *p = custom_aligned_alloc(64, sz(SIZE_MAX - 32));
	int e = errno;
	ok(p == NULL && e == ENOMEM, "aligned_alloc(64, SIZE_MAX-32) is NULL with ENOMEM");
	custom_free(p);
}

/* Aligned blocks carved out of the pool leave gaps that go back to the
 * free lists; mix them with plain blocks and check the heap. */
static void test_mixed(void)
{
	int n_slots = under_valgrind ? 300 : 1500;
	int ops = under_valgrind ? 3000 : 20000;
	struct { unsigned char *p; size_t n, align; uint64_t seed; } *b = calloc(n_slots, sizeof *b);
	int fails = 0, misaligned = 0, corrupt = 0, checks_bad = 0;
	uint64_t gen = 0;

	if (!b)
		bail("calloc for the test's own array failed");
	for (int op = 0; op < ops; op++) {
		int i = (int)(rnd() % (uint64_t)n_slots);
		if (b[i].p) {
			if (check_pattern(b[i].p, 0, b[i].n, b[i].seed) != SIZE_MAX)
				corrupt++;
			custom_free(b[i].p);
			b[i].p = NULL;
			continue;
		}
		uint64_t r = rnd();
		size_t n = (r >> 8) % ((r & 1) ? 50000 : 3000);
		size_t align = 0;
		void *p = NULL;
		switch ((r >> 1) % 4) {
		case 0:
			align = (size_t)16 << ((r >> 40) % 10); /* 16 .. 8 KiB */
			if (custom_posix_memalign(&p, align, n))
				p = NULL;
			break;
		case 1:
			align = (size_t)64 << ((r >> 40) % 11); /* 64 .. 64 KiB */
			p = custom_aligned_alloc(align, n);
			break;
		default:
			align = 16;
			p = custom_malloc(n);
			break;
		}
		if (!p) {
			fails++;
			continue;
		}
		if ((uintptr_t)p % align)
			misaligned++;
		b[i].p = opaque(p);
		b[i].n = n;
		b[i].align = align;
		b[i].seed = ++gen;
		fill_pattern(p, 0, n, gen);
		if (op % 2000 == 0 && cl_heap_check() != 0)
			checks_bad++;
	}
	is_size((size_t)fails, 0, "mixed aligned and plain allocations: none failed");
	is_size((size_t)misaligned, 0, "mixed: every block has its alignment");
	is_size((size_t)checks_bad, 0, "mixed: heap check clean along the way");

	/* Realloc of aligned blocks keeps their contents. */
	int realloc_bad = 0;
	for (int i = 0; i < n_slots; i += 7) {
		if (!b[i].p)
			continue;
		size_t m = b[i].n * 2 + 100;
		unsigned char *q = custom_realloc(b[i].p, m);
		if (!q || check_pattern(q, 0, b[i].n, b[i].seed) != SIZE_MAX) {
			realloc_bad++;
			if (!q)
				continue;
		}
		fill_pattern(q, b[i].n, m, b[i].seed);
		b[i].p = q;
		b[i].n = m;
	}
	is_size((size_t)realloc_bad, 0, "realloc of aligned blocks keeps their contents");
	for (int i = 0; i < n_slots; i++) {
		if (b[i].p && check_pattern(b[i].p, 0, b[i].n, b[i].seed) != SIZE_MAX)
			corrupt++;
		custom_free(b[i].p);
	}
	is_size((size_t)corrupt, 0, "mixed: contents intact until freed");
	is_size((size_t)cl_heap_check(), 0, "mixed: heap check clean after freeing everything");
	free(b);
}

int main(void)
{
	under_valgrind = getenv("CL_UNDER_VALGRIND") && atoi(getenv("CL_UNDER_VALGRIND"));
	test_posix_memalign();
	test_posix_memalign_errors();
	test_aligned_alloc();
	test_mixed();
	return done_testing();
}
