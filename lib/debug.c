/*
 * debug.c: the checking modes, for finding bugs in the programs that use
 * us.  All run from slow paths: when any is on (cl_opt.debug), thread caches
 * are off, so every malloc and free reaches them.
 *
 *   CALLOC_LITE_SCRIBBLE   new blocks are filled with CL_JUNK_ALLOC, freed
 *                          ones with CL_JUNK_FREE (reads of uninitialised
 *                          or freed memory show up as those bytes);
 *   CALLOC_LITE_CHECK      the heap consistency walk after every call;
 *   CALLOC_LITE_FAIL_AFTER allocations fail with ENOMEM after N of them;
 *   valgrind               client requests describe every block to memcheck;
 *   --enable-asan builds   free pool memory is poisoned for AddressSanitizer.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#ifdef HAVE_VALGRIND_MEMCHECK_H
# include <valgrind/memcheck.h>
#endif
#ifdef CL_ASAN
# include <sanitizer/asan_interface.h>
#endif

static size_t allocations;

bool cl_debug_fail(void)
{
	if (!cl_opt.fail_after)
		return false;
	if (__atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED) < cl_opt.fail_after)
		return false;
	errno = ENOMEM;
	return true;
}

void cl_debug_check(const char *func, const void *p)
{
	if (cl_opt.check && cl_heap_check() != 0)
		cl_fatal(func, "heap corrupted (CALLOC_LITE_CHECK), found at the call with", p);
}

void *cl_debug_alloc(void *p, size_t n, bool zeroed)
{
	if (!p)
		return NULL;
	if (cl_opt.scribble && !zeroed)
		memset(p, CL_JUNK_ALLOC, n);
#ifdef HAVE_VALGRIND_MEMCHECK_H
	if (cl_opt.valgrind)
		VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, zeroed);
#endif
	cl_debug_check("malloc", p);
	return p;
}

void cl_debug_free(void *p, size_t usable)
{
	if (cl_opt.scribble)
		memset(p, CL_JUNK_FREE, usable);
#ifdef HAVE_VALGRIND_MEMCHECK_H
	if (cl_opt.valgrind)
		VALGRIND_FREELIKE_BLOCK(p, 0);
#else
	(void)p;
#endif
}

/* The pool reads and writes headers and links inside memory memcheck knows
 * as freed or not yet defined: errors there are ours to ignore. */
void cl_debug_quiet(bool on)
{
#ifdef HAVE_VALGRIND_MEMCHECK_H
	if (on)
		VALGRIND_DISABLE_ERROR_REPORTING;
	else
		VALGRIND_ENABLE_ERROR_REPORTING;
#else
	(void)on;
#endif
}

void cl_asan_poison(void *p, size_t n)
{
#ifdef CL_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#else
	(void)p;
	(void)n;
#endif
}

void cl_asan_unpoison(void *p, size_t n)
{
#ifdef CL_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
	(void)p;
	(void)n;
#endif
}
