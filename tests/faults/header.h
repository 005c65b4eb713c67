/*
 * header.h: where the fields of a block header lie in memory, for the
 * fault programs that damage one of them on purpose.  The layout is
 * lib/internal.h's struct cl_block; offsets count from the start of a
 * header, which is the user's pointer minus CL_HDR, or NEXT_HDR(end)
 * bytes after it for the block that follows (end: the usable size; the
 * following header's prev_size is the last word of a block in use).
 * The same field is hit on either byte order and word size.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#ifndef CL_FAULTS_HEADER_H
#define CL_FAULTS_HEADER_H 1

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Where byte k (0: the least significant) of an n-byte field lies. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FIELD_BYTE(n, k) ((size_t)(n) - 1 - (size_t)(k))
#else
#define FIELD_BYTE(n, k) ((size_t)(k))
#endif

/* The byte of word with the flags (bits 0-3) and the low bits of the size. */
#define HDR_FLAGS_AT (offsetof(struct cl_block, word) + FIELD_BYTE(sizeof(size_t), 0))
/* A byte of the tag: bits 48-55 of word on 64-bit targets; on 32-bit
 * ones the low byte of the tag's own word. */
#if CL_64BIT
#define HDR_TAG_AT (offsetof(struct cl_block, word) + FIELD_BYTE(sizeof(size_t), CL_TAG_SHIFT / 8))
#else
#define HDR_TAG_AT (offsetof(struct cl_block, tag) + FIELD_BYTE(sizeof(uint32_t), 0))
#endif
/* The header after a block in use starts this far into its usable bytes. */
#define NEXT_HDR(end) ((end) - sizeof(size_t))

#endif
