/*
 * large.c: blocks at or above the mmap threshold, each its own mapping.
 *
 * The header sits at offset prev_size into the mapping (0 unless the block
 * was aligned beyond 16), its size is the whole mapping's, and CL_LARGE is
 * set.  Realloc moves the mapping with mremap.
 *
 * Free unmaps, except that freed mappings are kept resident for the next
 * large requests (see cache_take), and so are the tails cut off them:
 * without them a program that allocates and frees big buffers in a loop
 * pays a mapping, a page fault per page and an unmapping every time (glibc
 * avoids that by raising its mmap threshold, and keeps the memory).  Each
 * arena keeps up to CL_LARGE_SLOTS mappings, under its lock: a large block
 * has no home, so its mapping waits in the arena of the thread that freed
 * it.  All the arenas together keep at most cache_budget() bytes.
 * custom_malloc_trim empties the caches, and so does an arena that must
 * grow its pool (cl_chunk_get).
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#define CACHE_BYTES ((size_t)40 << 20)      /* the most the caches hold */
/* The least they may hold: the mapping of an 8 MiB block (header page
 * included), so that a loop over one such buffer keeps it. */
#define CACHE_FLOOR (((size_t)8 << 20) + 64 * 1024)

static size_t cached_total;   /* atomic: bytes in every arena's cache */

/* The large blocks in use, for the heap map: their mappings' addresses in
 * an open-addressed table, inserted and removed with atomic operations
 * only (no lock on the large-block paths).  A removed entry leaves a
 * tombstone, reused by a later insert.  When the table is full a block
 * is not drawn (cl_large_unlisted counts them); nothing else depends on
 * it. */
#define LIVE_LOG2 12
#define LIVE_SLOTS ((size_t)1 << LIVE_LOG2)
#define TOMBSTONE ((uintptr_t)1)
static uintptr_t live[LIVE_SLOTS];
static size_t unlisted;         /* atomic */

static size_t live_home(uintptr_t m)
{
	return (size_t)(((uint64_t)m >> 12) * 0x9e3779b97f4a7c15ull >> (64 - LIVE_LOG2));
}

static void live_add(uintptr_t m)
{
	size_t i = live_home(m);
	for (size_t probe = 0; probe < LIVE_SLOTS; probe++, i = (i + 1) % LIVE_SLOTS) {
		uintptr_t v = __atomic_load_n(&live[i], __ATOMIC_RELAXED);
		if ((v == 0 || v == TOMBSTONE) &&
		    __atomic_compare_exchange_n(&live[i], &v, m, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
	}
	__atomic_add_fetch(&unlisted, 1, __ATOMIC_RELAXED);
}

static void live_remove(uintptr_t m)
{
	size_t i = live_home(m);
	for (size_t probe = 0; probe < LIVE_SLOTS; probe++, i = (i + 1) % LIVE_SLOTS) {
		uintptr_t v = __atomic_load_n(&live[i], __ATOMIC_RELAXED);
		if (v == m) {
			__atomic_store_n(&live[i], TOMBSTONE, __ATOMIC_RELAXED);
			return;
		}
		if (v == 0)
			break;
	}
	__atomic_sub_fetch(&unlisted, 1, __ATOMIC_RELAXED);
}

/* Calls fn for every large block in use that the table lists (a view that
 * may be a moment old); returns how many it does not list. */
size_t cl_large_each(void (*fn)(void *arg, const struct cl_block *b), void *arg)
{
	for (size_t i = 0; i < LIVE_SLOTS; i++) {
		uintptr_t m = __atomic_load_n(&live[i], __ATOMIC_ACQUIRE);
		if (m > TOMBSTONE) {
			const size_t *hdr_offset = (const size_t *)m;   /* see cl_large_alloc */
			fn(arg, (const struct cl_block *)(m + *hdr_offset));
		}
	}
	return __atomic_load_n(&unlisted, __ATOMIC_RELAXED);
}

/* The caches may hold twice the bytes of the large blocks in use, between
 * CACHE_FLOOR and CACHE_BYTES: a program with few large blocks does not
 * keep 40 MiB resident for them once it has freed them. */
static size_t cache_budget(void)
{
	struct cl_os_stats s;
	cl_os_stats(&s);
	size_t b = 2 * s.large_bytes;
	return b < CACHE_FLOOR ? CACHE_FLOOR : b > CACHE_BYTES ? CACHE_BYTES : b;
}

static inline char *mapping_of(const struct cl_block *b)
{
	return (char *)b - b->prev_size;
}

/* Empty slot i of a's cache, returning its mapping and length; a's lock
 * held. */
static char *slot_take(struct cl_arena *a, int i, size_t *len)
{
	char *m = a->large_map[i];
	*len = a->large_len[i];
	a->large_map[i] = NULL;
	a->large_bytes -= *len;
	__atomic_sub_fetch(&cached_total, *len, __ATOMIC_RELAXED);
	return m;
}

static bool cache_put(struct cl_arena *a, char *m, size_t len);

/* A cached mapping of a for *len bytes, or NULL.  The smallest one that
 * is big enough, its tail cut off and cached on its own when it is more
 * than four times as long as needed (*len grows to the kept length
 * otherwise); else the biggest one, grown with mremap: its pages are
 * resident already, only the new ones fault in. */
static char *cache_take(struct cl_arena *a, size_t *len)
{
	int fit = -1, big = -1;
	cl_arena_lock(a);
	for (int i = 0; i < CL_LARGE_SLOTS; i++) {
		if (!a->large_map[i])
			continue;
		if (a->large_len[i] >= *len) {
			if (fit < 0 || a->large_len[i] < a->large_len[fit])
				fit = i;
		} else if (big < 0 || a->large_len[i] > a->large_len[big]) {
			big = i;
		}
	}
	int pick = fit >= 0 ? fit : big;
	size_t have = 0;
	char *m = pick >= 0 ? slot_take(a, pick, &have) : NULL;
	cl_arena_unlock(a);
	if (!m)
		return NULL;
	if (have < *len) {
		char *g = cl_os_remap(m, have, *len);
		if (!g && !cache_put(a, m, have))
			cl_os_unmap(m, have);   /* failing, it stays mapped and counted */
		return g;
	}
	/* The tail stays resident, in the cache, for a later request:
	 * unmapped, its pages would have to fault in again.  If it can be
	 * neither kept nor unmapped, the block keeps it. */
	if (have - *len <= 3 * *len ||
	    (!cache_put(a, m + *len, have - *len) && cl_os_unmap(m + *len, have - *len) != 0))
		*len = have;
	return m;
}

/* Keep mapping m (len bytes) in a's cache, evicting smaller ones to make
 * room (a big mapping can serve more requests, and grows less); false if
 * it is too big to keep, or smaller than all it would have to evict. */
static bool cache_put(struct cl_arena *a, char *m, size_t len)
{
	char *evict[CL_LARGE_SLOTS];
	size_t evict_len[CL_LARGE_SLOTS];
	int n = 0, slot = -1;
	bool kept = false;
	size_t budget = cache_budget();
	if (len > CACHE_BYTES / 2)
		return false;
	cl_arena_lock(a);
	for (;;) {
		int small = -1;
		slot = -1;
		for (int i = 0; i < CL_LARGE_SLOTS; i++) {
			if (!a->large_map[i])
				slot = i;
			else if (small < 0 || a->large_len[i] < a->large_len[small])
				small = i;
		}
		if (slot >= 0 && __atomic_load_n(&cached_total, __ATOMIC_RELAXED) + len <= budget) {
			kept = true;
			break;
		}
		if (small < 0 || a->large_len[small] > len)
			break;      /* keep the bigger ones */
		evict[n] = slot_take(a, small, &evict_len[n]);
		n++;
	}
	if (kept) {
		a->large_map[slot] = m;
		a->large_len[slot] = len;
		a->large_bytes += len;
		__atomic_add_fetch(&cached_total, len, __ATOMIC_RELAXED);
	}
	cl_arena_unlock(a);
	while (n--)
		cl_os_unmap(evict[n], evict_len[n]);
	return kept;
}

void *cl_large_alloc(size_t n, size_t align, bool zero)
{
	size_t pad = align > CL_ALIGN ? align : 0;
	size_t len = n + CL_HDR + pad;
	if (len < n || len > CL_REQUEST_MAX + CL_HDR + pad) {
		errno = ENOMEM;
		return NULL;
	}
	len = cl_align_up(len, cl_geo.page);
	if (len > CL_BSIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	char *m = cache_take(cl_my_arena(), &len);
	bool fresh = m == NULL;
	if (fresh && !(m = cl_os_map(len))) {
		errno = ENOMEM;
		return NULL;
	}
	/* The header where the user's pointer is aligned; the mapping's first
	 * word says where that is (the same word as the header's prev_size
	 * when the offset is 0), for cl_large_each. */
	char *u = (char *)cl_align_up((uintptr_t)m + CL_HDR, align > CL_ALIGN ? align : CL_ALIGN);
	struct cl_block *b = cl_block_of(u);
	b->prev_size = (size_t)((char *)b - m);
	*(size_t *)m = b->prev_size;
	cl_set_header(b, len, CL_LARGE);
	cl_os_large_account((ptrdiff_t)len, 1);
	live_add((uintptr_t)m);
	if (zero && !fresh)      /* fresh pages are zero already */
		memset(u, 0, n);
	return u;
}

void cl_large_free(struct cl_block *b)
{
	size_t len = cl_bsize(b);
	cl_os_large_account(-(ptrdiff_t)len, -1);
	live_remove((uintptr_t)mapping_of(b));
	/* While the mapping waits in the cache, a second free of b must see
	 * a freed block (an unmapped one faults on the header read). */
	cl_set_flag(b, CL_FREE);
	if (!cache_put(cl_my_arena(), mapping_of(b), len))
		cl_os_unmap(mapping_of(b), len);  /* failing, it stays mapped and counted */
}

/* Empty a's cache; a's lock held. */
int cl_large_trim(struct cl_arena *a)
{
	int released = 0;
	for (int i = 0; i < CL_LARGE_SLOTS; i++) {
		if (!a->large_map[i])
			continue;
		size_t len;
		char *m = slot_take(a, i, &len);
		if (cl_os_unmap(m, len) == 0) {
			released = 1;
		} else {   /* the OS refused: keep it */
			a->large_map[i] = m;
			a->large_len[i] = len;
			a->large_bytes += len;
			__atomic_add_fetch(&cached_total, len, __ATOMIC_RELAXED);
		}
	}
	return released;
}

size_t cl_large_cached(void)
{
	return __atomic_load_n(&cached_total, __ATOMIC_RELAXED);
}

/* b's offset is 0 (callers move aligned blocks instead). */
void *cl_large_realloc(struct cl_block *b, size_t n)
{
	size_t old = cl_bsize(b);
	if (n > CL_REQUEST_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = cl_align_up(n + CL_HDR, cl_geo.page);
	if (len > CL_BSIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	if (len == old)
		return cl_user(b);
	if (len < old) {        /* cut the tail off; if the OS refuses, keep it */
		if (cl_os_unmap((char *)b + len, old - len) != 0)
			return cl_user(b);
		cl_set_header(b, len, CL_LARGE);
		cl_os_large_account((ptrdiff_t)len - (ptrdiff_t)old, 0);
		return cl_user(b);
	}
	struct cl_block *nb = cl_os_remap(b, old, len);
	if (!nb) {
		errno = ENOMEM;
		return NULL;
	}
	if (nb != b) {
		live_remove((uintptr_t)b);
		live_add((uintptr_t)nb);
	}
	cl_set_header(nb, len, CL_LARGE);
	cl_os_large_account((ptrdiff_t)len - (ptrdiff_t)old, 0);
	return cl_user(nb);
}
