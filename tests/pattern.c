/*
 * pattern.c: see pattern.h.  Byte i of a block filled with seed is byte
 * (i % 8), little-endian, of word i / 8 of the pattern.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "pattern.h"

#include <string.h>

static uint64_t pat_word(uint64_t seed, size_t j)
{
	return seed + (uint64_t)(j + 1) * 0x9e3779b97f4a7c15ull;
}

/* Word j as its 8 bytes lie in memory, little-endian on any machine, so
 * that the word loops below agree with pat_byte() on big-endian too. */
static uint64_t pat_stored(uint64_t seed, size_t j)
{
	uint64_t w = pat_word(seed, j);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static unsigned char pat_byte(uint64_t seed, size_t i)
{
	return (unsigned char)(pat_word(seed, i >> 3) >> ((i & 7) * 8));
}

void fill_pattern(void *block, size_t from, size_t to, uint64_t seed)
{
	unsigned char *p = block;
	size_t i = from;
	for (; i < to && (i & 7); i++)
		p[i] = pat_byte(seed, i);
	for (; i + 8 <= to; i += 8) {
		uint64_t w = pat_stored(seed, i >> 3);
		memcpy(p + i, &w, 8);
	}
	for (; i < to; i++)
		p[i] = pat_byte(seed, i);
}

size_t check_pattern(const void *block, size_t from, size_t to, uint64_t seed)
{
	const unsigned char *p = block;
	size_t i = from;
	for (; i < to && (i & 7); i++)
		if (p[i] != pat_byte(seed, i))
			return i;
	for (; i + 8 <= to; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w != pat_stored(seed, i >> 3))
			break;
	}
	for (; i < to; i++)
		if (p[i] != pat_byte(seed, i))
			return i;
	return SIZE_MAX;
}

size_t first_nonzero(const void *block, size_t n)
{
	const unsigned char *p = block;
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return i;
	return SIZE_MAX;
}

void *opaque(void *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

size_t sz(size_t n)
{
	volatile size_t v = n;
	return v;
}

uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}
