/*
 * error.c: the one way misuse is reported: a single line on stderr naming
 * the program, the function and the fault, then abort().  Never allocates.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

void cl_fatal(const char *func, const char *fault, const void *p)
{
	struct cl_out o = { .fd = 2 };
	cl_out_str(&o, "calloc-lite: ");
	cl_out_str(&o, func);
	cl_out_str(&o, "(): ");
	cl_out_str(&o, fault);
	cl_out_str(&o, " ");
	cl_out_hex(&o, (uintptr_t)p);
	cl_out_str(&o, " (");
	cl_out_str(&o, program_invocation_short_name);
	cl_out_str(&o, ", pid ");
	cl_out_dec(&o, (size_t)getpid());
	cl_out_str(&o, ")\n");
	cl_out_flush(&o);
	abort();
}
