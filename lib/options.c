/*
 * options.c: CALLOC_LITE_* environment options, read once by cl_init and
 * never changed afterwards.  A bad value gets one warning line naming the
 * variable and leaves the default in place.  No allocation: getenv only.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <fcntl.h>

#ifdef HAVE_VALGRIND_MEMCHECK_H
# include <valgrind/valgrind.h>
#endif
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct cl_options cl_opt = {
	.profile_rate = 512 * 1024,
	.mmap_threshold = 256 * 1024,
	.release_threshold = 64 * 1024,
	.stats_at_exit = false,
	.stats_fd = 2,
};

static void warn(const char *name, const char *value, const char *why)
{
	struct cl_out o = { .fd = 2 };
	cl_out_str(&o, "calloc-lite: ignoring ");
	cl_out_str(&o, name);
	cl_out_str(&o, "=");
	cl_out_str(&o, value);
	cl_out_str(&o, ": ");
	cl_out_str(&o, why);
	cl_out_str(&o, "\n");
	cl_out_flush(&o);
}

/* A byte count with an optional k/K/m/M/g/G suffix, within [lo, hi]. */
static void size_option(const char *name, size_t *out, size_t lo, size_t hi)
{
	const char *v = getenv(name);
	if (!v)
		return;
	size_t n = 0;
	const char *s = v;
	if (*s < '0' || *s > '9') {
		warn(name, v, "not a number");
		return;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (SIZE_MAX - 9) / 10) {
			warn(name, v, "out of range");
			return;
		}
		n = n * 10 + (size_t)(*s - '0');
	}
	unsigned shift = 0;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	}
	if (*s) {
		warn(name, v, "not a number");
		return;
	}
	if (n > (hi >> shift) || (n << shift) < lo) {
		warn(name, v, "out of range");
		return;
	}
	*out = n << shift;
}

/* A probability: a decimal fraction in [0, 1] ("0.01", ".5", "1"), or a
 * percentage ("2.5%"), as a fraction of 2^64 (saturating at 1). */
static void chance_option(const char *name, uint64_t *out)
{
	const char *v = getenv(name);
	if (!v)
		return;
	const char *s = v;
	/* value = whole + frac / scale, in integers: at most 18 digits each. */
	uint64_t whole = 0, frac = 0, scale = 1;
	int digits = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if (whole < 1000)
			whole = whole * 10 + (uint64_t)(*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			if (scale < 1000000000000000000ull) {
				frac = frac * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
	bool percent = *s == '%';
	if (percent)
		s++;
	if (digits == 0 || *s) {
		warn(name, v, "not a probability (0.001, 0.5, 1 or 2%)");
		return;
	}
	if (percent) {   /* n% = (whole + frac/scale) / 100 */
		frac += (whole % 100) * scale;
		whole /= 100;
		if (scale <= UINT64_MAX / 100)
			scale *= 100;
		else
			frac /= 100;
	}
	if (whole > 1 || (whole == 1 && frac)) {
		warn(name, v, "out of range (0 to 1)");
		return;
	}
	if (whole == 1) {
		*out = UINT64_MAX;
		return;
	}
	/* frac / scale * 2^64, by long division one bit at a time (no
	 * 128-bit type on 32-bit targets): frac < scale < 2^60. */
	uint64_t q = 0;
	for (int i = 0; i < 64; i++) {
		frac <<= 1;
		q <<= 1;
		if (frac >= scale) {
			frac -= scale;
			q |= 1;
		}
	}
	*out = q;
}

/* p / 2^64 in millionths, rounded up (for the verbose line). */
static uint64_t ceil_millionths(uint64_t p)
{
	uint64_t hi = (p >> 32) * 1000000u, lo = (p & 0xffffffffu) * 1000000u;
	uint64_t t = hi + (lo >> 32) + ((lo & 0xffffffffu) != 0);   /* p * 10^6 / 2^32, up */
	return (t >> 32) + ((t & 0xffffffffu) != 0);
}

/* A file name (prefix): any non-empty string. */
static void path_option(const char *name, const char **out)
{
	const char *v = getenv(name);
	if (!v)
		return;
	if (!*v) {
		warn(name, v, "empty");
		return;
	}
	*out = v;
}

/* A signal: its number, or its name with or without SIG (USR2, SIGUSR2);
 * not one that cannot be caught. */
static void signal_option(const char *name, int *out)
{
	static const struct { const char *name; int sig; } known[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },
		{ "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "PROF", SIGPROF },
		{ "WINCH", SIGWINCH }, { "URG", SIGURG },
	};
	const char *v = getenv(name);
	if (!v)
		return;
	const char *s = strncmp(v, "SIG", 3) == 0 ? v + 3 : v;
	int sig = 0;
	if (*s >= '0' && *s <= '9') {
		for (; *s >= '0' && *s <= '9' && sig < 1000; s++)
			sig = sig * 10 + (*s - '0');
		if (*s)
			sig = 0;
	} else {
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strcmp(s, known[i].name) == 0)
				sig = known[i].sig;
	}
	if (sig <= 0 || sig > SIGRTMAX || sig == SIGKILL || sig == SIGSTOP) {
		warn(name, v, "not a signal that can be caught (USR2, SIGUSR2 or 12)");
		return;
	}
	*out = sig;
}

static void bool_option(const char *name, bool *out)
{
	const char *v = getenv(name);
	if (!v)
		return;
	if ((v[0] == '0' || v[0] == '1') && v[1] == 0)
		*out = v[0] == '1';
	else
		warn(name, v, "expected 0 or 1");
}

void cl_options_read(void)
{
	size_option("CALLOC_LITE_MMAP_THRESHOLD", &cl_opt.mmap_threshold,
		    32 * 1024, 1024 * 1024);
	size_option("CALLOC_LITE_TRIM_THRESHOLD", &cl_opt.release_threshold,
		    cl_geo.page, (size_t)1 << 30);
	/* Eight per CPU, as glibc has on 64-bit (jemalloc four): threads
	 * outnumber CPUs in many programs, and two threads that share an
	 * arena wait for each other whenever both refill at once.  Measured
	 * here with 16 threads on 2 CPUs (8 producer/consumer pairs): 8
	 * arenas had 1735-6800 contended acquisitions and took 2.5-2.8 s,
	 * 16 arenas 55-61 and 1.8-2.0 s.  Arenas nobody uses cost nothing. */
	cl_opt.arenas = cl_geo.ncpus < CL_ARENAS_MAX / 8 ? 8 * cl_geo.ncpus : CL_ARENAS_MAX;
	size_option("CALLOC_LITE_ARENAS", &cl_opt.arenas, 1, CL_ARENAS_MAX);
	/* Nothing smaller than a page can be given back. */
	if (cl_opt.release_threshold < cl_geo.page)
		cl_opt.release_threshold = cl_geo.page;
	bool_option("CALLOC_LITE_STATS", &cl_opt.stats_at_exit);
	path_option("CALLOC_LITE_PROFILE", &cl_opt.profile);
	size_option("CALLOC_LITE_PROFILE_RATE", &cl_opt.profile_rate, 1, (size_t)1 << 30);
	bool_option("CALLOC_LITE_PROFILE_LEAKS", &cl_opt.profile_leaks);
	signal_option("CALLOC_LITE_PROFILE_SIGNAL", &cl_opt.profile_signal);
	path_option("CALLOC_LITE_HEAP_MAP", &cl_opt.heap_map);
	bool_option("CALLOC_LITE_HUGEPAGES", &cl_opt.hugepages);
	bool_option("CALLOC_LITE_SCRIBBLE", &cl_opt.scribble);
	bool_option("CALLOC_LITE_CHECK", &cl_opt.check);
	bool_option("CALLOC_LITE_VERBOSE", &cl_opt.verbose);
	size_option("CALLOC_LITE_FAIL_AFTER", &cl_opt.fail_after, 1, SIZE_MAX >> 1);
	chance_option("CALLOC_LITE_FAIL_PROBABILITY", &cl_opt.fail_chance);
	size_t seed = 0;
	size_option("CALLOC_LITE_FAIL_SEED", &seed, 0, SIZE_MAX);
	cl_opt.fail_seed = seed;
#ifdef HAVE_VALGRIND_MEMCHECK_H
	cl_opt.valgrind = RUNNING_ON_VALGRIND;
	/* 0: let memcheck see only the allocator's own accesses (the blocks
	 * are then opaque to it, as with any mmap-based allocator). */
	bool_option("CALLOC_LITE_VALGRIND", &cl_opt.valgrind);
#endif
#ifdef CL_ASAN
	cl_opt.asan = true;
#endif
	cl_opt.debug = cl_opt.scribble || cl_opt.check || cl_opt.fail_after ||
		       cl_opt.fail_chance || cl_opt.valgrind || cl_opt.asan;
	if (cl_opt.verbose) {
		struct cl_out o = { .fd = 2 };
		cl_out_str(&o, "calloc-lite: mmap threshold ");
		cl_out_dec(&o, cl_opt.mmap_threshold);
		cl_out_str(&o, ", trim threshold ");
		cl_out_dec(&o, cl_opt.release_threshold);
		cl_out_str(&o, ", arenas up to ");
		cl_out_dec(&o, cl_opt.arenas);
		cl_out_str(&o, cl_opt.scribble ? ", scribble" : "");
		cl_out_str(&o, cl_opt.check ? ", check" : "");
		cl_out_str(&o, cl_opt.fail_after ? ", fail after " : "");
		if (cl_opt.fail_after)
			cl_out_dec(&o, cl_opt.fail_after);
		if (cl_opt.fail_chance) {   /* in millionths, rounded up */
			cl_out_str(&o, ", fail with probability ");
			cl_out_dec(&o, (size_t)ceil_millionths(cl_opt.fail_chance));
			cl_out_str(&o, "e-6 (seed ");
			cl_out_dec(&o, cl_opt.fail_seed);
			cl_out_str(&o, ")");
		}
		cl_out_str(&o, cl_opt.valgrind ? ", valgrind" : "");
		cl_out_str(&o, cl_opt.asan ? ", asan" : "");
		cl_out_str(&o, cl_opt.debug ? " (thread caches off)\n" : "\n");
		cl_out_flush(&o);
	}
	if (cl_opt.stats_at_exit || (cl_opt.profile && cl_opt.profile_leaks)) {
		int fd = fcntl(2, F_DUPFD_CLOEXEC, 10);
		if (fd >= 0)
			cl_opt.stats_fd = fd;
	}
}
