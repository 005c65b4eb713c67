/*
 * malloc.c: custom_malloc, custom_free, custom_calloc and the small public
 * calls around them.  Their fast paths are in internal.h (shared with the
 * drop-in names of preload.c); the slow paths are here.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

/* A pool or large block for n bytes (block size size).  z (calloc) as for
 * cl_pool_alloc; for a large block, z->lo is NULL and the block is zero. */
static void *alloc_big(size_t n, size_t size, struct cl_zero_hint *z)
{
	void *p;
	bool sampled = CL_UNLIKELY(cl_prof_on) && cl_prof_tick(CL_CLASSES, size);
	if (n >= cl_opt.mmap_threshold) {
		if (z)
			z->lo = NULL;
		p = cl_large_alloc(n, CL_ALIGN, z != NULL);
	} else {
		struct cl_arena *a = cl_my_arena();
		cl_arena_lock(a);
		struct cl_block *b = cl_pool_alloc(a, size, z);
		cl_arena_unlock(a);
		if (!b) {
			errno = ENOMEM;
			return NULL;
		}
		p = cl_user(b);
	}
	if (CL_UNLIKELY(sampled) && p) {
		cl_prof_mark(cl_block_of(p), CL_MARK_SAMPLED);
		cl_prof_record(p, n, size);
	}
	return p;
}

static void *malloc_slow(size_t n);

/* Under valgrind (caches off, every call comes here) the allocator reads
 * headers and writes links in memory memcheck was told is freed: those are
 * not the program's errors, so the slow paths run with reporting off. */
void *cl_malloc_slow(size_t n)
{
	if (CL_LIKELY(!cl_opt.valgrind))
		return malloc_slow(n);
	cl_debug_quiet(true);
	void *p = malloc_slow(n);
	cl_debug_quiet(false);
	return p;
}

static void *malloc_slow(size_t n)
{
	size_t size = cl_request_to_bsize(n);
	if (CL_UNLIKELY(size == 0)) {
		errno = ENOMEM;
		return NULL;
	}
	cl_init();
	if (size <= CL_SMALL_MAX)
		return cl_tcache_refill(n);
	if (CL_UNLIKELY(cl_opt.debug))
		return cl_debug_fail() ? NULL : cl_debug_alloc(alloc_big(n, size, NULL), n, false);
	return alloc_big(n, size, NULL);
}

void *custom_malloc(size_t n)
{
	return cl_malloc_fast(n);
}

/* The always-on checks on a pointer handed back to us: aligned, a header
 * we wrote (tag), and in use.  Aborts with one line otherwise. */
static struct cl_block *checked_block(const void *p, const char *func);

/* Under valgrind the neighbour's header we read may lie in memory memcheck
 * was told is freed: our read, not the program's error. */
struct cl_block *cl_checked_block(const void *p, const char *func)
{
	if (CL_LIKELY(!cl_opt.valgrind))
		return checked_block(p, func);
	cl_debug_quiet(true);
	struct cl_block *b = checked_block(p, func);
	cl_debug_quiet(false);
	return b;
}

static struct cl_block *checked_block(const void *p, const char *func)
{
	if ((uintptr_t)p % CL_ALIGN)
		cl_fatal(func, "invalid pointer (misaligned)", p);
	struct cl_block *b = cl_block_of(p);
	if (!cl_tag_ok(b))
		cl_fatal(func, "invalid pointer (not from this allocator, or its header is corrupt)", p);
	/* Only a cached block carries the key: every block the pool hands
	 * out has that word cleared, and the key is secret, so no program
	 * writes it.  Which thread's cache holds it does not matter. */
	if ((cl_word(b) & (CL_FREE | CL_QUARANTINE)) ||
	    (!cl_opt.debug && (uintptr_t)b->prev_free == cl_cache_key))
		cl_fatal(func, strstr(func, "free") ? "double free of" : "use of a freed pointer", p);
	if (!(cl_word(b) & CL_LARGE)) {
		size_t s = cl_bsize(b);
		uintptr_t end = cl_align_down((uintptr_t)b, cl_geo.chunk) + cl_geo.chunk;
		if (s < CL_MIN_BLOCK || (uintptr_t)b + s >= end || !cl_tag_ok(cl_next_block(b)))
			cl_fatal(func, "corrupt block header at", p);
		if (cl_word(cl_next_block(b)) & CL_PREV_FREE)
			cl_fatal(func, "corrupt block header after", p);
	}
	return b;
}

static void free_slow(void *p, const char *func);

void cl_free_slow(void *p, const char *func)
{
	/* Profiling: every block handed out is marked, so every free comes
	 * here; the common case (a small, unsampled, cacheable block) goes to
	 * the side list with the fast path's own checks. */
	if (CL_UNLIKELY(cl_prof_on) && cl_tcache_put_profiled(p))
		return;
	if (CL_LIKELY(!cl_opt.valgrind)) {
		free_slow(p, func);
		return;
	}
	cl_debug_quiet(true);
	free_slow(p, func);
	cl_debug_quiet(false);
}

void cl_release(struct cl_block *b)
{
	if (cl_word(b) & CL_LARGE) {
		cl_large_free(b);
	} else if (cl_bsize(b) <= CL_SMALL_MAX && !(cl_word(b) & CL_ALIGNED)) {
		cl_tcache_put_slow(b);
	} else {
		cl_arena_free(b);
	}
}

static void free_slow(void *p, const char *func)
{
	int saved = errno;
	struct cl_block *b = cl_checked_block(p, func);
	if (CL_UNLIKELY(cl_marks(b) & CL_MARK_SAMPLED)) {   /* it leaves the profile */
		cl_prof_forget(p);
		cl_prof_mark(b, cl_marks(b) & ~CL_MARK_SAMPLED);
	}
	if (CL_LIKELY(!cl_opt.debug) || cl_debug_free(b, p, cl_usable_size(p, func), func))
		cl_release(b);
	if (CL_UNLIKELY(cl_opt.debug))
		cl_debug_check(func, p);
	errno = saved;
}

void custom_free(void *p)
{
	cl_free_fast(p, "custom_free");
}

static void *calloc_slow(size_t n, size_t bsize);

void *cl_calloc(size_t nmemb, size_t size)
{
	size_t n;
	if (CL_UNLIKELY(__builtin_mul_overflow(nmemb, size, &n))) {
		errno = ENOMEM;
		return NULL;
	}
	size_t bsize = cl_request_to_bsize(n);
	if (bsize == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (bsize <= CL_SMALL_MAX) {
		void *p = cl_malloc_fast(n);
		if (p)
			memset(p, 0, n);
		return p;
	}
	cl_init();
	if (CL_LIKELY(!cl_opt.valgrind))
		return calloc_slow(n, bsize);
	cl_debug_quiet(true);
	void *p = calloc_slow(n, bsize);
	cl_debug_quiet(false);
	return p;
}

static void *calloc_slow(size_t n, size_t bsize)
{
	if (CL_UNLIKELY(cl_opt.debug) && cl_debug_fail())
		return NULL;
	/* Fresh mappings are zero; in the pool, skip the pages it knows are. */
	struct cl_zero_hint z;
	char *u = alloc_big(n, bsize, &z), *end = u + n;
	if (!u)
		return NULL;
	if (z.lo && z.lo < end) {
		memset(u, 0, (size_t)(z.lo - u));
		if (z.hi < end)
			memset(z.hi, 0, (size_t)(end - z.hi));
	} else if (n < cl_opt.mmap_threshold) {
		memset(u, 0, n);
	}
	return CL_UNLIKELY(cl_opt.debug) ? cl_debug_alloc(u, n, true) : u;
}

void *custom_calloc(size_t nmemb, size_t size)
{
	return cl_calloc(nmemb, size);
}

size_t cl_usable_size(void *p, const char *func)
{
	if (!p)
		return 0;
	struct cl_block *b = cl_checked_block(p, func);
	return (cl_word(b) & CL_LARGE) ? cl_large_usable(b) : cl_pool_usable(b);
}

size_t custom_malloc_usable_size(void *p)
{
	return cl_usable_size(p, "custom_malloc_usable_size");
}

int custom_init_pool(size_t bytes)
{
	/* Beyond any address space we could map: fail now rather than map
	 * chunk after chunk until mmap says no. */
	if (bytes > CL_REQUEST_MAX) {
		errno = ENOMEM;
		return -1;
	}
	cl_init();
	int r = cl_chunk_reserve(bytes);
	if (r < 0)
		errno = ENOMEM;
	return r;
}

int custom_malloc_trim(size_t pad)
{
	if (!cl_is_ready())
		return 0;
	int saved = errno;
	if (cl_opt.scribble) {
		if (cl_opt.valgrind)
			cl_debug_quiet(true);   /* see cl_malloc_slow */
		cl_debug_quarantine_flush();
		if (cl_opt.valgrind)
			cl_debug_quiet(false);
	}
	cl_tcache_drain_all();
	int r = cl_pool_trim(pad);   /* also empties the large-mapping caches */
	errno = saved;
	return r;
}
