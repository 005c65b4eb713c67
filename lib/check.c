/*
 * check.c: cl_heap_check, the consistency walk of the whole pool (see
 * cl_pool_check for what it verifies).  Slow: for tests and debugging.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

int cl_heap_check(void)
{
	if (!cl_is_ready())
		return 0;
	cl_lock();
	int faults = cl_pool_check();
	cl_unlock();
	if (cl_opt.scribble)
		faults += cl_debug_quarantine_check();
	return faults;
}
