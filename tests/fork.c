/*
 * fork.c: fork in a multi-threaded program (lib/init.c's atfork handlers,
 * the pool lock and the thread caches).  Four threads allocate and free
 * while the main thread forks; each child must find a usable, consistent
 * heap.  A child that deadlocks dies of SIGALRM and counts as a failure.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calloc-lite.h"
#include "internal.h"
#include "tap.h"
#include "pattern.h"

static int under_valgrind;

/* ------------------------------------------------------------------ */
/* The parent's background threads: allocate and free until told to    */
/* stop, so that forks happen while they hold locks and caches.         */

static volatile int stop;
static size_t thread_errors;

struct block {
	unsigned char *p;
	size_t n;
	uint64_t seed;
};

static size_t busy_size(uint64_t *s)
{
	uint64_t r = xorshift(s);
	switch (r % 512) {
	case 0:
		return (256u << 10) + (r >> 8) % (512u << 10); /* large */
	case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8:
		return 33000 + (r >> 8) % 100000;           /* pool */
	default:
		return (r >> 8) % 1500;                      /* cached */
	}
}

static void *busy(void *arg)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1) | 1;
	struct block b[64] = { { 0 } };
	uint64_t gen = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		unsigned i = (unsigned)(xorshift(&s) % 64);
		if (b[i].p) {
			if (check_pattern(b[i].p, 0, b[i].n, b[i].seed) != SIZE_MAX)
				__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
			custom_free(b[i].p);
		}
		b[i].n = busy_size(&s);
		b[i].seed = ((uint64_t)(uintptr_t)arg << 56) ^ ++gen;
		b[i].p = custom_malloc(b[i].n);
		if (!b[i].p)
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
		else
			fill_pattern(b[i].p, 0, b[i].n, b[i].seed);
		/* Valgrind runs one thread at a time: leave the forking thread
		 * and its children some of it. */
		if (under_valgrind && gen % 32 == 0) {
			struct timespec nap = { 0, 2000000 };
			nanosleep(&nap, NULL);
		}
	}
	for (unsigned i = 0; i < 64; i++) {
		if (b[i].p && check_pattern(b[i].p, 0, b[i].n, b[i].seed) != SIZE_MAX)
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
		custom_free(b[i].p);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The child: only async-signal-safe calls besides the allocator.        */

enum {
	CHILD_OK = 0,
	CHILD_INHERITED = 1, /* a block allocated before the fork changed */
	CHILD_CONTENT = 2,   /* a block allocated in the child changed */
	CHILD_ALLOC = 3,     /* an allocation failed */
	CHILD_HEAP = 4,      /* cl_heap_check found faults */
	CHILD_ZERO = 5,      /* calloc'd memory not zero */
	CHILD_THREAD = 6,    /* a thread in the child failed */
};

static const char *child_status_name(int st)
{
	static const char *names[] = { "ok", "inherited block changed",
		"child block changed", "allocation failed", "heap check failed",
		"calloc not zero", "thread in child failed" };
	return st >= 0 && st <= CHILD_THREAD ? names[st] : "unknown";
}

static struct block inherited[3];

static int child_work_once(uint64_t seed)
{
	static const size_t sizes[] = { 24, 200, 1000, 5000, 20000,     /* cached */
					40000, 100000, 200000,          /* pool */
					300000, 1u << 20 };             /* large */
	enum { NS = sizeof sizes / sizeof sizes[0], REP = 4 };
	struct block b[NS * REP];
	int n = 0;

	for (int r = 0; r < REP; r++)
		for (int k = 0; k < NS; k++) {
			size_t sz = sizes[k] + (size_t)r * 8;
			bool zero = (r + k) % 3 == 0;
			unsigned char *p = zero ? custom_calloc(1, sz) : custom_malloc(sz);
			if (!p)
				return CHILD_ALLOC;
			if (zero && first_nonzero(p, sz) != SIZE_MAX)
				return CHILD_ZERO;
			b[n].p = p;
			b[n].n = sz;
			b[n].seed = seed + (uint64_t)n;
			fill_pattern(p, 0, sz, b[n].seed);
			n++;
		}
	/* Grow some of them, then free all in a scrambled order. */
	for (int i = 0; i < n; i += 5) {
		unsigned char *q = custom_realloc(b[i].p, b[i].n * 2);
		if (!q)
			return CHILD_ALLOC;
		if (check_pattern(q, 0, b[i].n, b[i].seed) != SIZE_MAX)
			return CHILD_CONTENT;
		fill_pattern(q, b[i].n, b[i].n * 2, b[i].seed);
		b[i].p = q;
		b[i].n *= 2;
	}
	for (int k = 0; k < n; k++) {
		int i = (k * 7) % n;
		if (check_pattern(b[i].p, 0, b[i].n, b[i].seed) != SIZE_MAX)
			return CHILD_CONTENT;
		custom_free(b[i].p);
	}
	return CHILD_OK;
}

static void *child_thread(void *arg)
{
	return (void *)(intptr_t)child_work_once((uintptr_t)arg);
}

static int child_main(unsigned round)
{
	/* Blocks the parent allocated before fork are ours too. */
	for (int i = 0; i < 3; i++) {
		if (check_pattern(inherited[i].p, 0, inherited[i].n, inherited[i].seed) != SIZE_MAX)
			return CHILD_INHERITED;
		custom_free(inherited[i].p);
	}
	int st = child_work_once(0xc0ffee00ull + round);
	if (st != CHILD_OK)
		return st;
	/* A thread started in the child gets a working cache.  Not in an
	 * AddressSanitizer build: there the new thread's start-up frees
	 * through ASan's own allocator, whose lock a parent thread may have
	 * held at the fork (GCC 12's runtime does not take it around fork),
	 * and the child hangs in ASan, not in us. */
#ifdef CL_ASAN
	if (cl_heap_check() != 0)
		return CHILD_HEAP;
	return CHILD_OK;
#endif
	/* Nor under qemu-user 7.2 (Debian 12): a thread created in the child of
	 * a multi-threaded parent stops the emulator on its own assertion
	 * (plugins/core.c: qemu_plugin_vcpu_init_hook), with glibc's malloc as
	 * much as with ours; main() reports the check as skipped. */
	if (emulator()) {
		if (cl_heap_check() != 0)
			return CHILD_HEAP;
		return CHILD_OK;
	}
	pthread_t t;
	void *ret;
	if (pthread_create(&t, NULL, child_thread, (void *)(uintptr_t)(round + 1000)) != 0)
		return CHILD_THREAD;
	pthread_join(t, &ret);
	if ((intptr_t)ret != CHILD_OK)
		return CHILD_THREAD;
	if (cl_heap_check() != 0)
		return CHILD_HEAP;
	return CHILD_OK;
}

int main(void)
{
	under_valgrind = getenv("CL_UNDER_VALGRIND") && atoi(getenv("CL_UNDER_VALGRIND"));
	unsigned child_timeout = under_valgrind ? 120 : 60; /* loaded CI machines, ASan */
	enum { THREADS = 4 };
	const unsigned FORKS = under_valgrind ? 5 : 20;
	pthread_t t[THREADS];

	/* If the parent itself deadlocks, die rather than hang the suite. */
	alarm(under_valgrind ? 1200 : 120);

	static const size_t inherited_sizes[3] = { 100, 70000, 600000 };
	for (int i = 0; i < 3; i++) {
		inherited[i].n = inherited_sizes[i];
		inherited[i].seed = 0xabc0 + (uint64_t)i;
		inherited[i].p = custom_malloc(inherited[i].n);
		if (!inherited[i].p)
			bail("malloc(%zu) failed", inherited[i].n);
		fill_pattern(inherited[i].p, 0, inherited[i].n, inherited[i].seed);
	}

	for (uintptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, busy, (void *)i))
			bail("pthread_create failed");

	uint64_t s = 0x5151;
	int good_children = 0;
	for (unsigned round = 0; round < FORKS; round++) {
		/* Let the threads get going, then fork at a random moment. */
		struct timespec ts = { 0, (long)(1000000 + xorshift(&s) % 4000000) };
		nanosleep(&ts, NULL);
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0)
			bail("fork failed: %s", strerror(errno));
		if (pid == 0) {
			alarm(child_timeout); /* a deadlock ends in SIGALRM */
			_exit(child_main(round));
		}
		int status;
		pid_t w;
		do
			w = waitpid(pid, &status, 0);
		while (w < 0 && errno == EINTR);
		if (w != pid) {
			ok(0, "fork %u: waitpid failed", round);
		} else if (WIFEXITED(status)) {
			int st = WEXITSTATUS(status);
			if (ok(st == 0, "fork %u: child allocated, freed and checked the heap", round))
				good_children++;
			else
				diag("child exited %d: %s", st, child_status_name(st));
		} else if (WIFSIGNALED(status)) {
			ok(0, "fork %u: child killed by signal %d%s", round, WTERMSIG(status),
			   WTERMSIG(status) == SIGALRM ? " (deadlock: timed out)" : "");
		} else {
			ok(0, "fork %u: child ended strangely (status %#x)", round, status);
		}
	}

	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	is_size((size_t)good_children, FORKS, "all %u children exited 0", FORKS);
	if (emulator())
		skip("a thread started in each child: %s cannot start one after a "
		     "multi-threaded parent forked", emulator());
	is_size(thread_errors, 0, "the parent's threads saw no corruption or failure");

	int inherited_ok = 1;
	for (int i = 0; i < 3; i++) {
		if (check_pattern(inherited[i].p, 0, inherited[i].n, inherited[i].seed) != SIZE_MAX)
			inherited_ok = 0;
		custom_free(inherited[i].p);
	}
	ok(inherited_ok, "the parent's blocks are unchanged by what the children did");
	is_size((size_t)cl_heap_check(), 0, "heap check clean in the parent");
	alarm(0);
	return done_testing();
}
