/*
 * random.c: random operations against a shadow copy.  Every block holds
 * bytes derived from (slot, generation); each operation checks the block
 * it touches, and every 10000 operations the whole heap is walked
 * (cl_heap_check) and every live block checked.  The seed is printed and
 * can be set with CL_TEST_SEED.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calloc-lite.h"
#include "internal.h"
#include "tap.h"
#include "pattern.h"

static int under_valgrind;

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}


/* Sizes skewed small: mostly under 512 bytes, some up to the thread-cache
 * limit, a few medium (pool) and very few large (own mappings). */
static size_t rand_size(void)
{
	uint64_t r = rnd();
	unsigned k = (unsigned)(r % 1000);
	r >>= 10;
	if (k < 3)
		return (256u << 10) + r % ((4u << 20) - (256u << 10));
	if (k < 30)
		return (33u << 10) + r % ((250u << 10) - (33u << 10));
	if (k < 200)
		return 512 + r % (32768 - 512);
	return (r % 513) >> (r >> 20) % 4;
}

struct slot {
	unsigned char *p;
	size_t n;
	uint64_t seed;
};

static struct slot *slots;
static size_t n_slots;
static uint64_t generation;

static size_t corrupt, alloc_fail, misaligned, short_usable, calloc_dirty;
static size_t op_no;

static void report_corrupt(size_t i, size_t at, const char *when)
{
	if (corrupt++ < 5)
		diag("op %zu: slot %zu (%p, %zu bytes) byte %zu changed (%s)",
		     op_no, i, (void *)slots[i].p, slots[i].n, at, when);
}

static void verify(size_t i, const char *when)
{
	size_t at = check_pattern(slots[i].p, 0, slots[i].n, slots[i].seed);
	if (at != SIZE_MAX)
		report_corrupt(i, at, when);
}

static void release(size_t i)
{
	if (!slots[i].p)
		return;
	verify(i, "before free");
	custom_free(slots[i].p);
	slots[i].p = NULL;
}

/* Record a new block in slot i; check alignment and usable size. */
static void install(size_t i, void *p, size_t n, size_t align, bool zeroed)
{
	if (!p) {
		if (alloc_fail++ < 5)
			diag("op %zu: allocation of %zu bytes failed", op_no, n);
		return;
	}
	if ((uintptr_t)p % align) {
		if (misaligned++ < 5)
			diag("op %zu: %p not aligned to %zu", op_no, p, align);
	}
	if (custom_malloc_usable_size(p) < n)
		short_usable++;
	if (zeroed) {
		size_t at = first_nonzero(p, n);
		if (at != SIZE_MAX && calloc_dirty++ < 5)
			diag("op %zu: calloc'd %zu bytes, byte %zu nonzero", op_no, n, at);
	}
	slots[i].p = opaque(p);
	slots[i].n = n;
	slots[i].seed = mix(((uint64_t)i << 40) ^ ++generation);
	fill_pattern(p, 0, n, slots[i].seed);
}

static void one_op(void)
{
	size_t i = (size_t)(rnd() % n_slots);
	unsigned kind = (unsigned)(rnd() % 100);
	size_t n;

	if (kind < 30) {                        /* malloc */
		release(i);
		n = rand_size();
		install(i, custom_malloc(n), n, 16, false);
	} else if (kind < 40) {                 /* calloc */
		release(i);
		n = rand_size();
		size_t a = n, b = 1;
		if (n % 8 == 0 && (rnd() & 1))
			a = n / 8, b = 8;
		else if (rnd() & 1)
			a = 1, b = n;
		install(i, custom_calloc(a, b), n, 16, true);
	} else if (kind < 60) {                 /* realloc */
		n = rnd() % 64 == 0 ? 0 : rand_size();
		if (!slots[i].p) {
			install(i, custom_realloc(NULL, n), n, 16, false);
			return;
		}
		verify(i, "before realloc");
		size_t old = slots[i].n;
		unsigned char *q = custom_realloc(slots[i].p, n);
		if (n == 0) {
			if (q != NULL) {
				if (alloc_fail++ < 5)
					diag("op %zu: realloc(p, 0) returned %p", op_no, (void *)q);
				custom_free(q);
			}
			slots[i].p = NULL;
			return;
		}
		if (!q) {
			if (alloc_fail++ < 5)
				diag("op %zu: realloc(%zu -> %zu) failed", op_no, old, n);
			return; /* the old block is still ours */
		}
		q = opaque(q);
		slots[i].p = q;
		slots[i].n = n < old ? n : old;
		if ((uintptr_t)q % 16 && misaligned++ < 5)
			diag("op %zu: realloc result %p misaligned", op_no, (void *)q);
		if (custom_malloc_usable_size(q) < n)
			short_usable++;
		verify(i, "prefix after realloc");
		fill_pattern(q, slots[i].n, n, slots[i].seed);
		slots[i].n = n;
	} else if (kind < 90) {                 /* free */
		release(i);
	} else {                                /* posix_memalign */
		release(i);
		n = rand_size();
		uint64_t r = rnd();
		size_t align = r % 16 == 0 ? (size_t)65536 : (size_t)16 << (r >> 8) % 9;
		void *p = NULL;
		if (custom_posix_memalign(&p, align, n) != 0)
			p = NULL;
		install(i, p, n, align, false);
	}
}

static bool counters_consistent(void)
{
	struct custom_mallinfo mi = custom_mallinfo();
	bool good = mi.large <= mi.in_use &&
		    mi.in_use - mi.large + mi.pool_free <= mi.pool_mapped &&
		    mi.pool_released <= mi.pool_free &&
		    mi.pool_mapped + mi.large <= mi.mapped;
	if (!good)
		diag("mallinfo: mapped %zu pool_mapped %zu in_use %zu pool_free %zu "
		     "released %zu large %zu", mi.mapped, mi.pool_mapped, mi.in_use,
		     mi.pool_free, mi.pool_released, mi.large);
	return good;
}

int main(void)
{
	const char *env = getenv("CL_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x6c62272e07bb0142ull;
	under_valgrind = getenv("CL_UNDER_VALGRIND") && atoi(getenv("CL_UNDER_VALGRIND"));
	size_t ops = under_valgrind ? 20000 : 200000;
	n_slots = under_valgrind ? 1024 : 4096;

	diag("seed 0x%llx (set CL_TEST_SEED to repeat or vary)", (unsigned long long)seed);
	rng_state = seed ? seed : 1;
	slots = calloc(n_slots, sizeof *slots);
	if (!slots)
		bail("calloc for the test's own array failed");

	size_t heap_bad = 0, sweeps = 0, inconsistent = 0;
	for (op_no = 1; op_no <= ops; op_no++) {
		one_op();
		if (op_no % 10000 == 0) {
			int faults = cl_heap_check();
			if (faults) {
				if (heap_bad++ < 3)
					diag("op %zu: cl_heap_check found %d faults", op_no, faults);
			}
			for (size_t i = 0; i < n_slots; i++)
				if (slots[i].p)
					verify(i, "full sweep");
			if (!counters_consistent())
				inconsistent++;
			sweeps++;
		}
	}
	is_size(alloc_fail, 0, "no allocation failed in %zu ops", ops);
	is_size(misaligned, 0, "every block had its alignment");
	is_size(short_usable, 0, "every block had usable size >= its request");
	is_size(calloc_dirty, 0, "every calloc'd block was zero");
	is_size(heap_bad, 0, "heap check clean at each of %zu sweeps", sweeps);
	is_size(inconsistent, 0, "mallinfo counters consistent at each sweep");

	for (size_t i = 0; i < n_slots; i++)
		release(i);
	is_size(corrupt, 0, "contents intact after %zu ops", ops);
	is_size((size_t)cl_heap_check(), 0, "heap check clean after freeing everything");

	custom_malloc_trim(0);
	struct custom_mallinfo mi = custom_mallinfo();
	ok(mi.mapped <= 3 * cl_geo.chunk,
	   "after free and trim, mapped is %zu (at most %zu)", mi.mapped, 3 * cl_geo.chunk);
	ok(mi.large == 0 && mi.large_blocks == 0, "no large block left (%zu blocks, %zu bytes)",
	   mi.large_blocks, mi.large);
	is_size((size_t)cl_heap_check(), 0, "heap check clean after trim");
	free(slots);
	return done_testing();
}
