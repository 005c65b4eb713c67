/*
 * threads.c: the allocator under several threads (lib/tcache.c and the
 * pool's lock): blocks allocated in one thread and freed or reallocated in
 * another, and thousands of short-lived threads whose caches must go back
 * to the pool when they exit.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calloc-lite.h"
#include "internal.h"
#include "tap.h"
#include "pattern.h"

static int under_valgrind;


static size_t errors_corrupt, errors_alloc, errors_zero;

static void bump(size_t *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Part 1: blocks passed between threads through shared slots.         */

struct slot {
	unsigned char *p;
	size_t n;
	uint64_t seed;
};

enum { N_SHARED = 1024 };
static struct slot shared[N_SHARED];
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;

struct worker_arg {
	unsigned id;
	size_t ops;
};

static size_t stress_size(uint64_t *s)
{
	uint64_t r = xorshift(s);
	unsigned k = (unsigned)(r % 1000);
	r >>= 10;
	if (k < 2)
		return (256u << 10) + r % (768u << 10);
	if (k < 20)
		return 33000 + r % 170000;
	if (k < 150)
		return 2048 + r % 30000;
	return r % 2048;
}

static void verify_and_free(struct slot *b)
{
	if (check_pattern(b->p, 0, b->n, b->seed) != SIZE_MAX)
		bump(&errors_corrupt);
	custom_free(b->p);
}

static void *stress_worker(void *varg)
{
	struct worker_arg *arg = varg;
	uint64_t s = mix(arg->id + 1) | 1;
	uint64_t gen = 0;
	void *local[32] = { 0 };

	for (size_t op = 0; op < arg->ops; op++) {
		uint64_t r = xorshift(&s);
		struct slot mine = { NULL, 0, 0 };
		if (r % 4) {
			size_t n = stress_size(&s);
			bool zero = r % 16 == 1;
			mine.p = zero ? custom_calloc(1, n) : custom_malloc(n);
			if (!mine.p) {
				bump(&errors_alloc);
			} else {
				if (zero && first_nonzero(mine.p, n) != SIZE_MAX)
					bump(&errors_zero);
				mine.n = n;
				mine.seed = mix(((uint64_t)arg->id << 48) ^ ++gen);
				fill_pattern(mine.p, 0, n, mine.seed);
			}
		}
		/* Swap with a shared slot: the block taken out was most often
		 * allocated by another thread. */
		size_t i = (size_t)((r >> 20) % N_SHARED);
		pthread_mutex_lock(&shared_lock);
		struct slot old = shared[i];
		shared[i] = mine;
		pthread_mutex_unlock(&shared_lock);
		if (old.p) {
			if ((r >> 40) % 8 == 0) {
				/* Realloc a foreign block, then free it.  Not to
				 * size 0, which would free it already. */
				size_t m = stress_size(&s) + 1;
				if (check_pattern(old.p, 0, old.n, old.seed) != SIZE_MAX)
					bump(&errors_corrupt);
				unsigned char *q = custom_realloc(old.p, m);
				if (!q) {
					bump(&errors_alloc);
				} else {
					old.p = q;
					old.n = m < old.n ? m : old.n;
				}
			}
			verify_and_free(&old);
		}
		/* Some purely local churn for the thread cache. */
		unsigned j = (unsigned)((r >> 50) % 32);
		custom_free(local[j]);
		local[j] = custom_malloc((r >> 30) % 300);
	}
	for (unsigned j = 0; j < 32; j++)
		custom_free(local[j]);
	return NULL;
}

static void stress(unsigned n_threads, size_t ops)
{
	pthread_t t[8];
	struct worker_arg args[8];

	for (unsigned i = 0; i < n_threads; i++) {
		args[i].id = n_threads * 100 + i;
		args[i].ops = ops;
		if (pthread_create(&t[i], NULL, stress_worker, &args[i]))
			bail("pthread_create failed");
	}
	for (unsigned i = 0; i < n_threads; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; i < N_SHARED; i++)
		if (shared[i].p) {
			verify_and_free(&shared[i]);
			shared[i].p = NULL;
		}
	is_size(errors_corrupt, 0, "%u threads, %zu ops each, cross-thread frees: contents intact",
		n_threads, ops);
	is_size(errors_alloc, 0, "%u threads: no allocation failed", n_threads);
	is_size(errors_zero, 0, "%u threads: calloc'd blocks were zero", n_threads);
	is_size((size_t)cl_heap_check(), 0, "%u threads: heap check clean after join", n_threads);
	errors_corrupt = errors_alloc = errors_zero = 0;
}

/* ------------------------------------------------------------------ */
/* Part 2: thread churn.  Exited threads must hand their caches back.   */

enum { CHURN_BLOCKS = 100, CHURN_HANDOFF = 8, MAX_CONCURRENT = 8 };
static struct slot handoff[MAX_CONCURRENT * CHURN_HANDOFF];
static size_t n_handoff;
static pthread_mutex_t handoff_lock = PTHREAD_MUTEX_INITIALIZER;

static void *churn_worker(void *varg)
{
	uint64_t s = mix((uintptr_t)varg) | 1;
	struct slot b[CHURN_BLOCKS];

	for (unsigned i = 0; i < CHURN_BLOCKS; i++) {
		uint64_t r = xorshift(&s);
		size_t n = r % 8 == 0 ? (r >> 8) % 32000 : (r >> 8) % 1024;
		b[i].p = custom_malloc(n);
		b[i].n = n;
		b[i].seed = mix(r);
		if (!b[i].p)
			bump(&errors_alloc);
		else
			fill_pattern(b[i].p, 0, n, b[i].seed);
	}
	/* Free all but CHURN_HANDOFF, in a scrambled order. */
	for (unsigned k = 0; k < CHURN_BLOCKS - CHURN_HANDOFF; k++) {
		unsigned i = (k * 37u) % (CHURN_BLOCKS - CHURN_HANDOFF);
		if (b[i].p)
			verify_and_free(&b[i]);
	}
	pthread_mutex_lock(&handoff_lock);
	for (unsigned i = CHURN_BLOCKS - CHURN_HANDOFF; i < CHURN_BLOCKS; i++)
		if (b[i].p)
			handoff[n_handoff++] = b[i];
	pthread_mutex_unlock(&handoff_lock);
	return NULL;
}

static void churn(size_t total)
{
	uint64_t s = 0x1234567;
	size_t created = 0, half = total / 2;
	size_t peak_first = 0, peak = 0;   /* of the first half, of all */
	pthread_t t[MAX_CONCURRENT];

	while (created < total) {
		size_t k = 2 + (size_t)(xorshift(&s) % (MAX_CONCURRENT - 1));
		if (k > total - created)
			k = total - created;
		for (size_t i = 0; i < k; i++)
			if (pthread_create(&t[i], NULL, churn_worker, (void *)(uintptr_t)(created + i + 1)))
				bail("pthread_create failed after %zu threads", created + i);
		for (size_t i = 0; i < k; i++)
			pthread_join(t[i], NULL);
		created += k;
		for (size_t i = 0; i < n_handoff; i++)
			verify_and_free(&handoff[i]);
		n_handoff = 0;
		size_t m = custom_mallinfo().mapped;
		if (m > peak)
			peak = m;
		if (created <= half && m > peak_first)
			peak_first = m;
	}
	size_t mapped_end = custom_mallinfo().mapped;
	is_size(errors_corrupt, 0, "churn of %zu threads: contents intact", total);
	is_size(errors_alloc, 0, "churn: no allocation failed");
	/* Each arena the threads used may keep a chunk its orphaned caches'
	 * blocks hold and a spare (its pages given back), and the reserve
	 * one more: more than that after 1000 threads would be a leak. */
	size_t arenas = cl_arena_count(), bound = (2 * arenas + 2) * cl_geo.chunk;
	ok(mapped_end <= bound, "churn: mapped after %zu threads is %zu (<= %zu: 2 chunks for each of %zu arenas, and 2; peak %zu)",
	   total, mapped_end, bound, arenas, peak);
	/* Threads spread over the arenas, so what is mapped moves up and
	 * down by a chunk or two; a leak would make it climb. */
	ok(peak <= peak_first + 4 * cl_geo.chunk,
	   "churn: mapped not growing (at most %zu in the first %zu threads, %zu in all %zu)",
	   peak_first, half, peak, total);

	custom_malloc_trim(0);
	struct custom_mallinfo mi = custom_mallinfo();
	ok(mi.mapped < ((size_t)32 << 20), "after trim, mapped is %zu (< 32 MiB)", mi.mapped);
	is_size(mi.in_use, 0, "after everything is freed and trimmed, nothing is in use "
		"(exited threads handed their caches back)");
	is_size((size_t)cl_heap_check(), 0, "heap check clean after the churn");
}

int main(void)
{
	under_valgrind = getenv("CL_UNDER_VALGRIND") && atoi(getenv("CL_UNDER_VALGRIND"));

	stress(2, under_valgrind ? 5000 : 100000);
	stress(4, under_valgrind ? 3000 : 50000);
	/* Start the churn from a trimmed heap: what the main thread's cache
	 * still holds from the stress would pin chunks that the churn's own
	 * bound should not count. */
	custom_malloc_trim(0);
	diag("mapped before the churn: %zu", custom_mallinfo().mapped);
	/* qemu-user takes about 2 ms to start a thread: a quarter of them. */
	churn(under_valgrind ? 400 : emulator() ? 1000 : 4000);
	return done_testing();
}
