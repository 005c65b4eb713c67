/*
 * arena.c: the arenas, and how threads and blocks find theirs.
 *
 * There is no lock that every thread takes.  Each arena has its own lock,
 * chunks, free lists, central lists, orphaned caches and large-mapping
 * cache (struct cl_arena).  A thread is given an arena when its cache
 * starts: the one with the fewest live threads, or a new one while there
 * are fewer than the limit (eight per CPU this process may run on, or
 * CALLOC_LITE_ARENAS); a single-threaded program has arena 0 only, which
 * is static.  The thread keeps it to the end, so its blocks lie together
 * in its arena's chunks whatever CPU it runs on.
 *
 * A block belongs to the arena of its chunk, and goes home there.  A
 * thread that frees another arena's block does not take that arena's lock:
 * it pushes the block (or a batch of them) onto the arena's remote list
 * with a compare-and-swap, and the next thread to take that arena's lock
 * collects the whole list with one exchange and frees each block in the
 * arena as its owner would (cl_arena_collect).  If the list grows past
 * REMOTE_COLLECT bytes, the pusher collects it itself when the lock is
 * free: an arena whose threads are gone does not pin what others freed.
 *
 * Lock order: cl_threads_lock, then an arena's lock, then cl_reserve_lock.
 * A thread never waits for a second arena's lock while it holds one (it
 * may try).
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <string.h>

static struct cl_arena arena0;
struct cl_arena *cl_arenas[CL_ARENAS_MAX] = { &arena0 };
unsigned cl_narenas = 1;
unsigned cl_live_caches;
struct cl_lock cl_threads_lock = CL_LOCK_INIT;

/* Remote frees past this many bytes are collected by the pusher, if the
 * arena's lock is free. */
#define REMOTE_COLLECT ((ptrdiff_t)1 << 20)

static void arena_setup(struct cl_arena *a, unsigned index)
{
	static const pthread_mutex_t adaptive = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
	a->lock.mutex = adaptive;
	a->index = index;
	cl_central_init(a);
	cl_lock_register(&a->lock, CL_LOCK_ARENA);
}

void cl_arena_init(void)
{
	arena_setup(&arena0, 0);
	cl_lock_register(&cl_threads_lock, CL_LOCK_THREADS);
	cl_lock_register(&cl_reserve_lock, CL_LOCK_RESERVE);
}

/* A new arena, mapped (its pages are zero); cl_threads_lock held. */
static struct cl_arena *arena_new(void)
{
	unsigned n = cl_narenas;
	struct cl_arena *a = cl_os_map(cl_align_up(sizeof *a, cl_geo.page));
	if (!a)
		return NULL;
	arena_setup(a, n);
	__atomic_store_n(&cl_arenas[n], a, __ATOMIC_RELEASE);
	__atomic_store_n(&cl_narenas, n + 1, __ATOMIC_RELEASE);
	return a;
}

struct cl_arena *cl_arena_attach(void)
{
	cl_lock_take(&cl_threads_lock);
	struct cl_arena *best = cl_arenas[0];
	for (unsigned i = 1; i < cl_narenas; i++)
		if (cl_arenas[i]->threads < best->threads)
			best = cl_arenas[i];
	if (best->threads > 0 && cl_narenas < cl_opt.arenas) {
		struct cl_arena *a = arena_new();
		if (a)
			best = a;
	}
	__atomic_store_n(&best->threads, best->threads + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&cl_live_caches, cl_live_caches + 1, __ATOMIC_RELAXED);
	cl_lock_drop(&cl_threads_lock);
	return best;
}

void cl_arena_detach(struct cl_arena *a)
{
	cl_lock_take(&cl_threads_lock);
	__atomic_store_n(&a->threads, a->threads - 1, __ATOMIC_RELAXED);
	__atomic_store_n(&cl_live_caches, cl_live_caches - 1, __ATOMIC_RELAXED);
	cl_lock_drop(&cl_threads_lock);
}

void cl_arena_lock(struct cl_arena *a)
{
	cl_lock_take(&a->lock);
	if (CL_UNLIKELY(cl_opt.valgrind))
		cl_debug_quiet(true);
	if (__atomic_load_n(&a->remote, __ATOMIC_RELAXED))
		cl_arena_collect(a);
}

bool cl_arena_trylock(struct cl_arena *a)
{
	if (!cl_lock_try(&a->lock))
		return false;
	if (CL_UNLIKELY(cl_opt.valgrind))
		cl_debug_quiet(true);
	if (__atomic_load_n(&a->remote, __ATOMIC_RELAXED))
		cl_arena_collect(a);
	return true;
}

void cl_arena_unlock(struct cl_arena *a)
{
	if (CL_UNLIKELY(cl_opt.valgrind))
		cl_debug_quiet(false);
	cl_lock_drop(&a->lock);
}

void cl_arena_remote(struct cl_arena *a, struct cl_block *first, struct cl_block *last, size_t bytes)
{
	struct cl_block *head = __atomic_load_n(&a->remote, __ATOMIC_RELAXED);
	do
		last->next_free = head;
	while (!__atomic_compare_exchange_n(&a->remote, &head, first, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	ptrdiff_t now = __atomic_add_fetch(&a->remote_bytes, (ptrdiff_t)bytes, __ATOMIC_RELAXED);
	if (now >= REMOTE_COLLECT && cl_arena_trylock(a))
		cl_arena_unlock(a);   /* the trylock collected */
}

void cl_arena_collect(struct cl_arena *a)
{
	struct cl_block *b = __atomic_exchange_n(&a->remote, NULL, __ATOMIC_ACQUIRE);
	ptrdiff_t bytes = 0;
	while (b) {
		struct cl_block *next = b->next_free;
		size_t size = cl_bsize(b);
		unsigned cls = size <= CL_SMALL_MAX && !(cl_word(b) & CL_ALIGNED)
			? cl_class_exact[size / CL_ALIGN] : CL_NO_CLASS;
		bytes += (ptrdiff_t)size;
		if (cls == CL_NO_CLASS || !cl_central_put(a, b, cls))
			cl_pool_free(b);
		b = next;
	}
	__atomic_sub_fetch(&a->remote_bytes, bytes, __ATOMIC_RELAXED);
}

void cl_arena_free(struct cl_block *b)
{
	struct cl_arena *a = cl_arena_of(b), *me = cl_my_arena();
	/* The checking modes see every block come and go at once. */
	if (a == me || CL_UNLIKELY(cl_opt.debug)) {
		cl_arena_lock(a);
		cl_pool_free(b);
		cl_arena_unlock(a);
		return;
	}
	b->prev_free = (struct cl_block *)cl_cache_key;   /* in transit: freed */
	cl_arena_remote(a, b, b, cl_bsize(b));
}

/* Fork: every lock is held across it, in the lock order, so the child
 * finds every structure consistent; there only the forking thread lives. */
void cl_arena_fork_prepare(void)
{
	cl_lock_take(&cl_threads_lock);
	for (unsigned i = 0; i < cl_narenas; i++)
		cl_lock_take(&cl_arenas[i]->lock);
	cl_lock_take(&cl_reserve_lock);
}

void cl_arena_fork_parent(void)
{
	cl_lock_drop(&cl_reserve_lock);
	for (unsigned i = cl_narenas; i-- > 0;)
		cl_lock_drop(&cl_arenas[i]->lock);
	cl_lock_drop(&cl_threads_lock);
}

void cl_arena_fork_child(void)
{
	cl_lock_reinit(&cl_reserve_lock);
	for (unsigned i = 0; i < cl_narenas; i++) {
		cl_lock_reinit(&cl_arenas[i]->lock);
		cl_arenas[i]->threads = 0;
	}
	cl_lock_reinit(&cl_threads_lock);
	bool live = cl_tc.state == CL_TC_LIVE;
	if (live)
		cl_tc.arena->threads = 1;
	cl_live_caches = live;
}
