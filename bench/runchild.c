/*
 * runchild: run one benchmark process and measure it from outside.
 *
 * usage: runchild [-o FILE] [-t SECONDS] [-p PRELOAD] [-e NAME=VALUE]... -- PROG [ARG]...
 *
 * Runs PROG with LD_PRELOAD set to PRELOAD (or removed from the
 * environment when -p is absent or "-p -"), plus any -e variables, and
 * writes one line
 *     wall_s=<s> user_s=<s> sys_s=<s> maxrss_kb=<kB> minflt=<N> majflt=<N>
 *     status=<exit:N|signal:NAME|timeout>
 * to FILE (default stderr).  Wall time is the monotonic clock around
 * fork/wait; CPU time, peak RSS and page faults (minor: served without
 * I/O, such as a first touch of an anonymous page; major: needed I/O) come
 * from wait4's rusage of the child, so they cover its whole life, set-up
 * included, and all its threads.
 * runchild itself is never preloaded, so the measured allocator only ever
 * runs in the child.  Exit status: the child's, 128+signal, or 124 on
 * timeout (the child is killed with SIGKILL).
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

static void usage(void)
{
	fputs("usage: runchild [-o FILE] [-t SECONDS] [-p PRELOAD] [-e NAME=VALUE]... -- PROG [ARG]...\n",
	      stderr);
	exit(125);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *preload = NULL;
	char *envs[64];
	int nenv = 0, opt, status = 0, rc;
	unsigned timeout = 0;
	struct sigaction sa;
	struct rusage ru;
	char how[64];
	double t0, t1;
	pid_t pid;
	FILE *f;

	while ((opt = getopt(argc, argv, "+o:t:p:e:")) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 't': timeout = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': preload = strcmp(optarg, "-") ? optarg : NULL; break;
		case 'e':
			if (nenv == 64 || !strchr(optarg, '='))
				usage();
			envs[nenv++] = optarg;
			break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;       /* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGALRM, &sa, NULL);

	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("runchild: fork");
		return 125;
	}
	if (pid == 0) {
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		else
			unsetenv("LD_PRELOAD");
		for (int i = 0; i < nenv; i++)
			putenv(envs[i]);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "runchild: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (timeout)
		alarm(timeout);
	for (;;) {
		pid_t w = wait4(pid, &status, 0, &ru);

		if (w == pid)
			break;
		if (w < 0 && errno == EINTR) {
			if (timed_out)
				kill(pid, SIGKILL);
			continue;
		}
		perror("runchild: wait4");
		return 125;
	}
	t1 = now();
	alarm(0);

	if (timed_out) {
		snprintf(how, sizeof how, "timeout");
		rc = 124;
	} else if (WIFSIGNALED(status)) {
		snprintf(how, sizeof how, "signal:%s", sigabbrev_np(WTERMSIG(status)) ?
			 sigabbrev_np(WTERMSIG(status)) : "unknown");
		rc = 128 + WTERMSIG(status);
	} else {
		snprintf(how, sizeof how, "exit:%d", WEXITSTATUS(status));
		rc = WEXITSTATUS(status);
	}

	f = out ? fopen(out, "w") : stderr;
	if (!f) {
		perror(out);
		return 125;
	}
	fprintf(f, "wall_s=%.6f user_s=%.6f sys_s=%.6f maxrss_kb=%ld minflt=%ld majflt=%ld status=%s\n",
		t1 - t0, tv(ru.ru_utime), tv(ru.ru_stime), ru.ru_maxrss,
		ru.ru_minflt, ru.ru_majflt, how);
	if (f != stderr)
		fclose(f);
	return rc;
}
