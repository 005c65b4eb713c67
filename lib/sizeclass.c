/*
 * sizeclass.c: the size classes of blocks held by thread caches.
 *
 * Block sizes 32..1024 step by 16 (63 classes, exact for small requests);
 * above that, eight classes per doubling up to 32 KiB (40 classes), so that
 * rounding wastes at most 12.5%.  Limits give each class about 16 KiB of
 * cache, between 2 and 128 blocks.
 *
 * A thread cache takes back only blocks of exactly a class size that
 * malloc handed out.  Aligned blocks, cut to the request, often have a
 * class size too: the CL_ALIGNED flag in their header sends their free to
 * the pool, where their space merges again; cached, they would be pinned
 * until a malloc of their class came, and fragment the pool.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

uint8_t cl_class_up[CL_SMALL_MAX / CL_ALIGN + 1];
uint8_t cl_class_exact[CL_SMALL_MAX / CL_ALIGN + 1];
uint32_t cl_class_size[CL_CLASSES];
uint16_t cl_class_limit[CL_CLASSES];

_Static_assert(CL_CLASSES <= 255, "class indexes fit in a byte");

void cl_sizeclass_init(void)
{
	unsigned c = 0;

	for (uint32_t s = CL_MIN_BLOCK; s <= 1024; s += 16)
		cl_class_size[c++] = s;
	for (uint32_t d = 1024; d < CL_SMALL_MAX; d *= 2)
		for (uint32_t k = 1; k <= 8; k++)
			cl_class_size[c++] = d + k * (d / 8);

	for (c = 0; c < CL_CLASSES; c++) {
		uint32_t lim = 16384 / cl_class_size[c];
		cl_class_limit[c] = (uint16_t)(lim < 2 ? 2 : lim > 128 ? 128 : lim);
	}

	/* up[i]: first class with size >= 16 i; exact[i]: the class of size
	 * 16 i, or CL_NO_CLASS. */
	c = 0;
	for (unsigned i = 0; i <= CL_SMALL_MAX / CL_ALIGN; i++) {
		while (cl_class_size[c] < i * CL_ALIGN)
			c++;
		cl_class_up[i] = (uint8_t)c;
	}
	for (unsigned i = 0; i <= CL_SMALL_MAX / CL_ALIGN; i++) {
		c = cl_class_up[i];
		cl_class_exact[i] = (uint8_t)(cl_class_size[c] == i * CL_ALIGN ? c : CL_NO_CLASS);
	}
}
