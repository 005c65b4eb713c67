/*
 * tap.h: a minimal TAP producer for the test programs (one plan per
 * program, as Automake's tap-driver.sh expects).
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#ifndef CL_TAP_H
#define CL_TAP_H 1

#include <stddef.h>

/* Announce N tests, or call done_testing() at the end instead. */
void plan(int n);
/* Prints "ok N - desc" or "not ok N - desc"; returns cond. */
int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ok(a == b) with both values shown on failure. */
int is_size(size_t got, size_t want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "ok N # SKIP why": a check that does not apply in this build or mode. */
void skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A comment line ("# ..."). */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Stop with "Bail out!" (exit 1). */
void bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Prints the plan if none was given; returns the exit status. */
int done_testing(void);

/* The emulator this program runs under, as the test harness of a cross
 * build names it in CL_TEST_EMULATOR (for example "qemu-aarch64 -p 65536"),
 * or NULL when it runs natively.  Heavy tests do fewer rounds under it, and
 * a check of kernel behaviour the emulator does not reproduce skips, naming
 * the emulator and what it lacks. */
const char *emulator(void);
/* Whether the program runs under qemu-user: emulator() names one, or
 * CL_UNDER_QEMU=1 (for a program run by hand under qemu).  The kernel's
 * limits, page advice and a fork of a threaded process then concern the
 * emulator, not the program, and the tests of those skip, saying so. */
int under_qemu(void);

/* Resident set size of this process in bytes, from /proc/self/statm. */
size_t rss_bytes(void);
/* Why rss_bytes() does not measure the program's own memory, or NULL.
 * Under qemu-user given its own page size (-p) the emulator's memory
 * moves RSS by megabytes: in tests/pool, 10 MiB stayed resident after the
 * program had unmapped every byte it mapped (custom_mallinfo: 0). */
const char *rss_unreliable(void);

/* Run fn in a child process, with NAME=VALUE in its environment unless
 * name is NULL; its stderr is kept in err, newlines folded to '|'.
 * Returns its exit status, or 128 + the signal that ended it. */
int run_child(int (*fn)(void), const char *name, const char *value, char *err, size_t errlen);

#endif
