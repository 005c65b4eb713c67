/*
 * arena.c: the arenas (lib/arena.c): threads get arenas of their own up
 * to the limit; a block freed by a thread of another arena goes home
 * without that arena's lock, is never lost nor merged twice, and is
 * collected by an idle arena's pushers too; wholly free chunks still go
 * back to the OS; and the lock counters say what happened.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"
#include "tap.h"
#include "pattern.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MED 40000   /* a pool block no thread cache takes */

static struct custom_lock_stats lock_kind(const char *name)
{
	struct custom_lock_stats ls[16], none = { name, 0, 0, 0 };
	size_t n = custom_malloc_lock_stats(ls, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (strcmp(ls[i].name, name) == 0)
			return ls[i];
	return none;
}

/* A thread that allocates what it is told, hands it over, and waits. */
struct maker {
	size_t n, size;
	char **blocks;
	struct cl_arena *arena;
	pthread_barrier_t *made, *go;
};

static void *make(void *arg)
{
	struct maker *m = arg;
	for (size_t i = 0; i < m->n; i++) {
		m->blocks[i] = custom_malloc(m->size);
		fill_pattern(m->blocks[i], 0, m->size, i);
	}
	m->arena = cl_tc.arena;
	pthread_barrier_wait(m->made);
	if (m->go)
		pthread_barrier_wait(m->go);
	return NULL;
}

static void test_own_arenas(void)
{
	enum { T = 3 };
	pthread_barrier_t made;
	pthread_barrier_init(&made, NULL, T + 1);
	struct maker m[T];
	char *blocks[T][4];
	pthread_t t[T];
	for (int i = 0; i < T; i++) {
		m[i] = (struct maker){ .n = 4, .size = 100, .blocks = blocks[i], .made = &made };
		pthread_create(&t[i], NULL, make, &m[i]);
	}
	pthread_barrier_wait(&made);
	bool distinct = true;
	for (int i = 0; i < T; i++) {
		distinct &= m[i].arena != NULL && m[i].arena != cl_my_arena();
		for (int j = 0; j < i; j++)
			distinct &= m[i].arena != m[j].arena;
		distinct &= cl_arena_of(cl_block_of(blocks[i][0])) == m[i].arena;
	}
	ok(distinct, "three threads running with the main one get three arenas of their own, and carve from them");
	for (int i = 0; i < T; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < T; i++)
		for (int k = 0; k < 4; k++)
			custom_free(blocks[i][k]);
	ok(lock_kind("arena").locks == cl_arena_count() && cl_arena_count() == 4,
	   "the lock counters know the %u arenas", cl_arena_count());
	pthread_barrier_destroy(&made);
}

/* The owner's lock held by main while another thread frees its blocks:
 * the frees must finish all the same. */
struct freer {
	char **blocks;
	size_t n, size;
	int done;
	size_t bad;
};

static void *free_all(void *arg)
{
	struct freer *f = arg;
	for (size_t i = 0; i < f->n; i++) {
		if (check_pattern(f->blocks[i], 0, f->size, i) != SIZE_MAX)
			f->bad++;
		custom_free(f->blocks[i]);
	}
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_remote_free(size_t size, const char *what)
{
	enum { N = 200 };
	char *blocks[N];
	pthread_barrier_t made, go;
	pthread_barrier_init(&made, NULL, 2);
	pthread_barrier_init(&go, NULL, 2);
	struct maker m = { .n = N, .size = size, .blocks = blocks, .made = &made, .go = &go };
	pthread_t owner, other;
	pthread_create(&owner, NULL, make, &m);
	pthread_barrier_wait(&made);
	struct cl_arena *a = m.arena;

	struct custom_mallinfo m0 = custom_mallinfo();
	cl_lock_take(&a->lock);   /* as if the owner were busy in its arena */
	struct freer f = { .blocks = blocks, .n = N, .size = size };
	pthread_create(&other, NULL, free_all, &f);
	int waited_ms = 0;
	while (!__atomic_load_n(&f.done, __ATOMIC_ACQUIRE) && waited_ms < 5000) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
		waited_ms++;
	}
	ok(__atomic_load_n(&f.done, __ATOMIC_ACQUIRE),
	   "%s: another thread frees 200 of them while their arena's lock is held (%d ms)", what, waited_ms);
	ok(__atomic_load_n(&a->remote, __ATOMIC_RELAXED) != NULL,
	   "%s: they wait in the arena's remote list", what);
	cl_lock_drop(&a->lock);
	pthread_join(other, NULL);
	is_size(f.bad, 0, "%s: their contents were intact", what);

	/* The next lock of the arena takes them in, each once. */
	struct custom_mallinfo m1 = custom_mallinfo();   /* locks every arena */
	ok(__atomic_load_n(&a->remote, __ATOMIC_RELAXED) == NULL,
	   "%s: taking the arena's lock collects the remote list", what);
	ok(m1.in_use + (size_t)N * cl_request_to_bsize(size) <= m0.in_use + (size_t)N * 16 ||
	   size <= CL_SMALL_REQ_MAX,
	   "%s: and gives the blocks back to the pool (in use %zu -> %zu)", what, m0.in_use, m1.in_use);
	is_size((size_t)cl_heap_check(), 0, "%s: heap check clean (nothing merged twice)", what);
	pthread_barrier_wait(&go);
	pthread_join(owner, NULL);
	pthread_barrier_destroy(&made);
	pthread_barrier_destroy(&go);
}

/* What another thread frees into an arena whose threads are gone is
 * collected by the freeing thread itself past a bound, and wholly free
 * chunks of that arena go back to the OS. */
static void test_idle_arena(void)
{
	enum { N = 800 };   /* 32 MB of MED blocks: eight chunks */
	static char *blocks[N];
	pthread_barrier_t made;
	pthread_barrier_init(&made, NULL, 2);
	struct maker m = { .n = N, .size = MED, .blocks = blocks, .made = &made };
	pthread_t t;
	size_t chunks0 = custom_mallinfo().chunks;
	pthread_create(&t, NULL, make, &m);
	pthread_barrier_wait(&made);
	pthread_join(t, NULL);   /* its arena has no thread now */
	struct cl_arena *a = m.arena;
	chunks0 = custom_mallinfo().chunks - a->nchunks;
	ok(a->nchunks >= 8 && cl_arena_of(cl_block_of(blocks[0])) == a,
	   "a thread filled %zu chunks of its arena and exited", a->nchunks);
	size_t most = 0;
	for (int i = 0; i < N; i++) {
		custom_free(blocks[i]);
		size_t r = (size_t)__atomic_load_n(&a->remote_bytes, __ATOMIC_RELAXED);
		if (r > most)
			most = r;
	}
	ok(most < (2u << 20), "the frees never left more than 2 MiB waiting for the idle arena (%zu KiB)",
	   most / 1024);
	ok(custom_mallinfo().chunks <= chunks0 + 3,
	   "its wholly free chunks went back to the OS (%zu chunks, %zu before)", custom_mallinfo().chunks, chunks0);
	is_size((size_t)cl_heap_check(), 0, "heap check clean");
	pthread_barrier_destroy(&made);
}

/* Two threads of their own arenas that share nothing: no lock of theirs
 * is ever contended, and they take their arenas' locks only to refill
 * and flush, not per call. */
static void *churn(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	void *ring[256] = { 0 };
	for (int i = 0; i < 200000; i++) {
		unsigned k = (unsigned)(xorshift(&s) % 256);
		custom_free(ring[k]);
		ring[k] = custom_malloc(16 + xorshift(&s) % 500);
	}
	for (int k = 0; k < 256; k++)
		custom_free(ring[k]);
	return NULL;
}

static void test_share_nothing(void)
{
	struct custom_lock_stats l0 = lock_kind("arena");
	pthread_t t1, t2;
	pthread_create(&t1, NULL, churn, (void *)(uintptr_t)11);
	pthread_create(&t2, NULL, churn, (void *)(uintptr_t)22);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	struct custom_lock_stats l1 = lock_kind("arena");
	ok(l1.contended == l0.contended,
	   "two threads of their own arenas, 800000 calls: no arena lock contended (%zu)", l1.contended - l0.contended);
	ok(l1.acquired - l0.acquired < 800000 / 20,
	   "and arena locks taken on fewer than 1 call in 20 (%zu)", l1.acquired - l0.acquired);
}

/* Contention is counted: a lock held by one thread when another asks. */
static void *take_arena0(void *arg)
{
	(void)arg;
	cl_arena_lock(cl_arenas[0]);
	cl_arena_unlock(cl_arenas[0]);
	return NULL;
}

static void test_contention_counted(void)
{
	struct custom_lock_stats l0 = lock_kind("arena");
	cl_arena_lock(cl_arenas[0]);
	pthread_t t;
	pthread_create(&t, NULL, take_arena0, NULL);
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);   /* it is waiting now */
	cl_arena_unlock(cl_arenas[0]);
	pthread_join(t, NULL);
	struct custom_lock_stats l1 = lock_kind("arena");
	ok(l1.contended == l0.contended + 1 && l1.acquired == l0.acquired + 2,
	   "a lock asked for while held counts one contended acquisition (%zu, %zu)",
	   l1.contended - l0.contended, l1.acquired - l0.acquired);
	struct custom_lock_stats all[8];
	size_t kinds = custom_malloc_lock_stats(all, 8);
	ok(kinds >= 3 && custom_malloc_lock_stats(NULL, 0) == kinds,
	   "custom_malloc_lock_stats reports %zu kinds, also when asked for none", kinds);
	ok(strcmp(all[0].name, "arena") == 0 && lock_kind("reserve").locks == 1 && lock_kind("threads").locks == 1,
	   "named arena, reserve and threads");
}

int main(void)
{
	/* Room for an arena per thread here, whatever the CPUs. */
	setenv("CALLOC_LITE_ARENAS", "4", 1);
	cl_init();
	if (cl_opt.debug) {
		skip("arenas: a checking mode frees every block under its arena's lock");
		return done_testing();
	}
	custom_free(custom_malloc(1));   /* this thread's cache: arena 0 */
	test_own_arenas();
	test_remote_free(MED, "40000-byte blocks");
	test_remote_free(100, "100-byte blocks");
	test_idle_arena();
	test_share_nothing();
	test_contention_counted();
	custom_malloc_trim(0);
	is_size((size_t)cl_heap_check(), 0, "heap check clean at the end");
	return done_testing();
}
