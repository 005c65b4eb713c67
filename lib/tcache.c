/*
 * tcache.c: the slow paths of the per-thread caches.  The fast paths (pop
 * in custom_malloc, push in custom_free) are inline in internal.h and
 * touch nothing but this thread's struct cl_tcache.
 *
 * A cache starts at a thread's first slow path: it is given an arena
 * (arena.c) and registers a pthread key whose destructor gives up the
 * cached blocks when the thread exits.  After that the thread's cache is
 * dead: its bins have no room and no blocks, so every call goes straight
 * to the pool.
 *
 * Each bin has its own limit, at most its class's: a bin that fills up
 * without having run empty since it last filled belongs to a thread that
 * frees that class more than it allocates it, and its limit halves (to
 * CL_BIN_MIN_BYTES); a refill doubles it again.
 *
 * Blocks a cache hands back go home: those of the thread's own arena to
 * its central lists or its pool, under its lock; those of other arenas
 * (blocks other threads allocated) onto their arenas' remote lists, in
 * one batch per arena, without their locks (arena.c).
 *
 * A dying thread's bins are kept, at most half full, as an orphan of its
 * arena, for the next thread of that arena that starts a cache (up to
 * CL_ORPHANS of them; beyond that they go back block by block).  A program
 * that runs many short threads then hands caches from one to the next
 * instead of draining each into the pool and carving it again.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

CL_TLS struct cl_tcache cl_tc;

static pthread_key_t tc_key;
static pthread_once_t tc_key_once = PTHREAD_ONCE_INIT;

/* While profiling (profile.c), blocks this thread frees wait in side
 * lists, not in the bins: a bin then holds only what a refill put in it
 * (given), so that the next refill knows every one was allocated. */
static CL_TLS struct {
	struct cl_bin side[CL_CLASSES];
	uint16_t given[CL_CLASSES];
} pc;

/* ------------------------------------------------------------ start, end */

static void tc_thread_exit(void *arg)
{
	(void)arg;
	if (cl_tc.state != CL_TC_LIVE)
		return;
	struct cl_arena *a = cl_tc.arena;
	struct cl_batch B = { .home = a };
	/* At most half full: each thread that adopts it adds its own frees,
	 * and flushes half a bin when one fills.  While profiling, what is
	 * kept is the side lists (the bins hold blocks a refill counted as
	 * allocated), and the next thread adopts them as its side lists. */
	struct cl_bin *keep = cl_prof_on ? pc.side : cl_tc.bin;
	for (unsigned c = 0; c < CL_CLASSES; c++) {
		if (cl_prof_on)
			cl_bin_take(&cl_tc.bin[c], 0, &B);
		cl_bin_take(&keep[c], keep[c].limit / 2u, &B);
		keep[c].refills = 0;
	}
	cl_arena_lock(a);
	cl_batch_home_locked(&B, false);
	bool kept = a->orphans < CL_ORPHANS;
	if (kept)
		memcpy(a->orphan[a->orphans++], keep, sizeof a->orphan[0]);
	cl_arena_unlock(a);
	if (!kept) {
		for (unsigned c = 0; c < CL_CLASSES; c++)
			cl_bin_take(&keep[c], 0, &B);
	}
	cl_batch_finish(&B, false);
	/* No room: a free later in this thread (another key's destructor)
	 * must go to the pool, not into a cache nobody will drain. */
	memset(cl_tc.bin, 0, sizeof cl_tc.bin);
	memset(pc.side, 0, sizeof pc.side);
	cl_tc.state = CL_TC_DEAD;
	cl_arena_detach(a);
	/* With one thread left, nobody hands blocks back to another: what
	 * waits in the central lists would only pin its chunks.  An arena
	 * without threads has no refills to wait for either, nor a use for a
	 * spare chunk. */
	bool all = __atomic_load_n(&cl_live_caches, __ATOMIC_RELAXED) < 2;
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *x = cl_arenas[i];
		if (!all && x != a)
			continue;
		cl_arena_lock(x);
		bool idle = __atomic_load_n(&x->threads, __ATOMIC_RELAXED) == 0;
		if (all || idle)
			cl_central_drain(x);
		if (idle)   /* and keeps no spare chunk mapped for nobody */
			cl_chunk_drop_spare(x);
		cl_arena_unlock(x);
	}
}

static void tc_key_create(void)
{
	pthread_key_create(&tc_key, tc_thread_exit);
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
	pthread_once(&tc_key_once, tc_key_create);
	for (unsigned c = 0; c < CL_CLASSES; c++) {
		cl_tc.bin[c].room = cl_tc.bin[c].limit = cl_class_limit[c];
		pc.side[c].room = pc.side[c].limit = cl_class_limit[c];
	}
	struct cl_arena *a = cl_arena_attach();
	cl_tc.arena = a;
	cl_arena_lock(a);
	if (a->orphans)   /* while profiling, as side lists: see tc_thread_exit */
		memcpy(cl_prof_on ? pc.side : cl_tc.bin, a->orphan[--a->orphans], sizeof a->orphan[0]);
	cl_arena_unlock(a);
	cl_tc.state = CL_TC_LIVE;
	/* Any non-NULL value makes the destructor run at thread exit. */
	pthread_setspecific(tc_key, &cl_tc);
	return true;
}

struct cl_arena *cl_tcache_start(void)
{
	tc_live();
	return cl_tc.arena ? cl_tc.arena : cl_arenas[0];
}

/* ------------------------------------------------------------ slow paths */

static inline void push(struct cl_bin *bin, struct cl_block *b)
{
	b->prev_free = (struct cl_block *)cl_cache_key;
	b->next_free = bin->head;
	bin->head = b;
	bin->room--;
}

/* A bin is full.  If it has run empty since it last filled, blocks go
 * both ways through it: hand back half.  If not, this thread frees more of
 * the class than it allocates (a consumer of blocks made elsewhere): halve
 * the bin's limit, down to CL_BIN_MIN_BYTES of blocks, so that it does not
 * sit on a full bin of memory, and hand back three quarters, so that locks
 * and remote pushes come once per batch of blocks, not per few.  A refill
 * doubles the limit again. */
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
	struct cl_batch B = { .home = cl_tc.arena };
	cl_bin_take(bin, keep, &B);
	cl_batch_finish(&B, false);
	bin->room = (uint16_t)(lim - keep);
	bin->limit = (uint16_t)lim;
	bin->emptied = 0;
}

/* On trim: this thread's bins, every arena's orphans, remote lists and
 * central lists, all to the pool. */
void cl_tcache_drain_all(void)
{
	struct cl_batch B = { .home = cl_my_arena() };
	if (cl_tc.state == CL_TC_LIVE)
		for (unsigned c = 0; c < CL_CLASSES; c++) {
			cl_bin_take(&cl_tc.bin[c], 0, &B);
			cl_bin_take(&pc.side[c], 0, &B);
			pc.given[c] = 0;
		}
	cl_batch_finish(&B, true);
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		struct cl_batch O = { .home = a };
		cl_arena_lock(a);
		while (a->orphans) {
			a->orphans--;
			for (unsigned c = 0; c < CL_CLASSES; c++)
				cl_bin_take(&a->orphan[a->orphans][c], 0, &O);
		}
		cl_batch_home_locked(&O, true);
		cl_arena_unlock(a);
		cl_batch_send(&O);
	}
	/* Now that every batch has been sent: what the remote lists hold
	 * (collected as each lock is taken) and the central lists. */
	for (unsigned i = 0; i < n; i++) {
		cl_arena_lock(cl_arenas[i]);
		cl_central_drain(cl_arenas[i]);
		cl_arena_unlock(cl_arenas[i]);
	}
}

/* Up to n blocks of class cls (size bytes) for a thread whose bin of the
 * class is empty: the first is returned, the others pushed on bin.  From
 * the arena's central list (blocks handed back: no cutting), else cut
 * from the free blocks that fit the class best (cl_pool_alloc_run), a few
 * pieces in one lock hold.  mark: every block gets CL_MARK_PROFILED, under
 * the lock.  NULL if there is none. */
static struct cl_block *fill(struct cl_bin *bin, unsigned cls, size_t size, unsigned n, bool mark)
{
	struct cl_arena *a = cl_tc.arena;
	struct cl_block *first = NULL, *run;
	cl_arena_lock(a);   /* takes in what other threads freed, too */
	struct cl_block *got[CL_CENTRAL_SLOTS];
	unsigned k = cl_central_take(a, cls, got, n < CL_CENTRAL_SLOTS ? n : CL_CENTRAL_SLOTS);
	if (k) {
		if (mark)
			for (unsigned i = 0; i < k; i++)
				cl_set_marks(got[i], CL_MARK_PROFILED);
		cl_arena_unlock(a);
		first = got[--k];
		first->prev_free = NULL;   /* handed out: no cache key */
		while (k)
			push(bin, got[--k]);
		return first;
	}
	for (int pieces = 0; n > 0 && pieces < 8; pieces++) {
		/* With one thread, holes first: no other thread's blocks to
		 * interleave with, and the fewest pages touched. */
		run = pieces == 0 && __atomic_load_n(&cl_live_caches, __ATOMIC_RELAXED) >= 2
			? cl_pool_alloc_resident(a, n * size) : NULL;
		if (!run)
			run = cl_pool_alloc_run(a, size, n * size);
		if (!run)
			break;
		/* The last block takes what the pool handed out beyond whole
		 * blocks (a remainder too small to keep). */
		size_t total = cl_bsize(run);
		unsigned got_n = (unsigned)(total / size);
		char *p = (char *)run;
		cl_set_header(run, got_n > 1 ? size : total, run->word & CL_PREV_FREE);
		for (unsigned i = 1; i < got_n; i++) {
			struct cl_block *b = (struct cl_block *)(p + i * size);
			cl_set_header(b, i + 1 < got_n ? size : total - (got_n - 1) * size, 0);
		}
		if (mark)
			for (unsigned i = 0; i < got_n; i++)
				cl_set_marks((struct cl_block *)(p + i * size), CL_MARK_PROFILED);
		/* The first block goes to the caller, the rest into the bin,
		 * pushed so that they come out in address order. */
		unsigned lo = 0;
		if (!first) {
			first = run;
			lo = 1;
		}
		for (unsigned i = got_n; i-- > lo;)
			push(bin, (struct cl_block *)(p + i * size));
		n = got_n >= n ? 0 : n - got_n;
	}
	/* This arena cannot grow: one block from another, if any has one
	 * (marked under that arena's lock, once this one's is dropped). */
	bool elsewhere = !first && (first = cl_pool_alloc(a, size, NULL)) != NULL;
	cl_arena_unlock(a);
	if (elsewhere && mark)
		cl_prof_mark(first, CL_MARK_PROFILED);
	return first;
}

/* How many blocks a refill of bin (class cls, size bytes) takes.  Batches
 * start small and double with each refill of the bin, so a short-lived
 * thread does not carve (and hand back at exit) blocks it never uses; and
 * no batch is over 8 KiB of the pool, which the cache pins until it
 * drains.  A bin in demand grows its limit back. */
static unsigned batch(struct cl_bin *bin, unsigned cls, size_t size)
{
	bin->emptied = 1;
	if (bin->limit < cl_class_limit[cls]) {
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
	return n;
}

/* The refill of a thread that profiles (profile.c).  The bin ran empty:
 * the blocks the last refill gave it were all allocated.  This allocation
 * is sampled if its class's count runs out; the bin then gets no more
 * blocks than the class may allocate before its next sample, from the
 * side list first (this thread's frees), so that the fast path never
 * allocates the sampled one. */
static void *refill_profiled(size_t req, unsigned cls, size_t size)
{
	struct cl_bin *bin = &cl_tc.bin[cls], *side = &pc.side[cls];
	cl_prof_consumed(cls, (size_t)pc.given[cls] * size);
	pc.given[cls] = 0;
	bool sampled = cl_prof_tick(cls, size);
	size_t quota = cl_prof_quota(cls, size);
	unsigned n = batch(side, cls, size);
	if (n > quota + 1)
		n = (unsigned)quota + 1;
	struct cl_block *first = NULL;
	unsigned room = bin->room, held = (unsigned)(side->limit - side->room);
	if (held && held <= quota + 1) {
		/* The whole side list at once: the usual case, as the quota is
		 * thousands of blocks at the default rate. */
		first = side->head;
		bin->head = first->next_free;
		bin->room = (uint16_t)(bin->room - (held - 1));
		side->head = NULL;
		side->room = side->limit;
		first->prev_free = NULL;
		n = 0;
	}
	while (n && side->head) {
		struct cl_block *b = side->head;
		side->head = b->next_free;
		side->room++;
		if (!first) {
			first = b;
			b->prev_free = NULL;
		} else {
			push(bin, b);
		}
		n--;
	}
	if (n) {
		struct cl_block *f = fill(bin, cls, size, n, true);
		if (!first)
			first = f;
		else if (f)
			push(bin, f);
	}
	if (!first) {
		errno = ENOMEM;
		return NULL;
	}
	pc.given[cls] = (uint16_t)(room - bin->room);
	if (sampled) {
		cl_prof_mark(first, CL_MARK_PROFILED | CL_MARK_SAMPLED);
		cl_prof_record(cl_user(first), req, size);
	}
	return cl_user(first);
}

void *cl_tcache_refill(size_t req)
{
	bool live = tc_live();   /* initialises the size classes if need be */
	unsigned cls = cl_class_up[cl_request_to_bsize(req) / CL_ALIGN];
	size_t size = cl_class_size[cls];

	if (!live) {
		if (cl_opt.debug && cl_debug_fail())
			return NULL;
		bool sampled = CL_UNLIKELY(cl_prof_on) && cl_prof_tick(cls, size);
		struct cl_arena *a = cl_my_arena();
		cl_arena_lock(a);
		struct cl_block *run = cl_pool_alloc(a, size, NULL);
		cl_arena_unlock(a);
		if (!run) {
			errno = ENOMEM;
			return NULL;
		}
		if (sampled) {
			cl_prof_mark(run, CL_MARK_SAMPLED);
			cl_prof_record(cl_user(run), req, size);
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
	if (CL_UNLIKELY(cl_prof_on))
		return refill_profiled(req, cls, size);

	struct cl_bin *bin = &cl_tc.bin[cls];
	struct cl_block *first = fill(bin, cls, size, batch(bin, cls, size), false);
	if (!first) {
		errno = ENOMEM;
		return NULL;
	}
	return cl_user(first);
}

bool cl_tcache_put_profiled(void *p)
{
	if (cl_tc.state != CL_TC_LIVE || (uintptr_t)p % CL_ALIGN != 0)
		return false;
	struct cl_block *b = cl_block_of(p);
	size_t w = cl_word(b), size = w & CL_SIZE_MASK;
	/* What the fast path takes, but marked CL_MARK_PROFILED only. */
	if (!cl_tag_ok(b) || cl_marks(b) != CL_MARK_PROFILED || (w & CL_FLAGS & ~(size_t)CL_PREV_FREE) ||
	    size > CL_SMALL_MAX || (uintptr_t)b->prev_free == cl_cache_key)
		return false;
	unsigned cls = cl_class_exact[size / CL_ALIGN];
	if (cls == CL_NO_CLASS)
		return false;
	struct cl_bin *bin = &pc.side[cls];
	if (bin->room == 0)
		bin_full(bin, cls);
	push(bin, b);
	return true;
}

void cl_tcache_put_slow(struct cl_block *b)
{
	/* No cache, or not a block of malloc's (see sizeclass.c): the pool.
	 * tc_live() first: it sets up the class tables. */
	unsigned cls = CL_NO_CLASS;
	if (!tc_live() || (cls = cl_class_exact[cl_bsize(b) / CL_ALIGN]) == CL_NO_CLASS) {
		cl_arena_free(b);
		return;
	}
	/* Profiling: into the side list, which only refills take from. */
	struct cl_bin *bin = CL_UNLIKELY(cl_prof_on) ? &pc.side[cls] : &cl_tc.bin[cls];
	if (bin->room == 0)
		bin_full(bin, cls);
	push(bin, b);
}

/* Bytes waiting in the central lists (for the tests). */
size_t cl_tcache_central_bytes(void)
{
	size_t bytes = 0;
	unsigned n = cl_arena_count();
	for (unsigned i = 0; i < n; i++) {
		struct cl_arena *a = cl_arenas[i];
		cl_arena_lock(a);
		for (unsigned c = 0; c < CL_CLASSES; c++)
			bytes += (size_t)a->central[c].count * cl_class_size[c];
		cl_arena_unlock(a);
	}
	return bytes;
}

/* Is b in this thread's cache?  Free needs no such search (the cache key
 * alone marks a cached block); the tests use it to look inside. */
bool cl_tcache_holds(struct cl_block *b)
{
	if (cl_tc.state != CL_TC_LIVE || cl_bsize(b) > CL_SMALL_MAX)
		return false;
	unsigned cls = cl_class_exact[cl_bsize(b) / CL_ALIGN];
	if (cls == CL_NO_CLASS)
		return false;
	for (struct cl_block *c = cl_tc.bin[cls].head; c; c = c->next_free)
		if (c == b)
			return true;
	return false;
}
