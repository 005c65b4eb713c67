/*
 * word.h: for the fault programs that damage one field of a block header's
 * word (lib/internal.h: flags in bits 0-3, the size above them, a tag in
 * bits 48-63).  WORD_BYTE(k) is where byte k of the word, counted from the
 * least significant, lies from the word's start: the same bits are hit on
 * either byte order.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#ifndef CL_FAULTS_WORD_H
#define CL_FAULTS_WORD_H 1

#include <stddef.h>

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WORD_BYTE(k) (sizeof(size_t) - 1 - (size_t)(k))
#else
#define WORD_BYTE(k) ((size_t)(k))
#endif

#endif
