/*
 * large.c: blocks at or above the mmap threshold, each its own mapping.
 *
 * The header sits at offset prev_size into the mapping (0 unless the block
 * was aligned beyond 16), its size is the whole mapping's, and CL_LARGE is
 * set.  Free unmaps; realloc moves the mapping with mremap.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>

static inline char *mapping_of(const struct cl_block *b)
{
	return (char *)b - b->prev_size;
}

void *cl_large_alloc(size_t n, size_t align)
{
	size_t pad = align > CL_ALIGN ? align : 0;
	size_t len = n + CL_HDR + pad;
	if (len < n || len > ((size_t)1 << 47)) {
		errno = ENOMEM;
		return NULL;
	}
	len = cl_align_up(len, CL_PAGE);
	char *m = cl_os_map(len);
	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	char *u = (char *)cl_align_up((uintptr_t)m + CL_HDR, align > CL_ALIGN ? align : CL_ALIGN);
	struct cl_block *b = cl_block_of(u);
	b->prev_size = (size_t)((char *)b - m);
	cl_set_header(b, len, CL_LARGE);
	cl_os_large_account((ptrdiff_t)len, 1);
	return u;
}

void cl_large_free(struct cl_block *b)
{
	size_t len = cl_bsize(b);
	cl_os_large_account(-(ptrdiff_t)len, -1);
	cl_os_unmap(mapping_of(b), len);
}

/* b's offset is 0 (callers move aligned blocks instead). */
void *cl_large_realloc(struct cl_block *b, size_t n)
{
	size_t old = cl_bsize(b);
	size_t len = cl_align_up(n + CL_HDR, CL_PAGE);
	if (len < n || len > ((size_t)1 << 47)) {
		errno = ENOMEM;
		return NULL;
	}
	if (len == old)
		return cl_user(b);
	if (len < old) {        /* shrinking cannot fail: cut the tail off */
		cl_os_unmap((char *)b + len, old - len);
		cl_set_header(b, len, CL_LARGE);
		cl_os_large_account((ptrdiff_t)len - (ptrdiff_t)old, 0);
		return cl_user(b);
	}
	struct cl_block *nb = cl_os_remap(b, old, len);
	if (!nb) {
		errno = ENOMEM;
		return NULL;
	}
	cl_set_header(nb, len, CL_LARGE);
	cl_os_large_account((ptrdiff_t)len - (ptrdiff_t)old, 0);
	return cl_user(nb);
}
