/*
 * malloc.c: the contract of custom_malloc, custom_calloc and custom_free
 * (lib/malloc.c): laziness, alignment, usable size, no overlap, malloc(0),
 * ENOMEM for absurd sizes, zeroing by calloc of reused memory, and errno
 * preserved by free.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calloc-lite.h"
#include "internal.h"
#include "tap.h"
#include "pattern.h"

static int under_valgrind;

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ------------------------------------------------------------------ */

static void test_lazy(void)
{
	/* Called first thing in main: nothing of ours has run yet. */
	struct custom_mallinfo mi = custom_mallinfo();
	is_size(mi.mapped, 0, "lazy: nothing mapped before the first allocation");
	is_size(mi.mmap_calls, 0, "lazy: no mmap call before the first allocation");
	is_size(mi.chunks, 0, "lazy: no pool chunk before the first allocation");

	void *p = custom_malloc(1);
	ok(p != NULL, "malloc(1) succeeds");
	mi = custom_mallinfo();
	ok(mi.mapped > 0, "after malloc(1) memory is mapped (%zu bytes)", mi.mapped);
	is_size(mi.chunks, 1, "after malloc(1) exactly one pool chunk");
	ok(mi.mmap_calls >= 1, "after malloc(1) mmap was called");
	ok(mi.in_use > 0, "after malloc(1) in_use > 0");
	custom_free(p);
}

/* calloc of fresh pool pages, with the block's request ending 7 bytes
 * before a page boundary (n = 9 mod 16, so the block's rounding runs past
 * the boundary): zeroing that trusts the known-zero pages must stay inside
 * the request.  The next block's address is predicted from the current
 * one, so that the request can be chosen to end there. */
static void test_calloc_page_edge(void)
{
	enum { K = 8 };
	void *v[K + 1];
	size_t bad = 0, nulls = 0, hits = 0;

	v[0] = custom_calloc(1, 40000);
	for (int i = 1; i <= K; i++) {
		if (!v[i - 1]) {
			v[i] = NULL;
			nulls++;
			continue;
		}
		struct cl_block *prev = cl_block_of(v[i - 1]);
		uintptr_t u = (uintptr_t)cl_user(cl_next_block(prev));
		size_t n = cl_align_up(u + 40000 + 7 * (size_t)i * 1000, cl_geo.page) - 7 - u;
		unsigned char *p = opaque(custom_calloc(1, n));
		v[i] = p;
		if (!p) {
			nulls++;
			continue;
		}
		if ((uintptr_t)p == u)
			hits++;
		if (first_nonzero(p, n) != SIZE_MAX || custom_malloc_usable_size(p) < n)
			bad++;
		fill_pattern(p, 0, n, i);
	}
	is_size(nulls, 0, "calloc at a page edge: no allocation failed");
	is_size(bad, 0, "calloc of fresh pages ending 7 bytes before a page boundary: "
		"zero, usable (%zu of %d placed as predicted)", hits, K);
	for (int i = 0; i <= K; i++)
		custom_free(v[i]);
}

static void test_small_sizes(void)
{
	enum { N = 4097 };
	void **v = calloc(N, sizeof *v);
	size_t bad_align = 0, bad_usable = 0, nulls = 0, corrupt = 0;
	size_t first_bad = SIZE_MAX;

	if (!v)
		bail("calloc for the test's own array failed");
	for (size_t n = 0; n < N; n++) {
		void *p = opaque(custom_malloc(n));
		v[n] = p;
		if (!p) {
			nulls++;
			continue;
		}
		if ((uintptr_t)p % 16) {
			bad_align++;
			if (first_bad == SIZE_MAX)
				first_bad = n;
		}
		if (custom_malloc_usable_size(p) < n)
			bad_usable++;
		fill_pattern(p, 0, n, n * 7919u + 1);
	}
	for (size_t n = 0; n < N; n++)
		if (v[n] && check_pattern(v[n], 0, n, n * 7919u + 1) != SIZE_MAX)
			corrupt++;
	is_size(nulls, 0, "malloc(n) non-NULL for every n in 0..4096");
	if (!is_size(bad_align, 0, "malloc(n) 16-aligned for every n in 0..4096"))
		diag("first misaligned size: %zu", first_bad);
	is_size(bad_usable, 0, "usable size >= n for every n in 0..4096");
	is_size(corrupt, 0, "4097 live blocks of sizes 0..4096 keep their contents");
	for (size_t n = 0; n < N; n++)
		custom_free(v[n]);
	free(v);
	is_size((size_t)cl_heap_check(), 0, "heap check clean after sizes 0..4096");
}

static void test_size_spread(void)
{
	size_t sizes[256];
	size_t k = 0;
	size_t bad_align = 0, bad_usable = 0, nulls = 0, corrupt = 0;

	for (unsigned b = 4; b <= 26; b++) {
		size_t s = (size_t)1 << b;
		sizes[k++] = s - 1;
		sizes[k++] = s;
		sizes[k++] = s + 1;
		sizes[k++] = s + s / 2 + 3;
	}
	sizes[k++] = CL_SMALL_REQ_MAX - 1;
	sizes[k++] = CL_SMALL_REQ_MAX;
	sizes[k++] = CL_SMALL_REQ_MAX + 1;
	sizes[k++] = 40000;
	sizes[k++] = 200000;
	sizes[k++] = (256u << 10) - 17;
	sizes[k++] = (256u << 10) - 1;
	sizes[k++] = (64u << 20);

	for (size_t i = 0; i < k; i++) {
		size_t n = sizes[i];
		unsigned char *p = opaque(custom_malloc(n));
		if (!p) {
			nulls++;
			diag("malloc(%zu) returned NULL", n);
			continue;
		}
		if ((uintptr_t)p % 16) {
			bad_align++;
			diag("malloc(%zu) = %p misaligned", n, (void *)p);
		}
		size_t u = custom_malloc_usable_size(p);
		if (u < n) {
			bad_usable++;
			diag("malloc(%zu): usable size %zu", n, u);
		}
		if (under_valgrind && n > (1u << 20)) {
			fill_pattern(p, 0, 4096, n);
			fill_pattern(p, n - 4096, n, n ^ 0xff);
			if (check_pattern(p, 0, 4096, n) != SIZE_MAX ||
			    check_pattern(p, n - 4096, n, n ^ 0xff) != SIZE_MAX)
				corrupt++;
		} else {
			fill_pattern(p, 0, u, n);
			if (check_pattern(p, 0, u, n) != SIZE_MAX)
				corrupt++;
		}
		custom_free(p);
	}
	is_size(nulls, 0, "malloc succeeds for %zu sizes up to 64 MiB", k);
	is_size(bad_align, 0, "all of them 16-aligned");
	is_size(bad_usable, 0, "all of them have usable size >= request");
	is_size(corrupt, 0, "all of them hold what was written up to the usable size");
	is_size((size_t)cl_heap_check(), 0, "heap check clean after the size spread");
}

/* Many live blocks of mixed sizes, each filled up to its usable size with
 * its own pattern: any overlap (or a usable size that reaches into a
 * neighbour's header) shows as a changed byte or a failed heap check. */
static void test_no_overlap(void)
{
	size_t n_blocks = under_valgrind ? 800 : 3000;
	struct { unsigned char *p; size_t u; uint64_t seed; } *b = calloc(n_blocks, sizeof *b);
	size_t nulls = 0, corrupt = 0, gen = 0;

	if (!b)
		bail("calloc for the test's own array failed");
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < n_blocks; i++) {
			if (b[i].p)
				continue;
			uint64_t r = rnd();
			size_t n;
			switch (r % 100) {
			case 0:
				n = (256u << 10) + rnd() % (2u << 20);
				break;
			case 1: case 2: case 3: case 4:
				n = 33000 + rnd() % 200000;
				break;
			default:
				n = rnd() % ((r & 0x100) ? 4096 : 256);
				break;
			}
			b[i].p = opaque(custom_malloc(n));
			if (!b[i].p) {
				nulls++;
				continue;
			}
			b[i].u = custom_malloc_usable_size(b[i].p);
			b[i].seed = ++gen * 0x100000001b3ull;
			fill_pattern(b[i].p, 0, b[i].u, b[i].seed);
		}
		for (size_t i = 0; i < n_blocks; i++)
			if (b[i].p && check_pattern(b[i].p, 0, b[i].u, b[i].seed) != SIZE_MAX)
				corrupt++;
		/* Free about half, in random order, and refill in the next
		 * round: reused memory must not overlap live blocks. */
		for (size_t i = 0; i < n_blocks; i++) {
			size_t j = rnd() % n_blocks;
			if (b[j].p && (rnd() & 1)) {
				if (check_pattern(b[j].p, 0, b[j].u, b[j].seed) != SIZE_MAX)
					corrupt++;
				custom_free(b[j].p);
				b[j].p = NULL;
			}
		}
	}
	is_size(nulls, 0, "no allocation failed in the overlap test");
	is_size(corrupt, 0, "%zu live blocks filled to their usable size do not overlap", n_blocks);
	is_size((size_t)cl_heap_check(), 0, "heap check clean with the blocks live");
	for (size_t i = 0; i < n_blocks; i++) {
		if (b[i].p && check_pattern(b[i].p, 0, b[i].u, b[i].seed) != SIZE_MAX)
			corrupt++;
		custom_free(b[i].p);
	}
	is_size(corrupt, 0, "contents intact until each block is freed");
	is_size((size_t)cl_heap_check(), 0, "heap check clean after freeing them");
	free(b);
}

static void test_malloc_zero(void)
{
	enum { N = 200 };
	uintptr_t v[N];
	size_t nulls = 0, dups = 0, bad_align = 0;

	for (int i = 0; i < N; i++) {
		void *p = opaque(custom_malloc(0));
		v[i] = (uintptr_t)p;
		if (!p)
			nulls++;
		else if (v[i] % 16)
			bad_align++;
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (v[i] && v[i] == v[j])
				dups++;
	is_size(nulls, 0, "malloc(0) returns non-NULL (%d calls)", N);
	is_size(dups, 0, "malloc(0) returns distinct pointers");
	is_size(bad_align, 0, "malloc(0) pointers are 16-aligned");
	for (int i = 0; i < N; i++)
		custom_free((void *)v[i]);
	is_size((size_t)cl_heap_check(), 0, "malloc(0) blocks freed cleanly");
}

#ifndef SIZE_WIDTH
# define SIZE_WIDTH (sizeof(size_t) * CHAR_BIT)
#endif

static void test_enomem(void)
{
	static const struct { size_t n; const char *name; } absurd[] = {
		{ SIZE_MAX, "SIZE_MAX" },
		{ SIZE_MAX - 8, "SIZE_MAX - 8" },
		{ SIZE_MAX - 15, "SIZE_MAX - 15" },
		{ SIZE_MAX / 2, "SIZE_MAX / 2" },
		{ SIZE_MAX / 2 + 1, "SIZE_MAX / 2 + 1" },
		{ CL_REQUEST_MAX + 1, "the largest request + 1" },
	};
	static const struct { size_t a, b; const char *name; } over[] = {
		{ SIZE_MAX / 2 + 1, 2, "(SIZE_MAX/2+1, 2)" },
		{ 2, SIZE_MAX / 2 + 1, "(2, SIZE_MAX/2+1)" },
		{ (size_t)1 << (SIZE_WIDTH / 2 + 1), (size_t)1 << (SIZE_WIDTH / 2 + 1),
		  "(2^(bits/2+1), 2^(bits/2+1))" },
		{ SIZE_MAX, SIZE_MAX, "(SIZE_MAX, SIZE_MAX)" },
		{ 1, SIZE_MAX, "(1, SIZE_MAX)" },
	};

	for (size_t i = 0; i < sizeof absurd / sizeof absurd[0]; i++) {
		errno = 0;
		void *p = custom_malloc(sz(absurd[i].n));
		int e = errno;
		ok(p == NULL && e == ENOMEM, "malloc(%s) is NULL with ENOMEM", absurd[i].name);
		if (p || e != ENOMEM)
			diag("got %p, errno %d", p, e);
		if (p)
			custom_free(p);
	}
	for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
		errno = 0;
		void *p = custom_calloc(sz(over[i].a), sz(over[i].b));
		int e = errno;
		ok(p == NULL && e == ENOMEM, "calloc%s is NULL with ENOMEM", over[i].name);
		if (p || e != ENOMEM)
			diag("got %p, errno %d", p, e);
		if (p)
			custom_free(p);
	}

	/* Still working afterwards, for each kind of block. */
	static const size_t after[] = { 24, 3000, 100000, 1u << 20 };
	int fine = 1;
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
		unsigned char *p = custom_malloc(after[i]);
		unsigned char *q = custom_calloc(after[i], 1);
		if (!p || !q || first_nonzero(q, after[i]) != SIZE_MAX) {
			fine = 0;
		} else {
			fill_pattern(p, 0, after[i], 99);
			fine &= check_pattern(p, 0, after[i], 99) == SIZE_MAX;
		}
		custom_free(p);
		custom_free(q);
	}
	ok(fine, "malloc and calloc still work after the failures");
	is_size((size_t)cl_heap_check(), 0, "heap check clean after the failures");
}

/* Dirty memory freed and handed out again by calloc must read zero.
 * Several blocks of each size, so that the reuse goes through the thread
 * cache (small), the pool's free lists (medium) and new mappings (large). */
static void calloc_reuse(const char *kind, const size_t *sizes, size_t n_sizes)
{
	enum { K = 6 };
	size_t dirty = 0, nulls = 0, tested = 0;

	for (size_t s = 0; s < n_sizes; s++) {
		size_t n = sizes[s];
		void *p[K];
		for (int i = 0; i < K; i++) {
			p[i] = opaque(custom_malloc(n));
			if (!p[i]) {
				nulls++;
				continue;
			}
			memset(p[i], 0xab, custom_malloc_usable_size(p[i]));
		}
		for (int i = K - 1; i >= 0; i--)
			custom_free(p[i]);
		for (int i = 0; i < K; i++) {
			/* Alternate the factor order: n*1, 1*n and (n/8)*8. */
			size_t a = i % 3 == 0 ? n : i % 3 == 1 ? 1 : n / 8;
			size_t b = i % 3 == 0 ? 1 : i % 3 == 1 ? n : 8;
			size_t want = a * b;
			unsigned char *q = opaque(custom_calloc(a, b));
			if (!q) {
				nulls++;
				continue;
			}
			tested++;
			size_t at = first_nonzero(q, want);
			if (at != SIZE_MAX) {
				if (!dirty)
					diag("calloc(%zu, %zu) byte %zu is 0x%02x", a, b, at, q[at]);
				dirty++;
			}
			p[i] = q;
		}
		for (int i = 0; i < K; i++) {
			/* Dirty them again for the next size. */
			if (p[i]) {
				memset(p[i], 0xab, custom_malloc_usable_size(p[i]));
				custom_free(p[i]);
			}
		}
	}
	is_size(nulls, 0, "calloc reuse (%s): no allocation failed", kind);
	ok(dirty == 0 && tested > 0, "calloc zeroes reused dirty memory (%s): %zu of %zu blocks dirty",
	   kind, dirty, tested);
}

static void test_calloc_zero(void)
{
	static const size_t small[] = { 16, 24, 40, 100, 256, 1000, 1024, 4000,
					8192, 16000, 30000, CL_SMALL_REQ_MAX };
	static const size_t medium[] = { CL_SMALL_REQ_MAX + 8, 40000, 65536, 100000,
					 150000, 200000, (256u << 10) - 32 };
	static const size_t large[] = { 256u << 10, 300000, 1u << 20, 3u << 20 };

	calloc_reuse("small, thread-cached", small, sizeof small / sizeof small[0]);
	calloc_reuse("medium, pool", medium, sizeof medium / sizeof medium[0]);
	calloc_reuse("large, own mapping", large, sizeof large / sizeof large[0]);

	/* A big dirty pool block split into smaller calloc'd ones. */
	unsigned char *big = opaque(custom_malloc(220000));
	unsigned char *guard = custom_malloc(40000);
	size_t dirty = 0;
	if (big) {
		memset(big, 0xcd, custom_malloc_usable_size(big));
		custom_free(big);
	}
	void *q[4];
	for (int i = 0; i < 4; i++) {
		q[i] = custom_calloc(1, 50000);
		if (!q[i] || first_nonzero(q[i], 50000) != SIZE_MAX)
			dirty++;
	}
	is_size(dirty, 0, "calloc of pieces of a freed dirty 220000-byte block reads zero");
	for (int i = 0; i < 4; i++)
		custom_free(q[i]);
	custom_free(guard);
	is_size((size_t)cl_heap_check(), 0, "heap check clean after the calloc tests");
}

static void test_free_null_and_errno(void)
{
	void *keep = custom_malloc(100000); /* something in the pool */
	struct custom_mallinfo a = custom_mallinfo();
	errno = 777;
	custom_free(NULL);
	int e = errno;
	struct custom_mallinfo b = custom_mallinfo();
	is_size((size_t)e, 777, "free(NULL) leaves errno alone");
	ok(a.in_use == b.in_use && a.pool_free == b.pool_free && a.mapped == b.mapped &&
	   a.free_blocks == b.free_blocks && a.munmap_calls == b.munmap_calls,
	   "free(NULL) changes no counter");
	custom_free(keep);

	static const struct { size_t n; const char *kind; } kinds[] = {
		{ 48, "small" }, { 100000, "medium" }, { 2u << 20, "large" },
	};
	for (size_t i = 0; i < 3; i++) {
		void *p = custom_malloc(kinds[i].n);
		if (!p) {
			ok(0, "free preserves errno (%s): malloc failed", kinds[i].kind);
			continue;
		}
		errno = 12345;
		custom_free(p);
		is_size((size_t)errno, 12345, "free preserves errno (%s block)", kinds[i].kind);
	}

	/* Frees that give memory back to the OS (munmap of a whole chunk,
	 * madvise of long free runs) must preserve errno too. */
	enum { M = 120 };
	void *v[M];
	for (int i = 0; i < M; i++)
		v[i] = custom_malloc(200000); /* ~23 MiB: several chunks */
	custom_malloc_trim(0);
	struct custom_mallinfo before = custom_mallinfo();
	int kept = 1;
	for (int i = 0; i < M; i++) {
		errno = 12345;
		custom_free(v[i]);
		if (errno != 12345)
			kept = 0;
	}
	struct custom_mallinfo after = custom_mallinfo();
	ok(kept, "free preserves errno across %d medium frees", M);
	ok(after.munmap_calls + after.madvise_calls > before.munmap_calls + before.madvise_calls,
	   "those frees gave memory back (munmap %zu -> %zu, madvise %zu -> %zu)",
	   before.munmap_calls, after.munmap_calls, before.madvise_calls, after.madvise_calls);
	ok(after.mapped < before.mapped, "mapped shrinks after freeing them (%zu -> %zu)",
	   before.mapped, after.mapped);
}

int main(void)
{
	test_lazy(); /* must come first: nothing allocated yet */

	under_valgrind = getenv("CL_UNDER_VALGRIND") && atoi(getenv("CL_UNDER_VALGRIND"));
	test_calloc_page_edge(); /* wants fresh pool pages: keep it early */
	test_small_sizes();
	test_size_spread();
	test_no_overlap();
	test_malloc_zero();
	test_enomem();
	test_calloc_zero();
	test_free_null_and_errno();
	return done_testing();
}
