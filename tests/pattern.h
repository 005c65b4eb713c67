/*
 * pattern.h: helpers shared by the contract tests: byte patterns that
 * tell every block (and every byte of it) apart, and ways to keep the
 * compiler from reasoning about what the allocator returns.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#ifndef CL_PATTERN_H
#define CL_PATTERN_H 1

#include <stddef.h>
#include <stdint.h>

/* Fill bytes [from, to) of block with the pattern of seed. */
void fill_pattern(void *block, size_t from, size_t to, uint64_t seed);
/* The offset of the first byte in [from, to) that does not hold the
 * pattern of seed, or SIZE_MAX when all do. */
size_t check_pattern(const void *block, size_t from, size_t to, uint64_t seed);
/* Offset of the first nonzero byte of block[0..n), or SIZE_MAX. */
size_t first_nonzero(const void *block, size_t n);

/* Hide a pointer's origin from the compiler, so that it neither folds
 * comparisons between results of malloc-like calls nor checks writes
 * beyond the requested size against alloc_size. */
void *opaque(void *p);
/* A volatile size, so that absurd constant requests draw no warnings. */
size_t sz(size_t n);
/* xorshift64: the next pseudo-random number of state *s (nonzero). */
uint64_t xorshift(uint64_t *s);
/* A 64-bit finaliser: well-spread bits from any x. */
uint64_t mix(uint64_t x);

#endif
