/*
 * pool.c: the shared pool.  Chunks of CL_CHUNK_SIZE bytes, mapped at
 * CL_CHUNK_SIZE alignment, hold blocks with boundary tags (see struct
 * cl_block).  Free blocks sit in segregated lists indexed by a two-level
 * bitmap (TLSF): the first level is the power of two of the size, the second
 * splits it in 16, so finding a fitting list is two find-first-set
 * instructions whatever the heap holds.  A freed block merges with both
 * neighbours at once; no two free blocks are ever adjacent.
 *
 * Pages go back to the OS in two ways, both inside the free call: a chunk
 * that becomes wholly free is unmapped (one spare is kept, its pages
 * released), and a free block whose dirty pages reach the release threshold
 * has them released with MADV_DONTNEED, once the pool holds more than
 * CL_RELEASE_SLACK resident free bytes (so that a program that frees and
 * allocates the same memory over and over does not fault it back in each
 * time).  Each chunk keeps one dirty bit per
 * page.  Invariant: a page whose bit is clear reads as zeros (never touched
 * since it was mapped or released); every write the pool or a user makes to
 * a page is preceded by setting its bit.  calloc relies on it.
 *
 * Every function here expects cl_pool_lock held, but cl_pool_stats which
 * takes it.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

pthread_mutex_t cl_pool_lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;

#define SL_LOG2   4
#define SL_COUNT  (1u << SL_LOG2)
#define FL_SHIFT  (SL_LOG2 + 4)          /* sizes below 256 are first level 0 */
#define FL_COUNT  (CL_CHUNK_LOG2 - FL_SHIFT + 2)
#define CHUNK_MAGIC 0x63616c6c6f636c74ull /* "callocl t" */
#define WORD_BITS 64

struct chunk {
	uint64_t magic;
	struct chunk *next, *prev;          /* all chunks, for walks */
	bool reserved;                      /* from custom_init_pool: kept */
	bool huge;                          /* asked for transparent huge pages */
	uint8_t arena;                      /* whose free lists hold its blocks */
	uint32_t dirty_pages;               /* popcount of dirty[] */
	uint64_t dirty[CL_CHUNK_PAGES / WORD_BITS];
};

#define CHUNK_HDR   cl_align_up(sizeof(struct chunk), CL_ALIGN)
/* The first block starts after the chunk header; a 16-byte in-use sentinel
 * ends the chunk so that merging forward always stops. */
#define CHUNK_USABLE (CL_CHUNK_SIZE - CHUNK_HDR - CL_HDR)

/* The free lists of an arena: the chunks it grew by.  Threads take turns
 * at the arenas (cl_tc.arena), so that two threads do not carve their
 * blocks out of the same holes: blocks of different threads side by side
 * share cache lines, and every write by one evicts the other's copy. */
struct lists {
	uint32_t fl_bitmap;                 /* bit f: sl_bitmap[f] != 0 */
	uint32_t sl_bitmap[FL_COUNT];       /* bit s: heads[f][s] != NULL */
	struct cl_block *heads[FL_COUNT][SL_COUNT];
};

static struct {
	struct lists arena[CL_ARENAS];
	struct chunk *chunks;
	struct chunk *spare;                /* a wholly free chunk kept mapped */
	size_t nchunks, free_bytes, free_blocks, dirty_pages;
	size_t merges_prev, merges_next;
	/* Bytes freed to the pool less bytes taken from it, floored at 0 and
	 * capped at SHRINK_CAP: a clock without a timer.  Free runs are given
	 * back only while the program is shrinking (more than CL_RELEASE_SLACK
	 * freed net); in a steady state of frees and allocations the memory
	 * would be faulted straight back in. */
	size_t shrink;
} pool;

#define SHRINK_CAP (2 * CL_RELEASE_SLACK)
#define HUGE_AFTER 64    /* chunks (256 MiB) before new ones get huge pages */

/* ------------------------------------------------------------ chunks */

static inline struct chunk *chunk_of(const void *p)
{
	return (struct chunk *)cl_align_down((uintptr_t)p, CL_CHUNK_SIZE);
}
static inline struct cl_block *first_block(struct chunk *c)
{
	return (struct cl_block *)((char *)c + CHUNK_HDR);
}
static inline struct cl_block *sentinel(struct chunk *c)
{
	return (struct cl_block *)((char *)c + CL_CHUNK_SIZE - CL_HDR);
}

/* Set (dirty) or clear the bits of every page overlapping [from, to);
 * returns how many changed. */
static size_t mark_pages(struct chunk *c, const void *from, const void *to, bool dirty)
{
	size_t first = (size_t)((const char *)from - (char *)c) / CL_PAGE;
	size_t last = (size_t)((const char *)to - (char *)c - 1) / CL_PAGE;
	size_t changed = 0;

	for (size_t w = first / WORD_BITS; w <= last / WORD_BITS; w++) {
		uint64_t m = ~0ull;
		if (w == first / WORD_BITS)
			m &= ~0ull << (first % WORD_BITS);
		if (w == last / WORD_BITS && last % WORD_BITS != WORD_BITS - 1)
			m &= (1ull << (last % WORD_BITS + 1)) - 1;
		uint64_t before = c->dirty[w];
		c->dirty[w] = dirty ? before | m : before & ~m;
		changed += (size_t)__builtin_popcountll((before ^ c->dirty[w]));
	}
	if (dirty) {
		c->dirty_pages += (uint32_t)changed;
		pool.dirty_pages += changed;
	} else {
		c->dirty_pages -= (uint32_t)changed;
		pool.dirty_pages -= changed;
	}
	return changed;
}

static inline void mark_dirty(const void *from, const void *to)
{
	mark_pages(chunk_of(from), from, to, true);
}

/* Dirty pages wholly inside [lo, hi) (page-aligned), and the span of them. */
static size_t count_dirty(struct chunk *c, char *lo, char *hi, char **dlo, char **dhi)
{
	size_t n = 0;
	*dlo = *dhi = NULL;
	for (char *p = lo; p < hi; p += CL_PAGE) {
		size_t i = (size_t)(p - (char *)c) / CL_PAGE;
		if (c->dirty[i / WORD_BITS] & (1ull << (i % WORD_BITS))) {
			n++;
			if (!*dlo)
				*dlo = p;
			*dhi = p + CL_PAGE;
		}
	}
	return n;
}

/* Are all the pages under a block of size bytes at b (its header to the
 * next header's prev_size) marked dirty, that is resident? */
static bool block_resident(struct cl_block *b, size_t size)
{
	char *lo = (char *)cl_align_down((uintptr_t)b, CL_PAGE);
	char *hi = (char *)cl_align_up((uintptr_t)b + size + sizeof(size_t), CL_PAGE);
	char *dlo, *dhi;
	return count_dirty(chunk_of(b), lo, hi, &dlo, &dhi) == (size_t)(hi - lo) / CL_PAGE;
}

/* ------------------------------------------------------- free lists */

static inline unsigned fls_size(size_t x) { return 63u - (unsigned)__builtin_clzl(x); }

static inline void mapping(size_t size, unsigned *fl, unsigned *sl)
{
	if (size < (1u << FL_SHIFT)) {
		*fl = 0;
		*sl = (unsigned)(size >> 4);
	} else {
		unsigned f = fls_size(size);
		*sl = (unsigned)(size >> (f - SL_LOG2)) ^ SL_COUNT;
		*fl = f - FL_SHIFT + 1;
	}
}

static inline struct lists *lists_of(const struct cl_block *b)
{
	return &pool.arena[chunk_of(b)->arena];
}

static void list_insert(struct cl_block *b, size_t size)
{
	struct lists *L = lists_of(b);
	unsigned fl, sl;
	mapping(size, &fl, &sl);
	struct cl_block *h = L->heads[fl][sl];
	b->prev_free = NULL;
	b->next_free = h;
	if (h)
		h->prev_free = b;
	L->heads[fl][sl] = b;
	L->sl_bitmap[fl] |= 1u << sl;
	L->fl_bitmap |= 1u << fl;
	pool.free_bytes += size;
	pool.free_blocks++;
}

static void list_remove(struct cl_block *b, size_t size)
{
	struct lists *L = lists_of(b);
	unsigned fl, sl;
	mapping(size, &fl, &sl);
	/* A write past the end of a block can set CL_FREE in the next header:
	 * then b is no list's member.  Check the links before using them. */
	if (CL_UNLIKELY(!cl_tag_ok(b) ||
			(b->prev_free ? b->prev_free->next_free != b : L->heads[fl][sl] != b) ||
			(b->next_free && b->next_free->prev_free != b)))
		cl_fatal("free", "corrupt free block (a write past the end of the block before it?) at",
			 cl_user(b));
	if (b->next_free)
		b->next_free->prev_free = b->prev_free;
	if (b->prev_free)
		b->prev_free->next_free = b->next_free;
	else {
		L->heads[fl][sl] = b->next_free;
		if (!b->next_free) {
			L->sl_bitmap[fl] &= ~(1u << sl);
			if (!L->sl_bitmap[fl])
				L->fl_bitmap &= ~(1u << fl);
		}
	}
	pool.free_bytes -= size;
	pool.free_blocks--;
}

/* A free block of at least size: first fit among a few blocks of size's
 * own list, then the head of the first list whose every block fits. */
static struct cl_block *find_fit(const struct lists *L, size_t size)
{
	unsigned fl, sl;
	mapping(size, &fl, &sl);
	if (fl >= FL_COUNT)
		return NULL;
	int tries = 8;
	for (struct cl_block *b = L->heads[fl][sl]; b && tries--; b = b->next_free)
		if (cl_bsize(b) >= size)
			return b;

	if (size >= (1u << FL_SHIFT))
		size += ((size_t)1 << (fls_size(size) - SL_LOG2)) - 1;
	mapping(size, &fl, &sl);
	if (fl >= FL_COUNT)
		return NULL;
	uint32_t sl_map = sl < SL_COUNT ? L->sl_bitmap[fl] & (~0u << sl) : 0;
	if (!sl_map) {
		uint32_t fl_map = fl + 1 < 32 ? L->fl_bitmap & (~0u << (fl + 1)) : 0;
		if (!fl_map)
			return NULL;
		fl = (unsigned)__builtin_ctz(fl_map);
		sl_map = L->sl_bitmap[fl];
	}
	return L->heads[fl][__builtin_ctz(sl_map)];
}

/* Where free block b (have bytes) can hold a block of size whose user
 * pointer is a multiple of align (> 16): the new header, with the front
 * piece either empty or big enough to be a free block; NULL if it does not
 * fit. */
static struct cl_block *aligned_spot(struct cl_block *b, size_t have, size_t size, size_t align)
{
	uintptr_t u0 = (uintptr_t)cl_user(b), u = cl_align_up(u0, align);
	if (u != u0 && u - u0 < CL_MIN_BLOCK)
		u += align;
	struct cl_block *a = cl_block_of((void *)u);
	return (char *)a + size <= (char *)b + have ? a : NULL;
}

/* A free block that holds an aligned block of size where it lies, found
 * among a few blocks of each list from size's own upward.  Asking for
 * size + align instead, as a fallback does, takes a bigger block than
 * needed and leaves a front and a tail to fragment the pool. */
static struct cl_block *find_aligned_fit(const struct lists *L, size_t size, size_t align,
					 struct cl_block **spot)
{
	unsigned fl, sl;
	mapping(size, &fl, &sl);
	int budget = 32;
	for (; fl < FL_COUNT; fl++, sl = 0) {
		uint32_t map = sl < SL_COUNT ? L->sl_bitmap[fl] & (~0u << sl) : 0;
		while (map) {
			unsigned s = (unsigned)__builtin_ctz(map);
			map &= map - 1;
			int tries = 4;
			for (struct cl_block *b = L->heads[fl][s]; b && tries--; b = b->next_free) {
				if (--budget < 0)
					return NULL;
				if ((*spot = aligned_spot(b, cl_bsize(b), size, align)))
					return b;
			}
		}
	}
	return NULL;
}

/* --------------------------------------------------- growth, release */

static struct chunk *chunk_new(unsigned arena, bool reserved)
{
	/* Mappings kept for large blocks are memory the pool cannot use: when
	 * it must grow, they go first (glibc's heap would reuse them).  Lock
	 * order: cl_pool_lock, then the cache's. */
	if (!reserved)
		cl_large_trim();
	struct chunk *c = cl_os_map_aligned(CL_CHUNK_SIZE, CL_CHUNK_SIZE);
	if (!c)
		return NULL;
	if (cl_opt.asan)   /* shadow left from an earlier chunk at this address */
		cl_asan_unpoison(c, CL_CHUNK_SIZE);
	/* A pool past HUGE_AFTER chunks is a big, growing heap: its new
	 * chunks ask for transparent huge pages (before the first write
	 * faults a small page in), and fault in 2 MiB at a time. */
	bool huge = pool.nchunks >= HUGE_AFTER;
	if (huge)
		cl_os_hugepages(c, CL_CHUNK_SIZE, true);
	c->magic = CHUNK_MAGIC;
	c->reserved = reserved;
	c->huge = huge;
	c->arena = (uint8_t)arena;
	c->next = pool.chunks;
	c->prev = NULL;
	if (pool.chunks)
		pool.chunks->prev = c;
	pool.chunks = c;
	pool.nchunks++;

	struct cl_block *b = first_block(c), *s = sentinel(c);
	mark_dirty(c, (char *)b + CL_MIN_BLOCK);
	mark_dirty(s, (char *)s + CL_HDR);
	cl_set_header(b, CHUNK_USABLE, CL_FREE);
	s->prev_size = CHUNK_USABLE;
	cl_set_header(s, CL_HDR, CL_PREV_FREE);
	list_insert(b, CHUNK_USABLE);
	return c;
}

static void chunk_unmap(struct chunk *c)
{
	if (c->next)
		c->next->prev = c->prev;
	if (c->prev)
		c->prev->next = c->next;
	else
		pool.chunks = c->next;
	pool.nchunks--;
	pool.dirty_pages -= c->dirty_pages;
	if (pool.spare == c)
		pool.spare = NULL;
	if (cl_opt.asan)
		cl_asan_unpoison(c, CL_CHUNK_SIZE);
	cl_os_unmap(c, CL_CHUNK_SIZE);
}

/* Resident bytes not in use: dirty pages minus the bytes of pool blocks in
 * use (an estimate: a page shared by a used and a free block counts once).
 * unlisted: bytes of a free block not (yet) in a free list. */
static size_t dirty_free_bytes(size_t unlisted)
{
	size_t used = pool.nchunks * CHUNK_USABLE - pool.free_bytes - unlisted;
	size_t dirty = pool.dirty_pages * CL_PAGE;
	return dirty > used ? dirty - used : 0;
}

/* Release the dirty whole pages inside free block b if there are at least
 * min_bytes of them; returns bytes released. */
static size_t release_inside(struct cl_block *b, size_t size, size_t min_bytes)
{
	char *lo = (char *)cl_align_up((uintptr_t)b + CL_MIN_BLOCK, CL_PAGE);
	char *hi = (char *)cl_align_down((uintptr_t)b + size, CL_PAGE);
	char *dlo, *dhi;
	if (hi <= lo)
		return 0;
	struct chunk *c = chunk_of(b);
	size_t n = count_dirty(c, lo, hi, &dlo, &dhi);
	if (n == 0 || n * CL_PAGE < min_bytes)
		return 0;
	/* Once pages of a chunk go back, it keeps small pages: khugepaged
	 * would otherwise fill the released holes again to collapse them. */
	if (c->huge) {
		cl_os_hugepages(c, CL_CHUNK_SIZE, false);
		c->huge = false;
	}
	cl_os_release(dlo, (size_t)(dhi - dlo));
	mark_pages(c, dlo, dhi, false);
	return n * CL_PAGE;
}

/* b (size) has just become free and merged.  Returns false when its chunk
 * was unmapped, so b must not be inserted. */
static bool settle_free(struct cl_block *b, size_t size)
{
	struct chunk *c = chunk_of(b);
	if (size == CHUNK_USABLE) {
		if (!c->reserved && pool.spare && pool.spare != c) {
			chunk_unmap(c);
			return false;
		}
		if (!c->reserved)
			pool.spare = c;
		release_inside(b, size, 1);
		return true;
	}
	if (size >= cl_opt.release_threshold && pool.shrink > CL_RELEASE_SLACK &&
	    dirty_free_bytes(size) > CL_RELEASE_SLACK)
		release_inside(b, size, cl_opt.release_threshold);
	return true;
}

/* ------------------------------------------------------- operations */

/* Take free block b out of its list and cut it to size bytes, the rest
 * going back as a free block.  Returns b, in use. */
static struct cl_block *take(struct cl_block *b, size_t size, struct cl_zero_hint *z)
{
	size_t have = cl_bsize(b);
	size_t prev_flag = b->word & CL_PREV_FREE; /* always 0: no adjacent frees */

	list_remove(b, have);
	if (CL_UNLIKELY(pool.spare != NULL) && chunk_of(b) == pool.spare)
		pool.spare = NULL;
	pool.shrink = pool.shrink > size ? pool.shrink - size : 0;

	if (z) {
		char *lo = (char *)cl_align_up((uintptr_t)cl_user(b), CL_PAGE);
		char *hi = (char *)cl_align_down((uintptr_t)b + size + sizeof(size_t), CL_PAGE);
		char *dlo, *dhi;
		z->lo = z->hi = NULL;
		if (hi > lo && count_dirty(chunk_of(b), lo, hi, &dlo, &dhi) == 0) {
			z->lo = lo;
			z->hi = hi;
		}
	}

	if (have - size < CL_MIN_BLOCK)
		size = have;        /* the rest is too small to keep: take it all */
	if (cl_opt.asan)
		cl_asan_unpoison(b, size + sizeof(size_t));
	if (have - size >= CL_MIN_BLOCK) {
		struct cl_block *r = (struct cl_block *)((char *)b + size);
		struct cl_block *n = (struct cl_block *)((char *)b + have);
		if (cl_opt.asan)
			cl_asan_unpoison(r, CL_MIN_BLOCK);
		mark_dirty(r, (char *)r + CL_MIN_BLOCK);
		cl_set_header(r, have - size, CL_FREE);
		n->prev_size = have - size;
		list_insert(r, have - size);
	} else {
		cl_clear_flag(cl_next_block(b), CL_PREV_FREE);
	}
	cl_set_header(b, size, prev_flag);
	mark_dirty(b, (char *)b + size + sizeof(size_t));
	b->prev_free = NULL;   /* a stale cache key here would read as cached */
	return b;
}

/* size bytes for a thread cache's batch, in one piece, from the free block
 * of this thread's arena that find_fit picks (a good fit: the smallest
 * list whose blocks all fit), but only if that piece lies on resident
 * pages: carving it then adds nothing to the RSS.  NULL if it does not. */
struct cl_block *cl_pool_alloc_resident(size_t size)
{
	struct cl_block *b = find_fit(&pool.arena[cl_tc.arena], size);
	return b && block_resident(b, size) ? take(b, size, NULL) : NULL;
}

unsigned cl_pool_arena(const struct cl_block *b)
{
	return chunk_of(b)->arena;
}

/* A free block of at least size in the calling thread's arena.  When none
 * fits, the arena grows: by a wholly free chunk of another arena, or by a
 * new chunk; and only if no chunk can be mapped, any arena's block. */
static struct cl_block *fit_or_grow(size_t size)
{
	unsigned a = cl_tc.arena;
	struct lists *L = &pool.arena[a];
	struct cl_block *b = find_fit(L, size);
	if (b)
		return b;
	/* Another arena's wholly free chunk (the spare, or one reserved by
	 * custom_init_pool) moves over before a new one is mapped. */
	for (struct chunk *c = pool.chunks; c; c = c->next) {
		struct cl_block *f = first_block(c);
		if (c->arena != a && (f->word & CL_FREE) && cl_bsize(f) == CHUNK_USABLE) {
			list_remove(f, CHUNK_USABLE);
			c->arena = (uint8_t)a;
			list_insert(f, CHUNK_USABLE);
			return find_fit(L, size);
		}
	}
	if (chunk_new(a, false) && (b = find_fit(L, size)))
		return b;
	for (unsigned i = 0; i < CL_ARENAS && !b; i++)
		b = find_fit(&pool.arena[i], size);
	return b;
}

struct cl_block *cl_pool_alloc(size_t size, struct cl_zero_hint *z)
{
	if (size > CHUNK_USABLE)
		return NULL;
	struct cl_block *b = fit_or_grow(size);
	return b ? take(b, size, z) : NULL;
}

/* Whole blocks of unit bytes for a thread cache: as many as fit, up to max
 * bytes, from the free block of this thread's arena that fits unit best
 * (fit_or_grow: growing the arena if none does).  Taking the smallest hole
 * first, rather than a run of max bytes cut from the biggest, fills the holes
 * that blocks drained from the caches leave, so the pool does not grow
 * around them.  The block returned holds a whole number of units, but the
 * last may have taken a remainder too small to keep. */
struct cl_block *cl_pool_alloc_run(size_t unit, size_t max)
{
	struct cl_block *b = fit_or_grow(unit);
	if (!b)
		return NULL;
	size_t have = cl_bsize(b);
	return take(b, have > max ? max : have - have % unit, NULL);
}

void cl_pool_free(struct cl_block *b)
{
	size_t size = cl_bsize(b);
	struct cl_block *n = (struct cl_block *)((char *)b + size);

	/* The last look before merging: b's size leads to a header we wrote,
	 * inside the chunk, that does not think b is free.  Blocks coming
	 * from a thread cache were not checked against their neighbour when
	 * they were freed (the fast path reads only their own header). */
	if (CL_UNLIKELY(size < CL_MIN_BLOCK || n > sentinel(chunk_of(b))) ||
	    CL_UNLIKELY(!cl_tag_ok(n) || (n->word & (CL_PREV_FREE | CL_LARGE))))
		cl_fatal("free", "corrupt block header at or after", cl_user(b));
	pool.shrink = pool.shrink + size < SHRINK_CAP ? pool.shrink + size : SHRINK_CAP;

	if (b->word & CL_PREV_FREE) {
		struct cl_block *p = (struct cl_block *)((char *)b - b->prev_size);
		/* b's header now lies inside p: flag it so that a second free
		 * of b still reads as a double free. */
		cl_set_flag(b, CL_FREE);
		list_remove(p, b->prev_size);
		size += b->prev_size;
		b = p;
		pool.merges_prev++;
	}
	if (n->word & CL_FREE) {
		size_t ns = cl_bsize(n);
		list_remove(n, ns);
		size += ns;
		pool.merges_next++;
	}
	cl_set_header(b, size, CL_FREE);
	n = (struct cl_block *)((char *)b + size);
	n->prev_size = size;
	cl_set_flag(n, CL_PREV_FREE);
	if (cl_opt.asan)   /* all but the header, links and footer */
		cl_asan_poison((char *)b + CL_MIN_BLOCK, size - CL_MIN_BLOCK);
	if (settle_free(b, size))
		list_insert(b, size);
}

bool cl_pool_grow_in_place(struct cl_block *b, size_t size)
{
	size_t have = cl_bsize(b);
	struct cl_block *n = cl_next_block(b);
	if (!(n->word & CL_FREE) || have + cl_bsize(n) < size)
		return false;
	size_t prev_flag = b->word & CL_PREV_FREE;
	/* Merge n into b as if b were free, then cut like an allocation. */
	size_t ns = cl_bsize(n);
	list_remove(n, ns);
	pool.merges_next++;
	struct cl_block *end = (struct cl_block *)((char *)b + have + ns);
	if (cl_opt.asan)
		cl_asan_unpoison(b, have + ns + sizeof(size_t));
	if (have + ns - size >= CL_MIN_BLOCK) {
		struct cl_block *r = (struct cl_block *)((char *)b + size);
		mark_dirty(r, (char *)r + CL_MIN_BLOCK);
		cl_set_header(r, have + ns - size, CL_FREE);
		end->prev_size = have + ns - size;
		list_insert(r, have + ns - size);
	} else {
		size = have + ns;
		cl_clear_flag(end, CL_PREV_FREE);
	}
	if (CL_UNLIKELY(pool.spare != NULL) && chunk_of(b) == pool.spare)
		pool.spare = NULL;
	cl_set_header(b, size, prev_flag | (cl_word(b) & CL_ALIGNED));
	mark_dirty(b, (char *)b + size + sizeof(size_t));
	return true;
}

void cl_pool_shrink_in_place(struct cl_block *b, size_t size)
{
	size_t have = cl_bsize(b);
	if (have - size < CL_MIN_BLOCK)
		return;
	struct cl_block *r = (struct cl_block *)((char *)b + size);
	cl_set_header(b, size, b->word & (CL_PREV_FREE | CL_ALIGNED));
	cl_set_header(r, have - size, 0);
	cl_pool_free(r);
}

struct cl_block *cl_pool_alloc_aligned(size_t size, size_t align)
{
	if (size + align + CL_MIN_BLOCK < size)
		return NULL;
	struct cl_block *spot, *b = find_aligned_fit(&pool.arena[cl_tc.arena], size, align, &spot);
	if (b)   /* the tail goes back now, the front below */
		b = take(b, (size_t)((char *)spot - (char *)b) + size, NULL);
	else
		b = cl_pool_alloc(size + align + CL_MIN_BLOCK, NULL);
	if (!b)
		return NULL;
	uintptr_t u = cl_align_up((uintptr_t)cl_user(b), align);
	size_t front = u - (uintptr_t)cl_user(b);
	if (front) {
		if (front < CL_MIN_BLOCK)
			front += align;  /* align >= 32 here, so front >= 32 now */
		struct cl_block *a = (struct cl_block *)((char *)b + front);
		size_t rest = cl_bsize(b) - front;
		cl_set_header(b, front, b->word & CL_PREV_FREE);
		cl_set_header(a, rest, 0);
		cl_pool_free(b);      /* sets a's CL_PREV_FREE */
		a->prev_free = NULL;  /* as in take() */
		b = a;
	}
	cl_pool_shrink_in_place(b, size);
	return b;
}

int cl_pool_reserve(size_t bytes)
{
	size_t have = 0;
	for (struct chunk *c = pool.chunks; c; c = c->next)
		if (c->reserved)
			have += CHUNK_USABLE;
	while (have < bytes) {
		struct chunk *c = chunk_new(cl_tc.arena, true);
		if (!c)
			return -1;   /* the chunks mapped so far stay, as a reserve */
		have += CHUNK_USABLE;
	}
	return 0;
}

int cl_pool_trim(size_t pad)
{
	int released = 0;
	size_t kept = 0;
	struct chunk *next;
	for (struct chunk *c = pool.chunks; c; c = next) {
		next = c->next;
		struct cl_block *b = first_block(c);
		if ((b->word & CL_FREE) && cl_bsize(b) == CHUNK_USABLE && !c->reserved) {
			list_remove(b, CHUNK_USABLE);
			chunk_unmap(c);
			released = 1;
			continue;
		}
		for (; b != sentinel(c); b = cl_next_block(b)) {
			if (!(b->word & CL_FREE))
				continue;
			if (kept < pad) {
				kept += cl_bsize(b);
				continue;
			}
			if (release_inside(b, cl_bsize(b), 1))
				released = 1;
		}
	}
	return released;
}

void cl_pool_fork_child(void)
{
	pthread_mutex_init(&cl_pool_lock, NULL);
}

void cl_pool_stats(struct cl_pool_stats *s)
{
	cl_lock();
	s->chunks = pool.nchunks;
	s->chunk_bytes = pool.nchunks * CL_CHUNK_SIZE;
	s->free_bytes = pool.free_bytes;
	s->free_blocks = pool.free_blocks;
	s->released_bytes = (pool.nchunks * CL_CHUNK_PAGES - pool.dirty_pages) * CL_PAGE;
	cl_unlock();
	if (s->released_bytes > s->free_bytes)
		s->released_bytes = s->free_bytes;
}

/* --------------------------------------------------- print and check */

void cl_pool_print(void)
{
	struct cl_out o = { .fd = 1 };
	size_t nfree = 0, bytes = 0, nchunks = 0;

	for (struct chunk *c = pool.chunks; c; c = c->next) {
		nchunks++;
		cl_out_str(&o, "chunk ");
		cl_out_hex(&o, (uintptr_t)c);
		cl_out_str(&o, " size ");
		cl_out_dec(&o, CL_CHUNK_SIZE);
		cl_out_str(&o, ", resident pages ");
		cl_out_dec(&o, c->dirty_pages);
		cl_out_str(&o, "/");
		cl_out_dec(&o, CL_CHUNK_PAGES);
		if (c->reserved)
			cl_out_str(&o, " (reserved)");
		if (c == pool.spare)
			cl_out_str(&o, " (spare)");
		cl_out_str(&o, "\n");
		for (struct cl_block *b = first_block(c); b != sentinel(c); b = cl_next_block(b)) {
			if (!(b->word & CL_FREE))
				continue;
			nfree++;
			bytes += cl_bsize(b);
			cl_out_str(&o, "  free block ");
			cl_out_hex(&o, (uintptr_t)b);
			cl_out_str(&o, " size ");
			cl_out_dec(&o, cl_bsize(b));
			cl_out_str(&o, "\n");
		}
	}
	cl_out_str(&o, "total: ");
	cl_out_dec(&o, nchunks);
	cl_out_str(&o, " chunks, ");
	cl_out_dec(&o, nfree);
	cl_out_str(&o, " free blocks, ");
	cl_out_dec(&o, bytes);
	cl_out_str(&o, " free bytes, ");
	cl_out_dec(&o, (pool.nchunks * CL_CHUNK_PAGES - pool.dirty_pages) * CL_PAGE);
	cl_out_str(&o, " bytes released to the OS\n");
	cl_out_str(&o, "merges: ");
	cl_out_dec(&o, pool.merges_prev);
	cl_out_str(&o, " with the previous block, ");
	cl_out_dec(&o, pool.merges_next);
	cl_out_str(&o, " with the next block\n");
	cl_out_flush(&o);
}

static int fault(const char *what, const void *where)
{
	struct cl_out o = { .fd = 2 };
	cl_out_str(&o, "calloc-lite: heap check: ");
	cl_out_str(&o, what);
	cl_out_str(&o, " at ");
	cl_out_hex(&o, (uintptr_t)where);
	cl_out_str(&o, "\n");
	cl_out_flush(&o);
	return 1;
}

int cl_pool_check(void)
{
	int faults = 0;
	size_t nfree = 0, bytes = 0, nchunks = 0, dirty = 0;

	for (struct chunk *c = pool.chunks; c; c = c->next) {
		nchunks++;
		if (c->magic != CHUNK_MAGIC || chunk_of(c) != c || c->arena >= CL_ARENAS)
			return faults + fault("bad chunk header", c);
		size_t pop = 0;
		for (size_t w = 0; w < CL_CHUNK_PAGES / WORD_BITS; w++)
			pop += (size_t)__builtin_popcountll(c->dirty[w]);
		if (pop != c->dirty_pages)
			faults += fault("dirty page count wrong", c);
		dirty += pop;

		bool prev_free = false;
		size_t sum = 0;
		struct cl_block *b = first_block(c);
		while (b != sentinel(c)) {
			size_t s = cl_bsize(b);
			if (!cl_tag_ok(b))
				return faults + fault("bad block tag", b);
			if (s < CL_MIN_BLOCK || s % CL_ALIGN || sum + s > CHUNK_USABLE)
				return faults + fault("bad block size", b);
			bool is_free = b->word & CL_FREE;
			if (!!(b->word & CL_PREV_FREE) != prev_free)
				faults += fault("PREV_FREE flag disagrees with the previous block", b);
			if (prev_free && b->prev_size != cl_bsize((struct cl_block *)((char *)b - b->prev_size)))
				faults += fault("footer disagrees with the previous block's size", b);
			if (is_free && prev_free)
				faults += fault("two adjacent free blocks", b);
			if (b->word & CL_LARGE)
				faults += fault("impossible flags", b);
			if (is_free) {
				nfree++;
				bytes += s;
				unsigned fl, sl;
				mapping(s, &fl, &sl);
				const struct lists *L = &pool.arena[c->arena];
				if (!(L->sl_bitmap[fl] & (1u << sl)) || !L->heads[fl][sl])
					faults += fault("free block's list is empty", b);
			} else {
				/* In-use memory must be marked dirty (calloc trusts clean pages). */
				if (!block_resident(b, s))
					faults += fault("in-use block on a page marked clean", b);
			}
			prev_free = is_free;
			sum += s;
			b = cl_next_block(b);
		}
		if (sum != CHUNK_USABLE)
			faults += fault("blocks do not fill the chunk", c);
		if (!!(sentinel(c)->word & CL_PREV_FREE) != prev_free || cl_bsize(sentinel(c)) != CL_HDR)
			faults += fault("bad chunk sentinel", sentinel(c));
	}

	size_t lfree = 0, lbytes = 0;
	for (unsigned a = 0; a < CL_ARENAS; a++)
	for (unsigned fl = 0; fl < FL_COUNT; fl++) {
		struct lists *L = &pool.arena[a];
		if (!!(L->fl_bitmap & (1u << fl)) != !!L->sl_bitmap[fl])
			faults += fault("first-level bitmap wrong", &L->sl_bitmap[fl]);
		for (unsigned sl = 0; sl < SL_COUNT; sl++) {
			struct cl_block *h = L->heads[fl][sl];
			if (!!(L->sl_bitmap[fl] & (1u << sl)) != !!h)
				faults += fault("second-level bitmap wrong", &L->heads[fl][sl]);
			struct cl_block *prev = NULL;
			for (struct cl_block *b = h; b; prev = b, b = b->next_free) {
				unsigned f, s;
				if (!(b->word & CL_FREE))
					return faults + fault("in-use block in a free list", b);
				if (chunk_of(b)->arena != a)
					faults += fault("free block in another arena's list", b);
				mapping(cl_bsize(b), &f, &s);
				if (f != fl || s != sl)
					faults += fault("free block in the wrong list", b);
				if (b->prev_free != prev)
					faults += fault("broken free-list back link", b);
				lfree++;
				lbytes += cl_bsize(b);
				if (lfree > nfree)
					return faults + fault("free list longer than the heap's free blocks", b);
			}
		}
	}
	if (lfree != nfree || lbytes != bytes)
		faults += fault("free lists and heap walk disagree", NULL);
	if (nfree != pool.free_blocks || bytes != pool.free_bytes)
		faults += fault("free counters wrong", NULL);
	if (nchunks != pool.nchunks || dirty != pool.dirty_pages)
		faults += fault("chunk counters wrong", NULL);
	return faults;
}
