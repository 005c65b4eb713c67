/*
 * ops.c: a libFuzzer target.  The input is a program of allocator calls
 * (malloc, calloc, realloc, free, aligned allocations, usable-size queries,
 * trim) over four "threads' worth" of slot tables; every live block holds a
 * pattern derived from its slot and generation, checked before each realloc
 * and free, and the heap consistency walk runs after every program.
 *
 *   make fuzz FUZZ_SECONDS=60
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TABLES = 4, SLOTS = 64 };

struct slot {
	unsigned char *p;
	size_t n;
	unsigned char seed;
};

static struct slot table[TABLES][SLOTS];

static void stamp(struct slot *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->p[i] = (unsigned char)(s->seed + i * 31);
}

static void verify(const struct slot *s, size_t n)
{
	for (size_t i = 0; i < n && i < s->n; i++)
		if (s->p[i] != (unsigned char)(s->seed + i * 31)) {
			fprintf(stderr, "block %p byte %zu changed\n", (void *)s->p, i);
			abort();
		}
}

static size_t size_of(const uint8_t *d)
{
	/* Mostly small, sometimes pool-sized, rarely large. */
	size_t v = (size_t)d[0] | (size_t)d[1] << 8;
	switch (d[2] & 7) {
	case 0: return v;                 /* up to 64 KiB */
	case 1: return v * 8;             /* up to 512 KiB: large blocks */
	case 2: return (size_t)-1 - v;    /* absurd: must fail cleanly */
	default: return v & 1023;
	}
}

static void release(struct slot *s)
{
	verify(s, s->n);
	custom_free(s->p);
	s->p = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char gen = 0;
	for (; size >= 5; data += 5, size -= 5) {
		struct slot *s = &table[data[0] >> 6][data[0] & (SLOTS - 1)];
		size_t n = size_of(data + 2);
		void *q = NULL;
		bool fresh = data[1] % 8 != 4 && data[1] % 8 < 6;  /* the op (re)allocates */
		gen++;
		switch (data[1] % 8) {
		case 0:
		case 1:
			if (s->p)
				release(s);
			s->p = custom_malloc(n);
			break;
		case 2:
			if (s->p)
				release(s);
			s->p = custom_calloc(1 + (data[4] & 3), n);
			if (s->p) {
				n *= 1 + (data[4] & 3);
				for (size_t i = 0; i < n; i++)
					if (s->p[i]) {
						fprintf(stderr, "calloc byte %zu not zero\n", i);
						abort();
					}
			}
			break;
		case 3:
			if (!s->p)
				break;
			verify(s, s->n);
			q = custom_realloc(s->p, n);
			if (!q && n) {          /* failed: the old block must be intact */
				verify(s, s->n);
				continue;
			}
			if (q)
				verify(&(struct slot){ q, s->n < n ? s->n : n, s->seed }, n);
			s->p = q;
			break;
		case 4:
			if (s->p)
				release(s);
			break;
		case 5:
			if (s->p)
				release(s);
			if (custom_posix_memalign(&q, (size_t)1 << (3 + data[4] % 15), n) == 0) {
				if ((uintptr_t)q & (((size_t)1 << (3 + data[4] % 15)) - 1))
					abort();
				s->p = q;
			}
			break;
		case 6:
			if (s->p && custom_malloc_usable_size(s->p) < s->n)
				abort();
			break;
		case 7:
			if (data[4] == 0xff)
				custom_malloc_trim(0);
			else if (s->p)
				release(s);
			break;
		}
		if (fresh && s->p) {
			s->n = n;
			s->seed = gen;
			stamp(s);
		}
	}
	if (cl_heap_check() != 0)
		abort();
	for (int t = 0; t < TABLES; t++)
		for (int i = 0; i < SLOTS; i++)
			if (table[t][i].p)
				release(&table[t][i]);
	if (cl_heap_check() != 0)
		abort();
	return 0;
}
