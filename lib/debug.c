/*
 * debug.c: the checking modes, for finding bugs in the programs that use
 * us.  All run from slow paths: when any is on (cl_opt.debug), thread caches
 * are off, so every malloc and free reaches them.
 *
 *   CALLOC_LITE_SCRIBBLE   new blocks are filled with CL_JUNK_ALLOC, freed
 *                          ones with CL_JUNK_FREE (reads of uninitialised
 *                          or freed memory show up as those bytes), and
 *                          freed blocks wait in a quarantine whose fill is
 *                          checked before the memory is reused;
 *   CALLOC_LITE_CHECK      the heap consistency walk after every call;
 *   CALLOC_LITE_FAIL_AFTER allocations fail with ENOMEM after N of them,
 *   CALLOC_LITE_FAIL_PROBABILITY  or each with a probability (seeded by
 *                          CALLOC_LITE_FAIL_SEED, so a run repeats);
 *   valgrind               client requests describe every block to memcheck;
 *   --enable-asan builds   free pool memory is poisoned for AddressSanitizer.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#ifdef HAVE_VALGRIND_MEMCHECK_H
# include <valgrind/memcheck.h>
#endif
#ifdef CL_ASAN
# include <sanitizer/asan_interface.h>
#endif

static size_t allocations;

/* A fixed function of the call's number and the seed (splitmix64), so a
 * single-threaded program fails at the same calls on every run. */
static uint64_t call_random(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15ull + cl_opt.fail_seed;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

bool cl_debug_fail(void)
{
	if (!cl_opt.fail_after && !cl_opt.fail_chance)
		return false;
	size_t i = __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
	if (i < cl_opt.fail_after)
		return false;
	if (cl_opt.fail_chance && call_random(i) >= cl_opt.fail_chance)
		return false;
	errno = ENOMEM;
	return true;
}

void cl_debug_check(const char *func, const void *p)
{
	if (cl_opt.check && cl_heap_check() != 0)
		cl_fatal(func, "heap corrupted (CALLOC_LITE_CHECK), found at the call with", p);
}

void *cl_debug_alloc(void *p, size_t n, bool zeroed)
{
	if (!p)
		return NULL;
	if (cl_opt.scribble && !zeroed)
		memset(p, CL_JUNK_ALLOC, n);
#ifdef HAVE_VALGRIND_MEMCHECK_H
	if (cl_opt.valgrind)
		VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, zeroed);
#endif
	cl_debug_check("malloc", p);
	return p;
}

/*
 * The quarantine (CALLOC_LITE_SCRIBBLE): the last Q_SLOTS freed blocks, up
 * to Q_BYTES, filled with CL_JUNK_FREE and flagged CL_QUARANTINE (so a
 * second free sees a freed block).  The oldest leaves when a new one comes
 * in over the limits; its fill is checked then, before the pool can hand
 * the memory out again, and a changed byte is a write after free.
 * Guarded by its own lock, q_lock; the flag in a pool block's header is
 * written under the lock of the block's arena as well (see struct
 * cl_block), taken after q_lock.
 */
#define Q_SLOTS    1024
#define Q_BYTES    ((size_t)4 << 20)
#define Q_BLOCK_MAX (Q_BYTES / 8)    /* bigger blocks are freed at once */

static struct cl_lock q_lock = CL_LOCK_INIT;
static struct {
	struct cl_block *b[Q_SLOTS];
	size_t len[Q_SLOTS];         /* usable bytes filled */
	unsigned head, count;        /* the oldest is b[head] */
	size_t bytes;
} q;

static const unsigned char *junk_mismatch(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != CL_JUNK_FREE)
			return p + i;
	return NULL;
}

/* Set or clear CL_QUARANTINE in b's header: under its arena's lock for a
 * pool block, whose neighbours' frees write the same word. */
static void q_flag(struct cl_block *b, bool on)
{
	struct cl_arena *a = (cl_word(b) & CL_LARGE) ? NULL : cl_arena_of(b);
	if (a)
		cl_arena_lock(a);
	if (on)
		cl_set_flag(b, CL_QUARANTINE);
	else
		cl_clear_flag(b, CL_QUARANTINE);
	if (a)
		cl_arena_unlock(a);
}

/* q_lock held.  The oldest block, its flag cleared, when the quarantine is
 * over its limits (or, with all, not empty); else NULL. */
static struct cl_block *q_leave(bool all, size_t *len)
{
	if (q.count == 0 || (!all && q.count < Q_SLOTS && q.bytes <= Q_BYTES))
		return NULL;
	struct cl_block *b = q.b[q.head];
	*len = q.len[q.head];
	q.head = (q.head + 1) % Q_SLOTS;
	q.count--;
	q.bytes -= *len;
	q_flag(b, false);
	return b;
}

/* A block out of the quarantine: check its fill, then free it for real. */
static void q_release(struct cl_block *b, size_t len, const char *func)
{
	cl_asan_unpoison(cl_user(b), len);
	const unsigned char *bad = junk_mismatch(cl_user(b), len);
	if (bad)
		cl_fatal(func, "write after free (CALLOC_LITE_SCRIBBLE) found at", bad);
	cl_release(b);
}

static void q_drain(bool all, const char *func)
{
	for (;;) {
		size_t len = 0;
		cl_lock_take(&q_lock);
		struct cl_block *b = q_leave(all, &len);
		cl_lock_drop(&q_lock);
		if (!b)
			return;
		q_release(b, len, func);
	}
}

bool cl_debug_free(struct cl_block *b, void *p, size_t usable, const char *func)
{
	if (cl_opt.scribble)
		memset(p, CL_JUNK_FREE, usable);
#ifdef HAVE_VALGRIND_MEMCHECK_H
	if (cl_opt.valgrind)
		VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
	if (!cl_opt.scribble || usable > Q_BLOCK_MAX)
		return true;
	cl_asan_poison(p, usable);
	cl_lock_take(&q_lock);
	while (q.count == Q_SLOTS) {  /* full: the oldest leaves first */
		size_t len = 0;
		struct cl_block *old = q_leave(true, &len);
		cl_lock_drop(&q_lock);
		q_release(old, len, func);
		cl_lock_take(&q_lock);
	}
	unsigned slot = (q.head + q.count) % Q_SLOTS;
	q_flag(b, true);
	q.b[slot] = b;
	q.len[slot] = usable;
	q.count++;
	q.bytes += usable;
	cl_lock_drop(&q_lock);
	q_drain(false, func);
	return false;
}

void cl_debug_quarantine_flush(void)
{
	q_drain(true, "custom_malloc_trim");
}

/* For cl_heap_check (CALLOC_LITE_CHECK): every waiting block's fill. */
int cl_debug_quarantine_check(void)
{
	int faults = 0;
	cl_lock_take(&q_lock);
	for (unsigned i = 0; i < q.count; i++) {
		unsigned k = (q.head + i) % Q_SLOTS;
		cl_asan_unpoison(cl_user(q.b[k]), q.len[k]);
		const unsigned char *bad = junk_mismatch(cl_user(q.b[k]), q.len[k]);
		cl_asan_poison(cl_user(q.b[k]), q.len[k]);
		if (bad) {
			struct cl_out o = { .fd = 2 };
			cl_out_str(&o, "calloc-lite: heap check: write after free at ");
			cl_out_hex(&o, (uintptr_t)bad);
			cl_out_str(&o, "\n");
			cl_out_flush(&o);
			faults++;
		}
	}
	cl_lock_drop(&q_lock);
	return faults;
}

void cl_debug_init(void) { cl_lock_register(&q_lock, CL_LOCK_QUARANTINE); }
void cl_debug_fork_prepare(void) { cl_lock_take(&q_lock); }
void cl_debug_fork_parent(void) { cl_lock_drop(&q_lock); }
void cl_debug_fork_child(void) { cl_lock_reinit(&q_lock); }

/* The pool reads and writes headers and links inside memory memcheck knows
 * as freed or not yet defined: errors there are ours to ignore. */
void cl_debug_quiet(bool on)
{
#ifdef HAVE_VALGRIND_MEMCHECK_H
	if (on)
		VALGRIND_DISABLE_ERROR_REPORTING;
	else
		VALGRIND_ENABLE_ERROR_REPORTING;
#else
	(void)on;
#endif
}

void cl_asan_poison(void *p, size_t n)
{
#ifdef CL_ASAN
	ASAN_POISON_MEMORY_REGION(p, n);
#else
	(void)p;
	(void)n;
#endif
}

void cl_asan_unpoison(void *p, size_t n)
{
#ifdef CL_ASAN
	ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
	(void)p;
	(void)n;
#endif
}
