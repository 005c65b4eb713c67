/*
 * profile-prog: programs whose heap profiles tests/profile.sh reads back
 * with google-pprof.  Linked like a user's program (with the shared
 * library), so that its stacks are the ones a user gets.  The allocating
 * functions are noinline and named for what the profile must show.
 *
 *   profile-prog two       100 MiB from hundred_mib(), 1 MiB from one_mib(),
 *                          kept to the end (the exit profile)
 *   profile-prog churn     10^6 allocations freed at once from hot_site(),
 *                          a few kept from cold_site()
 *   profile-prog fork      the parent allocates from parent_site(), forks;
 *                          the child allocates from child_site()
 *   profile-prog threads   4 threads allocate from thread_site(), each 8 MiB
 *   profile-prog short     2000 threads one after the other, each allocates
 *                          16 x 64 B from short_site() and frees them
 *   profile-prog dumps DIR 4 threads allocate and each dumps 5 profiles to
 *                          DIR/t<i>-<k>.heap at once
 *   profile-prog leaks     10 MiB from leak_site() kept, 10 MiB from
 *                          freed_site() freed
 *   profile-prog signal    raises the signal of CALLOC_LITE_PROFILE_SIGNAL
 *   profile-prog off       custom_malloc_profile_dump when not profiling
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include <calloc-lite.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Not inlined, cloned or split: each is a frame of its own name. */
#define NOINLINE static __attribute__((noipa))

static void *keep[40000];
static int nkeep;

/* Keep p (not inlined: the sites' frames are theirs alone). */
static __attribute__((noinline)) void must(void *p)
{
	if (!p) {
		perror("custom_malloc");
		exit(3);
	}
	memset(p, 1, 64);
	keep[nkeep++] = p;
}

NOINLINE void hundred_mib(void)
{
	for (int i = 0; i < 100; i++) {
		void *p = custom_malloc(1 << 20);
		must(p);
	}
}

NOINLINE void one_mib(void)
{
	for (int i = 0; i < 16384; i++) {
		void *p = custom_malloc(64);
		must(p);
	}
}

NOINLINE void hot_site(void)
{
	for (int i = 0; i < 1000000; i++) {
		volatile char *p = custom_malloc(100);
		p[0] = 1;
		custom_free((void *)p);
	}
}

NOINLINE void cold_site(void)
{
	for (int i = 0; i < 10; i++) {
		void *p = custom_malloc(100);
		must(p);
	}
}

NOINLINE void parent_site(void)
{
	for (int i = 0; i < 64; i++) {
		void *p = custom_malloc(1 << 16);
		must(p);
	}
}

NOINLINE void child_site(void)
{
	for (int i = 0; i < 64; i++) {
		void *p = custom_malloc(1 << 16);
		must(p);
	}
}

static pthread_mutex_t keep_lock = PTHREAD_MUTEX_INITIALIZER;

NOINLINE void *thread_site(void *arg)
{
	(void)arg;
	for (int i = 0; i < 128; i++) {
		void *p = custom_malloc(1 << 16);
		pthread_mutex_lock(&keep_lock);
		must(p);
		pthread_mutex_unlock(&keep_lock);
	}
	return NULL;
}

/* One of many short threads: a few small blocks each, not enough for a
 * sample in most threads, so that the estimate is right only if every
 * thread draws its own sampling intervals. */
NOINLINE void *short_site(void *arg)
{
	void *p[16];
	(void)arg;
	for (int i = 0; i < 16; i++) {
		p[i] = custom_malloc(64);
		memset(p[i], 2, 64);
	}
	for (int i = 0; i < 16; i++)
		custom_free(p[i]);
	return NULL;
}

static const char *dump_dir;

static void *dumper(void *arg)
{
	int id = (int)(intptr_t)arg;
	char path[4096];
	for (int k = 0; k < 5; k++) {
		void *p = custom_malloc(1 << 16);
		snprintf(path, sizeof path, "%s/t%d-%d.heap", dump_dir, id, k);
		if (custom_malloc_profile_dump(path) != 0) {
			perror(path);
			exit(4);
		}
		custom_free(p);
	}
	return NULL;
}

NOINLINE void leak_site(void)
{
	for (int i = 0; i < 160; i++) {
		void *p = custom_malloc(1 << 16);
		must(p);
	}
}

NOINLINE void freed_site(void)
{
	void *p[160];
	for (int i = 0; i < 160; i++)
		p[i] = custom_malloc(1 << 16);
	for (int i = 0; i < 160; i++)
		custom_free(p[i]);
}

static void run_threads(void *(*fn)(void *), int n)
{
	pthread_t t[8];
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)(intptr_t)i) != 0)
			exit(5);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "two") == 0) {
		hundred_mib();
		one_mib();
	} else if (strcmp(mode, "churn") == 0) {
		hot_site();
		cold_site();
	} else if (strcmp(mode, "fork") == 0) {
		parent_site();
		pid_t pid = fork();
		if (pid < 0)
			return 6;
		if (pid == 0) {
			child_site();
			exit(0);   /* the child's exit profile: its own file */
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return 7;
		printf("child %d\n", (int)pid);
	} else if (strcmp(mode, "threads") == 0) {
		run_threads(thread_site, 4);
	} else if (strcmp(mode, "short") == 0) {
		for (int i = 0; i < 2000; i++) {
			pthread_t t;
			if (pthread_create(&t, NULL, short_site, NULL) != 0)
				return 5;
			pthread_join(t, NULL);
		}
	} else if (strcmp(mode, "dumps") == 0 && argc > 2) {
		dump_dir = argv[2];
		run_threads(dumper, 4);
	} else if (strcmp(mode, "leaks") == 0) {
		leak_site();
		freed_site();
	} else if (strcmp(mode, "signal") == 0) {
		parent_site();
		raise(atoi(argc > 2 ? argv[2] : "12"));
		custom_free(custom_malloc(100));   /* a dump held back happens here */
	} else if (strcmp(mode, "off") == 0) {
		errno = 0;
		int r = custom_malloc_profile_dump("/dev/null");
		printf("dump %d errno %s\n", r, errno == ENOTSUP ? "ENOTSUP" : strerror(errno));
	} else {
		fprintf(stderr, "usage: profile-prog two|churn|fork|threads|dumps DIR|leaks|signal N|off\n");
		return 2;
	}
	printf("pid %d\n", (int)getpid());
	return 0;
}
