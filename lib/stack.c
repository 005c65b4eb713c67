/*
 * stack.c: the call stack of a sampled allocation, without allocating.
 *
 * The stack is walked with the unwinder of libgcc (_Unwind_Backtrace),
 * from the unwind tables every Debian object carries (.eh_frame, or
 * .ARM.exidx on 32-bit Arm), not from frame pointers, which Debian's
 * packages are built without.  It does not call malloc: it finds each
 * object's tables with _dl_find_object (glibc 2.35 and later) or
 * dl_iterate_phdr, neither of which allocates.  glibc's backtrace() is not
 * used: its first call dlopens libgcc_s, which allocates, from inside
 * malloc.  Sampling is rare (once per CALLOC_LITE_PROFILE_RATE bytes), so
 * the walk's cost, a few microseconds, is paid rarely.
 *
 * The frames of the allocator itself are dropped: every return address
 * inside this object's text, from its ELF header to __etext (both
 * defined by the linker for the object being linked).  What is left
 * starts at the program's call to malloc, calloc, realloc or new.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <unwind.h>

extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char __etext[] __attribute__((visibility("hidden")));

struct walk {
	uintptr_t *pcs;
	int n, max;
	bool past_us;   /* left the allocator's frames */
};

static _Unwind_Reason_Code one_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct walk *w = arg;
	uintptr_t pc = (uintptr_t)_Unwind_GetIP(ctx);
	if (pc == 0)
		return _URC_END_OF_STACK;
	if (!w->past_us) {
		if (pc >= (uintptr_t)__ehdr_start && pc < (uintptr_t)__etext)
			return _URC_NO_REASON;
		w->past_us = true;
	}
	w->pcs[w->n++] = pc;
	return w->n < w->max ? _URC_NO_REASON : _URC_END_OF_STACK;
}

int cl_stack_capture(uintptr_t *pcs, int max)
{
	struct walk w = { .pcs = pcs, .max = max };
	if (max > 0)
		_Unwind_Backtrace(one_frame, &w);
	return w.n;
}
