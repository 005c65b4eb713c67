/*
 * tcache.c: the slow paths of the per-thread caches.  The fast paths (pop
 * in custom_malloc, push in custom_free) are inline in malloc.c and touch
 * nothing but this thread's struct cl_tcache.
 *
 * A cache starts at a thread's first slow path, registering a pthread key
 * whose destructor gives up the cached blocks when the thread exits.
 * After that the thread's cache is dead: its bins have no room and no
 * blocks, so every call goes straight to the pool.
 *
 * Each bin has its own limit, at most its class's: a bin that fills up
 * without having run empty since it last filled belongs to a thread that
 * frees that class more than it allocates it, and its limit halves (to
 * CL_BIN_MIN_BYTES); a refill doubles it again.
 *
 * A dying thread's bins are kept, at most half full, as an orphan, for the
 * next thread that starts a cache (up to ORPHANS of them; beyond that they
 * go back to the pool block by block).  A program that runs many short threads then
 * hands caches from one to the next instead of draining each into the pool
 * and carving it again: two lock holds per thread instead of one per
 * block and class.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

CL_TLS struct cl_tcache cl_tc;

static pthread_key_t tc_key;

#define ORPHANS 4
static struct cl_bin orphan[ORPHANS][CL_CLASSES];   /* under cl_pool_lock */
static unsigned orphans;
static unsigned live_caches;   /* threads with a live cache; under the lock */
static unsigned next_arena;    /* the arena the next thread's cache takes */

/* Blocks the caches hand back wait here, per class, before they go to the
 * pool, up to CL_CENTRAL_BYTES of each class (and CENTRAL_SLOTS blocks): a
 * refill takes them back without cutting a free block, and a flush gives
 * them up without merging each one with its neighbours.  For a thread that
 * frees what another allocates, the blocks go round through these lists,
 * not through the pool.  There is a set of lists per pool arena.  Flushes
 * use them only while two threads or more have caches.  The lists are
 * arrays of pointers, not chains through the blocks: a refill copies
 * pointers under the lock and touches the blocks, whose memory another
 * core wrote last, after it.  The blocks keep the cache key, so a second
 * free of one is still a double free.  Under cl_pool_lock. */
#define CENTRAL_SLOTS 64
static struct central {
	unsigned count, cap;     /* cap: CL_CENTRAL_BYTES of the class, at most CENTRAL_SLOTS */
	struct cl_block *slot[CENTRAL_SLOTS];
} central[CL_ARENAS][CL_CLASSES];

static void flush_locked(unsigned cls, unsigned keep);
static void central_drain_locked(void);
static void bin_flush_locked(struct cl_bin *bin, unsigned cls, unsigned keep, bool to_pool);

static void tc_thread_exit(void *arg)
{
	(void)arg;
	if (cl_tc.state != CL_TC_LIVE)
		return;
	cl_lock();
	/* With one thread left, nobody hands blocks back to another: what
	 * waits in the central lists would only pin its chunks. */
	if (--live_caches < 2)
		central_drain_locked();
	if (orphans < ORPHANS) {
		/* At most half full: each thread that adopts it adds its own
		 * frees, and flushes half a bin when one fills. */
		for (unsigned c = 0; c < CL_CLASSES; c++) {
			flush_locked(c, cl_tc.bin[c].limit / 2u);
			cl_tc.bin[c].refills = 0;
		}
		memcpy(orphan[orphans++], cl_tc.bin, sizeof orphan[0]);
	} else {
		for (unsigned c = 0; c < CL_CLASSES; c++)
			flush_locked(c, 0);
	}
	cl_unlock();
	/* No room: a free later in this thread (another key's destructor)
	 * must go to the pool, not into a cache nobody will drain. */
	memset(cl_tc.bin, 0, sizeof cl_tc.bin);
	cl_tc.state = CL_TC_DEAD;
}

/* Hand the orphaned caches back to the pool (trim); lock held. */
static void orphans_drain_locked(void)
{
	while (orphans) {
		orphans--;
		for (unsigned c = 0; c < CL_CLASSES; c++)
			bin_flush_locked(&orphan[orphans][c], c, 0, true);
	}
}

/* The central lists back to the pool; lock held. */
static void central_drain_locked(void)
{
	for (unsigned a = 0; a < CL_ARENAS; a++)
	for (unsigned c = 0; c < CL_CLASSES; c++) {
		struct central *z = &central[a][c];
		while (z->count)
			cl_pool_free(z->slot[--z->count]);
	}
}

/* In the child of a fork only the calling thread is left. */
void cl_tcache_fork_child(void)
{
	live_caches = cl_tc.state == CL_TC_LIVE;
}

void cl_tcache_init(void)
{
	pthread_key_create(&tc_key, tc_thread_exit);
	for (unsigned c = 0; c < CL_CLASSES; c++) {
		unsigned cap = CL_CENTRAL_BYTES / cl_class_size[c];
		cap = cap > CENTRAL_SLOTS ? CENTRAL_SLOTS : cap;   /* 0 over 8 KiB */
		for (unsigned a = 0; a < CL_ARENAS; a++)
			central[a][c].cap = cap;
	}
}

static bool tc_live(void)
{
	if (CL_LIKELY(cl_tc.state == CL_TC_LIVE))
		return true;
	if (cl_tc.state == CL_TC_DEAD)
		return false;
	cl_init();
	if (cl_opt.debug) {          /* every call must reach the hooks */
		cl_tc.state = CL_TC_DEAD;
		return false;
	}
	for (unsigned c = 0; c < CL_CLASSES; c++)
		cl_tc.bin[c].room = cl_tc.bin[c].limit = cl_class_limit[c];
	cl_lock();
	live_caches++;
	cl_tc.arena = (uint8_t)(next_arena++ % CL_ARENAS);
	if (orphans)
		memcpy(cl_tc.bin, orphan[--orphans], sizeof orphan[0]);
	cl_unlock();
	cl_tc.state = CL_TC_LIVE;
	/* Any non-NULL value makes the destructor run at thread exit. */
	pthread_setspecific(tc_key, &cl_tc);
	return true;
}

static inline void push(struct cl_bin *bin, struct cl_block *b)
{
	b->prev_free = (struct cl_block *)cl_cache_key;
	b->next_free = bin->head;
	bin->head = b;
	bin->room--;
}

/* Hand all but keep blocks of bin (this thread's or an orphan's, of class
 * cls) back: to the central list of the block's arena while it has room,
 * unless to_pool, and then to the pool; lock held.  A block goes back to
 * the arena it was cut from: a thread that frees what another allocated
 * gives it back to that thread's refills, and threads that share nothing
 * do not swap blocks (their cache lines would travel between cores). */
static void bin_flush_locked(struct cl_bin *bin, unsigned cls, unsigned keep, bool to_pool)
{
	/* With one thread, the lists would only be a bigger bin that pins
	 * memory the pool could merge and give back. */
	bool central_ok = !to_pool && live_caches >= 2;
	for (unsigned held = (unsigned)(bin->limit - bin->room); held > keep; held--) {
		struct cl_block *b = bin->head;
		bin->head = b->next_free;
		bin->room++;
		struct central *z = central_ok ? &central[cl_pool_arena(b)][cls] : NULL;
		if (z && z->count < z->cap)
			z->slot[z->count++] = b;
		else
			cl_pool_free(b);
	}
}

static void flush_locked(unsigned cls, unsigned keep)
{
	bin_flush_locked(&cl_tc.bin[cls], cls, keep, false);
}

/* A bin is full.  If it has run empty since it last filled, blocks go
 * both ways through it: hand back half.  If not, this thread frees more of
 * the class than it allocates (a consumer of blocks made elsewhere): halve
 * the bin's limit, down to CL_BIN_MIN_BYTES of blocks, so that it does not
 * sit on a full bin of memory, and hand back three quarters, so that the
 * pool lock is still taken once per batch of blocks, not per few.  A
 * refill doubles the limit again. */
static void bin_full(struct cl_bin *bin, unsigned cls)
{
	unsigned lim = bin->limit, keep = lim / 2;
	if (!bin->emptied) {
		unsigned floor = CL_BIN_MIN_BYTES / cl_class_size[cls];
		if (floor < 2)
			floor = 2;
		if (lim / 2 >= floor)
			lim /= 2;
		keep = lim / 4;
	}
	cl_lock();
	flush_locked(cls, keep);
	cl_unlock();
	bin->room = (uint16_t)(lim - keep);
	bin->limit = (uint16_t)lim;
	bin->emptied = 0;
}

/* On trim: every bin of this thread, the orphans and the central lists,
 * in one lock hold. */
void cl_tcache_drain_all(void)
{
	cl_lock();
	orphans_drain_locked();
	central_drain_locked();
	if (cl_tc.state == CL_TC_LIVE)
		for (unsigned c = 0; c < CL_CLASSES; c++)
			bin_flush_locked(&cl_tc.bin[c], c, 0, true);
	cl_unlock();
}

void *cl_tcache_refill(size_t req)
{
	struct cl_block *run;
	bool live = tc_live();   /* initialises the size classes if need be */
	unsigned cls = cl_class_up[cl_request_to_bsize(req) / CL_ALIGN];
	size_t size = cl_class_size[cls];

	if (!live) {
		if (cl_opt.debug && cl_debug_fail())
			return NULL;
		cl_lock();
		run = cl_pool_alloc(size, NULL);
		cl_unlock();
		if (!run) {
			errno = ENOMEM;
			return NULL;
		}
		if (!cl_opt.debug)
			return cl_user(run);
		if (cl_opt.valgrind)
			cl_debug_quiet(true);      /* see cl_malloc_slow */
		void *p = cl_debug_alloc(cl_user(run), req, false);
		if (cl_opt.valgrind)
			cl_debug_quiet(false);
		return p;
	}

	/* Batches start small and double with each refill of the bin, so a
	 * short-lived thread does not carve (and hand back at exit) blocks it
	 * never uses; and no batch is over 8 KiB of the pool, which the cache
	 * pins until it drains.  The blocks come from the holes that fit the
	 * class best (cl_pool_alloc_run), a few pieces in one lock hold. */
	struct cl_bin *bin = &cl_tc.bin[cls];
	bin->emptied = 1;
	if (bin->limit < cl_class_limit[cls]) {   /* in demand: grow back */
		unsigned lim = bin->limit * 2u;
		if (lim > cl_class_limit[cls])
			lim = cl_class_limit[cls];
		bin->room = (uint16_t)(bin->room + lim - bin->limit);
		bin->limit = (uint16_t)lim;
	}
	unsigned n = bin->room / 2u + 1;
	if (bin->refills < 5 && n > (4u << bin->refills))
		n = 4u << bin->refills;
	if (bin->refills < 5)
		bin->refills++;
	if (n * size > 8192 && size <= 8192)
		n = (unsigned)(8192 / size);
	struct cl_block *first = NULL;
	cl_lock();
	struct central *z = &central[cl_tc.arena][cls];
	if (z->count) {   /* blocks a cache handed back: up to n, no cutting */
		struct cl_block *got[CENTRAL_SLOTS];
		unsigned k = z->count < n ? z->count : n;
		z->count -= k;
		memcpy(got, &z->slot[z->count], k * sizeof got[0]);
		cl_unlock();
		first = got[--k];
		first->prev_free = NULL;   /* handed out: no cache key */
		while (k)
			push(bin, got[--k]);
		return cl_user(first);
	}
	for (int pieces = 0; n > 0 && pieces < 8; pieces++) {
		/* With one thread, holes first: no other thread's blocks to
		 * interleave with, and the fewest pages touched. */
		run = pieces == 0 && live_caches >= 2 ? cl_pool_alloc_resident(n * size) : NULL;
		if (!run)
			run = cl_pool_alloc_run(size, n * size);
		if (!run)
			break;
		/* The last block takes what the pool handed out beyond whole
		 * blocks (a remainder too small to keep). */
		size_t total = cl_bsize(run);
		unsigned got = (unsigned)(total / size);
		char *p = (char *)run;
		cl_set_header(run, got > 1 ? size : total, run->word & CL_PREV_FREE);
		for (unsigned i = 1; i < got; i++) {
			struct cl_block *b = (struct cl_block *)(p + i * size);
			cl_set_header(b, i + 1 < got ? size : total - (got - 1) * size, 0);
		}
		/* The first block goes to the caller, the rest into the bin,
		 * pushed so that they come out in address order. */
		unsigned lo = 0;
		if (!first) {
			first = run;
			lo = 1;
		}
		for (unsigned i = got; i-- > lo;)
			push(bin, (struct cl_block *)(p + i * size));
		n = got >= n ? 0 : n - got;
	}
	cl_unlock();
	if (!first) {
		errno = ENOMEM;
		return NULL;
	}
	return cl_user(first);
}

void cl_tcache_put_slow(struct cl_block *b)
{
	/* No cache, or not a block of malloc's (see sizeclass.c): the pool.
	 * tc_live() first: it sets up the class tables. */
	unsigned cls = CL_NO_CLASS;
	if (!tc_live() || (cls = cl_class_exact[cl_bsize(b) / CL_ALIGN]) == CL_NO_CLASS) {
		cl_lock();
		cl_pool_free(b);
		cl_unlock();
		return;
	}
	struct cl_bin *bin = &cl_tc.bin[cls];
	if (bin->room == 0)
		bin_full(bin, cls);
	push(bin, b);
}

/* Bytes waiting in the central lists (for the tests). */
size_t cl_tcache_central_bytes(void)
{
	size_t n = 0;
	cl_lock();
	for (unsigned a = 0; a < CL_ARENAS; a++)
		for (unsigned c = 0; c < CL_CLASSES; c++)
			n += (size_t)central[a][c].count * cl_class_size[c];
	cl_unlock();
	return n;
}

/* Is b in this thread's cache?  Free needs no such search (the cache key
 * alone marks a cached block); the tests use it to look inside. */
bool cl_tcache_holds(struct cl_block *b)
{
	if (cl_tc.state != CL_TC_LIVE || cl_bsize(b) > CL_SMALL_MAX)
		return false;
	for (struct cl_block *c = cl_tc.bin[cl_class_exact[cl_bsize(b) / CL_ALIGN]].head; c; c = c->next_free)
		if (c == b)
			return true;
	return false;
}
