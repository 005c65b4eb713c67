/*
 * tap.c: see tap.h.  Output goes through stdio on stdout; the allocator
 * under test is never glibc's stdio buffer's (tests call custom_*).
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int planned = -1;
static int count;
static int failed;

void plan(int n)
{
	planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static int vreport(int cond, const char *fmt, va_list ap)
{
	count++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", count);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(cond, fmt, ap);
	va_end(ap);
	return cond;
}

int is_size(size_t got, size_t want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		diag("    got: %zu, expected: %zu", got, want);
	return got == want;
}

void skip(const char *fmt, ...)
{
	va_list ap;
	count++;
	printf("ok %d # SKIP ", count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void diag(const char *fmt, ...)
{
	va_list ap;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void bail(const char *fmt, ...)
{
	va_list ap;
	fputs("Bail out! ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(1);
}

int done_testing(void)
{
	if (planned < 0)
		printf("1..%d\n", count);
	else if (planned != count)
		diag("planned %d tests but ran %d", planned, count);
	fflush(stdout);
	return failed || (planned >= 0 && planned != count) ? 1 : 0;
}

const char *emulator(void)
{
	const char *e = getenv("CL_TEST_EMULATOR");
	return e && *e ? e : NULL;
}

int under_qemu(void)
{
	const char *v = getenv("CL_UNDER_QEMU");
	return emulator() != NULL || (v && *v && *v != '0');
}

const char *rss_unreliable(void)
{
	const char *e = emulator();
	if (e && strstr(e, " -p "))
		return "under qemu-user with -p, RSS is mostly the emulator's own";
	return NULL;
}

size_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, resident = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (size_t)sysconf(_SC_PAGESIZE);
}

int run_child(int (*fn)(void), const char *name, const char *value, char *err, size_t errlen)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		if (name)
			setenv(name, value, 1);
		alarm(30);
		_exit(fn());
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t r;
	while (len + 1 < errlen && (r = read(fds[0], err + len, errlen - 1 - len)) > 0)
		len += (size_t)r;
	err[len] = 0;
	for (char *c = err; *c; c++)   /* one TAP line */
		if (*c == '\n')
			*c = c[1] ? '|' : 0;
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
