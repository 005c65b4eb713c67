/*
 * stats.c: custom_mallinfo and custom_malloc_stats.  The counters live with
 * the code that changes them (pool.c under the pool lock, os.c as relaxed
 * atomics); this file only gathers them.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

struct custom_mallinfo custom_mallinfo(void)
{
	struct cl_pool_stats ps = { 0 };
	struct cl_os_stats os;
	if (cl_is_ready())
		cl_pool_stats(&ps);
	cl_os_stats(&os);
	struct custom_mallinfo mi = {
		.mapped = os.mapped_bytes,
		.pool_mapped = ps.chunk_bytes,
		.in_use = ps.chunk_bytes - ps.free_bytes + os.large_bytes,
		.pool_free = ps.free_bytes,
		.pool_released = ps.released_bytes,
		.large = os.large_bytes,
		.large_blocks = os.large_blocks,
		.free_blocks = ps.free_blocks,
		.chunks = ps.chunks,
		.mmap_calls = os.mmap_calls,
		.munmap_calls = os.munmap_calls,
		.madvise_calls = os.madvise_calls,
		.mremap_calls = os.mremap_calls,
		.large_cached = cl_large_cached(),
	};
	return mi;
}

static void line(struct cl_out *o, const char *label, size_t v)
{
	cl_out_str(o, label);
	cl_out_dec(o, v);
	cl_out_str(o, "\n");
}

void cl_print_stats(int fd)
{
	int saved = errno;
	struct custom_mallinfo mi = custom_mallinfo();
	struct cl_out o = { .fd = fd };
	cl_out_str(&o, "calloc-lite statistics:\n");
	line(&o, "  bytes mapped        = ", mi.mapped);
	line(&o, "  bytes in use        = ", mi.in_use);
	line(&o, "  pool chunks         = ", mi.chunks);
	line(&o, "  pool bytes mapped   = ", mi.pool_mapped);
	line(&o, "  pool bytes free     = ", mi.pool_free);
	line(&o, "  pool bytes released = ", mi.pool_released);
	line(&o, "  pool free blocks    = ", mi.free_blocks);
	line(&o, "  large blocks        = ", mi.large_blocks);
	line(&o, "  large bytes         = ", mi.large);
	line(&o, "  large bytes cached  = ", mi.large_cached);
	line(&o, "  mmap calls          = ", mi.mmap_calls);
	line(&o, "  munmap calls        = ", mi.munmap_calls);
	line(&o, "  madvise calls       = ", mi.madvise_calls);
	line(&o, "  mremap calls        = ", mi.mremap_calls);
	line(&o, "  arenas              = ", cl_arena_count());
	struct custom_lock_stats ls[CL_LOCK_KINDS];
	size_t kinds = cl_lock_stats(ls, CL_LOCK_KINDS);
	for (size_t k = 0; k < kinds && k < CL_LOCK_KINDS; k++) {
		/* "  lock arena          = 12 taken, 0 contended (2 locks)" */
		cl_out_str(&o, "  lock ");
		cl_out_str(&o, ls[k].name);
		for (size_t pad = 5 + strlen(ls[k].name); pad < 20; pad++)
			cl_out_str(&o, " ");
		cl_out_str(&o, "= ");
		cl_out_dec(&o, ls[k].acquired);
		cl_out_str(&o, " taken, ");
		cl_out_dec(&o, ls[k].contended);
		cl_out_str(&o, " contended (");
		cl_out_dec(&o, ls[k].locks);
		cl_out_str(&o, ls[k].locks == 1 ? " lock)\n" : " locks)\n");
	}
	cl_out_flush(&o);
	errno = saved;
}

size_t custom_malloc_lock_stats(struct custom_lock_stats *out, size_t n)
{
	if (n && !out)
		return 0;
	return cl_lock_stats(out, n);
}

void custom_malloc_stats(void)
{
	cl_print_stats(2);
}
