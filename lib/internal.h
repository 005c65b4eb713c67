/*
 * internal.h: names shared between the files of lib/ (prefix cl_).
 * Nothing here is exported; see lib/libcalloc-lite.map.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#ifndef CL_INTERNAL_H
#define CL_INTERNAL_H 1

#include <config.h>   /* _GNU_SOURCE and the configure results */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "calloc-lite.h"

#define CL_LIKELY(x)   __builtin_expect(!!(x), 1)
#define CL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CL_NOINLINE    __attribute__((noinline))
#define CL_COLD        __attribute__((cold, noinline))
#define CL_NORETURN    __attribute__((noreturn))

/* The drop-in build keeps thread-local state in the static TLS block, as
 * glibc requires of a replacement malloc (no __tls_get_addr, which may
 * itself allocate).  The linked library uses the default model so that it
 * can also be dlopen'd (Python's ctypes). */
#ifdef CL_PRELOAD
# define CL_TLS __thread __attribute__((tls_model("initial-exec")))
#else
# define CL_TLS __thread
#endif

/* ------------------------------------------------------------------ */
/* Platform facts (platform.c).  The word size is known at build time;  */
/* the page size and the CPUs are read once, by cl_init, before the     */
/* first mapping, and used through cl_geo, never as literals.           */

#if SIZE_MAX == UINT64_MAX
# define CL_64BIT 1
#elif SIZE_MAX == UINT32_MAX
# define CL_64BIT 0
#else
# error "size_t must have 32 or 64 bits"
#endif
_Static_assert(sizeof(void *) == sizeof(size_t), "pointers and size_t have the same width");

#define CL_ALIGN        16u              /* every block's; >= alignof(max_align_t) */
#define CL_HDR          16u              /* block header bytes, on every target */
#define CL_MIN_BLOCK    32u              /* header + two free-list links, rounded */
_Static_assert(CL_ALIGN >= _Alignof(max_align_t), "CL_ALIGN covers max_align_t");

/* Chunks are at least 4 MiB and at least CL_CHUNK_MIN_PAGES pages (a
 * kernel with pages over 64 KiB gets bigger chunks), at most 1 GiB. */
#define CL_CHUNK_MIN_SHIFT  22
#define CL_CHUNK_MAX_SHIFT  30
#define CL_CHUNK_MIN_PAGES  64
#define CL_PAGE_MIN_SHIFT   12           /* 4 KiB: no Linux page is smaller */
/* Pages per chunk, at most: 4 MiB of 4 KiB pages (and fewer, bigger ones
 * otherwise), the size of a chunk's page bitmap. */
#define CL_CHUNK_PAGES_MAX  (1u << (CL_CHUNK_MIN_SHIFT - CL_PAGE_MIN_SHIFT))

struct cl_geometry {
	size_t page;             /* the kernel's page size (or the test unit) */
	unsigned page_shift;
	unsigned chunk_shift;    /* log2 of the pool's chunk size */
	size_t chunk;            /* 1 << chunk_shift */
	size_t chunk_pages;      /* chunk / page, at most CL_CHUNK_PAGES_MAX */
	unsigned ncpus;          /* CPUs this process may run on */
	bool strict;             /* test hook: the OS layer refuses what a
	                            kernel with this page size refuses (os.c) */
};
/* Filled by cl_platform_init; until then the values of a 4 KiB kernel, so
 * that code running before the first allocation computes nothing absurd. */
extern struct cl_geometry cl_geo;
void cl_platform_init(void);

#define CL_RELEASE_SLACK ((size_t)2 << 20) /* resident free bytes kept (release.c) */

/* The largest request: on 64-bit far beyond any mapping, so that the sums
 * below cannot overflow; on 32-bit 2 MiB under 2 GiB, what a block
 * header's size field holds with room for rounding (glibc's limit there
 * is PTRDIFF_MAX, 2 GiB less one byte). */
#if CL_64BIT
# define CL_REQUEST_MAX ((size_t)1 << 46)
# define CL_ALIGN_MAX   ((size_t)1 << 40)   /* the largest alignment asked */
#else
# define CL_REQUEST_MAX ((size_t)0x7fe00000)
# define CL_ALIGN_MAX   ((size_t)1 << 30)
#endif

static inline size_t cl_align_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }
static inline size_t cl_align_down(size_t n, size_t a) { return n & ~(a - 1); }
/* The index of the highest set bit of x (x > 0). */
static inline unsigned cl_log2(size_t x)
{
	return (unsigned)(sizeof(unsigned long) * CHAR_BIT - 1) - (unsigned)__builtin_clzl(x);
}

/* ------------------------------------------------------------------ */
/* Blocks                                                               */

/*
 * Every block handed out, cached or free starts with this header of
 * CL_HDR bytes on every target.  The user's pointer is (char *)block +
 * CL_HDR, so it is 16-aligned when the block is.
 *
 * word: bits 0-3 flags and the block size in bytes (a multiple of 16,
 *   header included) above them, and CL_ALIGNED.  On 64-bit targets bits
 *   4-46 hold the size, bit 47 is CL_ALIGNED and bits 48-63 a tag derived
 *   from the block's address and a per-process secret (cl_tag); on 32-bit
 *   targets bits 4-30 hold the size, bit 31 is CL_ALIGNED, and the tag
 *   has a 32-bit word of its own (tag).  A header whose tag does not match
 *   was not written by us: the pointer is foreign or the header is corrupt.
 * prev_size: valid only when CL_PREV_FREE is set; it is then the footer of
 *   the free block just before this one and holds that block's size.  When
 *   the previous block is in use these bytes belong to it (its last usable
 *   bytes), which is why a block of size S has S - CL_HDR + sizeof(size_t)
 *   usable bytes.
 * Marks (CL_MARK_*): two bits of the tag flipped, set only while heap
 *   profiling (profile.c): the block's free takes the slow path, and a
 *   sampled block leaves the profile there.
 * next_free/prev_free: valid only while CL_FREE is set (pool free lists).
 *   While a block sits in a thread cache, next_free is the cache link and
 *   prev_free holds cl_cache_key, which is how free spots a block that is
 *   already cached (a double free) without writing the header word.
 *
 * Who writes word (and tag): only code holding the lock of the block's
 * arena (cl_arena_of), also for blocks in use, because the pool sets and
 * clears CL_PREV_FREE in a block's word when the block before it changes.  The owner of an in-use
 * block only reads it (cl_word, a relaxed load), so the fast paths need
 * no lock.
 *
 * Invariants (checked by cl_heap_check): no two adjacent pool blocks are
 * both free; CL_PREV_FREE of a block equals CL_FREE of the one before it;
 * CL_FREE and CL_LARGE are never both set.
 */
struct cl_block {
	size_t prev_size;
#if !CL_64BIT
	uint32_t tag;
	uint32_t unused;
#endif
	size_t word;
	struct cl_block *next_free;
	struct cl_block *prev_free;
};

_Static_assert(__builtin_offsetof(struct cl_block, next_free) == CL_HDR,
	       "user data starts right after the header");
_Static_assert(sizeof(struct cl_block) <= CL_MIN_BLOCK,
	       "a free block's links fit in the smallest block");

enum {
	CL_FREE      = 1u << 0, /* in a pool free list */
	CL_PREV_FREE = 1u << 1, /* the block before is free; prev_size valid */
	CL_QUARANTINE = 1u << 2,/* freed, held back by CALLOC_LITE_SCRIBBLE */
	CL_LARGE     = 1u << 3, /* its own mapping; prev_size = offset into it */
};
/* Cut for an aligned request: free hands it back to the pool, where it
 * merges, instead of a thread cache, where it would pin its spot. */
#if CL_64BIT
# define CL_ALIGNED   ((size_t)1 << 47)
# define CL_TAG_SHIFT 48
#else
# define CL_ALIGNED   ((size_t)1 << 31)
#endif
#define CL_FLAGS     ((size_t)0xf | CL_ALIGNED)
#define CL_SIZE_MASK ((CL_ALIGNED - 1) & ~(size_t)0xf)
/* The biggest block a header can describe (a large mapping's length). */
#define CL_BSIZE_MAX CL_SIZE_MASK
/* (Bigger alignments and pages are checked where they are added.) */
_Static_assert(CL_REQUEST_MAX + CL_HDR + ((size_t)1 << 20) <= CL_BSIZE_MAX,
	       "a request at the limit, with its header, rounded to 1 MiB pages, fits a header");

extern uint64_t cl_secret;     /* set once by cl_init, from AT_RANDOM;
                                  its low 4 bits are 0 */
extern uintptr_t cl_cache_key; /* set once by cl_init; marks cached blocks */

/* Relaxed atomics: plain moves on every target we build for, but they
 * tell the compiler (and TSan) that the lock-free readers are intended.
 * In an AddressSanitizer build the header of a freed block lies in
 * poisoned memory, and a second free must still read it. */
#ifdef CL_ASAN
# define CL_NO_ASAN __attribute__((no_sanitize_address))
#else
# define CL_NO_ASAN
#endif
CL_NO_ASAN static inline size_t cl_word(const struct cl_block *b) { return __atomic_load_n(&b->word, __ATOMIC_RELAXED); }
static inline void cl_store_word(struct cl_block *b, size_t w) { __atomic_store_n(&b->word, w, __ATOMIC_RELAXED); }
static inline size_t cl_bsize(const struct cl_block *b) { return cl_word(b) & CL_SIZE_MASK; }

#if CL_64BIT
/* The tag of a header at b, the top 16 bits of word: bits 4-19 of the
 * address mixed with the secret (whose low 4 bits are 0, see cl_init).
 * Two instructions on the free fast path; a word that is not a header we
 * wrote (user data under a foreign or interior pointer) passes the fast
 * path's test one time in 65536 and cl_tag_ok, which ignores the two mark
 * bits, one time in 16384: a multiplicative hash would not do better. */
static inline size_t cl_tag(const struct cl_block *b)
{
	return (size_t)(((uint64_t)(uintptr_t)b ^ cl_secret) << (CL_TAG_SHIFT - 4));
}
/* Marks: two bits of the tag flipped.  A marked block's tag no longer
 * matches exactly, so its free leaves the fast path (cl_plain_in_use)
 * without a test of its own there; every other check ignores them. */
#define CL_MARK_PROFILED ((size_t)1 << CL_TAG_SHIFT)       /* free it slowly */
#define CL_MARK_SAMPLED  ((size_t)1 << (CL_TAG_SHIFT + 1)) /* in the profile */
#define CL_MARKS         (CL_MARK_PROFILED | CL_MARK_SAMPLED)
static inline bool cl_tag_ok(const struct cl_block *b)
{
	return ((cl_word(b) ^ cl_tag(b)) & ~(CL_SIZE_MASK | CL_FLAGS | CL_MARKS)) == 0;
}
static inline size_t cl_marks(const struct cl_block *b)
{
	return (cl_word(b) ^ cl_tag(b)) & CL_MARKS;
}
/* The free fast path's test of the word w it read at b: the tag matches
 * and no flag but CL_PREV_FREE is set (ours, in use, a pool block, not
 * marked). */
static inline bool cl_plain_in_use(const struct cl_block *b, size_t w)
{
	return (w & ~(CL_SIZE_MASK | CL_PREV_FREE)) == cl_tag(b);
}
static inline void cl_set_header(struct cl_block *b, size_t size, size_t flags)
{
	cl_store_word(b, cl_tag(b) | size | flags);
}
/* The writer needs the lock of the block's arena, as for the flags. */
static inline void cl_set_marks(struct cl_block *b, size_t m)
{
	cl_store_word(b, (cl_word(b) & ~CL_MARKS) | ((cl_tag(b) ^ m) & CL_MARKS));
}
#else
/* The tag of a header at b: a word of its own.  One widening multiply. */
static inline uint32_t cl_tag(const struct cl_block *b)
{
	uint64_t h = (uint64_t)((uint32_t)(uintptr_t)b ^ (uint32_t)cl_secret) * 0x9e3779b1u;
	return (uint32_t)(h >> 32) ^ (uint32_t)h ^ (uint32_t)(cl_secret >> 32);
}
CL_NO_ASAN static inline uint32_t cl_tag_word(const struct cl_block *b)
{
	return __atomic_load_n(&b->tag, __ATOMIC_RELAXED);
}
#define CL_MARK_PROFILED ((size_t)1)   /* in the tag word: see above */
#define CL_MARK_SAMPLED  ((size_t)2)
#define CL_MARKS         (CL_MARK_PROFILED | CL_MARK_SAMPLED)
static inline bool cl_tag_ok(const struct cl_block *b)
{
	return ((cl_tag_word(b) ^ cl_tag(b)) & ~(uint32_t)CL_MARKS) == 0;
}
static inline size_t cl_marks(const struct cl_block *b)
{
	return (cl_tag_word(b) ^ cl_tag(b)) & CL_MARKS;
}
static inline bool cl_plain_in_use(const struct cl_block *b, size_t w)
{
	return (w & ~(CL_SIZE_MASK | CL_PREV_FREE)) == 0 && cl_tag_word(b) == cl_tag(b);
}
static inline void cl_set_header(struct cl_block *b, size_t size, size_t flags)
{
	__atomic_store_n(&b->tag, cl_tag(b), __ATOMIC_RELAXED);
	cl_store_word(b, size | flags);
}
static inline void cl_set_marks(struct cl_block *b, size_t m)
{
	__atomic_store_n(&b->tag, cl_tag(b) ^ (uint32_t)m, __ATOMIC_RELAXED);
}
#endif
/* The writers below need the lock of the block's arena (see struct cl_block). */
static inline void cl_set_flag(struct cl_block *b, size_t f) { cl_store_word(b, cl_word(b) | f); }
static inline void cl_clear_flag(struct cl_block *b, size_t f) { cl_store_word(b, cl_word(b) & ~f); }
/* The header lies before the user's pointer; hide the arithmetic from the
 * compiler, which knows the object's bounds from alloc_size. */
static inline struct cl_block *cl_block_of(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	__asm__("" : "+r"(a));
	return (struct cl_block *)(a - CL_HDR);
}
static inline void *cl_user(struct cl_block *b) { return (char *)b + CL_HDR; }
static inline struct cl_block *cl_next_block(struct cl_block *b) { return (struct cl_block *)((char *)b + cl_bsize(b)); }
/* Usable bytes: up to and including the next block's prev_size field. */
static inline size_t cl_pool_usable(const struct cl_block *b) { return cl_bsize(b) - CL_HDR + sizeof(size_t); }

/* Block size for a request of n bytes; 0 when n is absurd (overflow). */
static inline size_t cl_request_to_bsize(size_t n)
{
	if (CL_UNLIKELY(n > CL_REQUEST_MAX))
		return 0;
	size_t s = cl_align_up(n + CL_HDR - sizeof(size_t), CL_ALIGN);
	return s < CL_MIN_BLOCK ? CL_MIN_BLOCK : s;
}

/* ------------------------------------------------------------------ */
/* Size classes (sizeclass.c): what thread caches hold.                 */

#define CL_CLASSES       103     /* 63 linear (32..1024 by 16), 40 geometric */
#define CL_SMALL_MAX     32768u  /* largest block size a thread cache holds */
#define CL_SMALL_REQ_MAX (CL_SMALL_MAX - CL_HDR + sizeof(size_t))
#define CL_NO_CLASS      CL_CLASSES  /* a bin that never has room */

/* Filled once by cl_sizeclass_init, read-only afterwards.  Every fast path
 * that indexes them runs only after cl_init (a thread cache is empty until
 * then), so they need no initialiser. */
extern uint8_t cl_class_up[CL_SMALL_MAX / CL_ALIGN + 1];   /* by ceil(bsize/16): smallest class that fits */
extern uint8_t cl_class_exact[CL_SMALL_MAX / CL_ALIGN + 1]; /* by bsize/16: its class, or CL_NO_CLASS */
extern uint32_t cl_class_size[CL_CLASSES];                 /* block size of each class */
extern uint16_t cl_class_limit[CL_CLASSES];                /* blocks a thread cache may hold */
void cl_sizeclass_init(void);

/* ------------------------------------------------------------------ */
/* Locks (lock.c): every one counts its acquisitions and contention.    */

enum { CL_LOCK_ARENA, CL_LOCK_RESERVE, CL_LOCK_THREADS, CL_LOCK_QUARANTINE, CL_LOCK_PROFILE, CL_LOCK_KINDS };

/* acquired and contended are written only by the holder (relaxed stores)
 * and read by anyone (relaxed loads): statistics, not synchronisation. */
struct cl_lock {
	pthread_mutex_t mutex;
	size_t acquired;       /* times taken */
	size_t contended;      /* of those, times another thread held it */
	uint8_t kind;          /* CL_LOCK_* */
};
#define CL_LOCK_INIT { .mutex = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP }

void cl_lock_register(struct cl_lock *l, unsigned kind);
void cl_lock_reinit(struct cl_lock *l);
size_t cl_lock_stats(struct custom_lock_stats *out, size_t n);

static inline void cl_lock_take(struct cl_lock *l)
{
	if (CL_UNLIKELY(pthread_mutex_trylock(&l->mutex) != 0)) {
		pthread_mutex_lock(&l->mutex);
		__atomic_store_n(&l->contended, l->contended + 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&l->acquired, l->acquired + 1, __ATOMIC_RELAXED);
}
static inline bool cl_lock_try(struct cl_lock *l)
{
	if (pthread_mutex_trylock(&l->mutex) != 0)
		return false;
	__atomic_store_n(&l->acquired, l->acquired + 1, __ATOMIC_RELAXED);
	return true;
}
static inline void cl_lock_drop(struct cl_lock *l)
{
	pthread_mutex_unlock(&l->mutex);
}

/* ------------------------------------------------------------------ */
/* Chunks (chunk.c) and their page bits (pages.c)                       */

#define CL_WORD_BITS64 64

/*
 * A chunk is cl_geo.chunk bytes mapped at cl_geo.chunk alignment, so any
 * block finds its chunk by masking its address.  This header starts it;
 * the first block follows at CL_CHUNK_HDR, and an in-use sentinel header
 * of CL_HDR bytes ends it, so that merging forward always stops.
 *
 * dirty: one bit per page, set when the page may hold non-zero bytes (it
 * was written since it was mapped or released).  Invariant: a page whose
 * bit is clear reads as zeros; every write the pool or a user makes to a
 * page is preceded by setting its bit (take() does it for the user).
 * calloc relies on it (cl_zero_hint), release.c decides with it what to
 * give back.  dirty_pages is the popcount of dirty[].
 */
struct cl_chunk {
	uint64_t magic;                     /* CL_CHUNK_MAGIC */
	struct cl_chunk *next, *prev;       /* all chunks, for walks */
	/* The arena whose free lists hold its blocks, or NULL while the chunk
	 * waits, wholly free, in the reserve (chunk.c).  Changes only while
	 * the chunk is wholly free, under the locks of both sides; read
	 * without a lock by whoever holds one of its blocks (relaxed). */
	struct cl_arena *owner;
	bool reserved;                      /* from custom_init_pool: kept */
	bool huge;                          /* asked for transparent huge pages */
	uint32_t dirty_pages;
	uint64_t dirty[CL_CHUNK_PAGES_MAX / CL_WORD_BITS64];
};
#define CL_CHUNK_MAGIC 0x63616c6c6f636c74ull /* "callocl t" */
#define CL_CHUNK_HDR   cl_align_up(sizeof(struct cl_chunk), CL_ALIGN)
#define CL_CHUNK_USABLE (cl_geo.chunk - CL_CHUNK_HDR - CL_HDR)

static inline struct cl_chunk *cl_chunk_of(const void *p)
{
	return (struct cl_chunk *)cl_align_down((uintptr_t)p, cl_geo.chunk);
}
static inline struct cl_block *cl_first_block(struct cl_chunk *c)
{
	return (struct cl_block *)((char *)c + CL_CHUNK_HDR);
}
static inline struct cl_block *cl_sentinel(struct cl_chunk *c)
{
	return (struct cl_block *)((char *)c + cl_geo.chunk - CL_HDR);
}

static inline struct cl_arena *cl_arena_of(const struct cl_block *b)
{
	return __atomic_load_n(&cl_chunk_of(b)->owner, __ATOMIC_RELAXED);
}

/* chunk.c; the arena's lock held.  A chunk for a, from the reserve or
 * newly mapped (NULL if none can be had), its one free block in a's
 * lists; a chunk of a that has become wholly free given up (kept as a's
 * spare, moved to the reserve, or unmapped: true when it left a). */
struct cl_chunk *cl_chunk_get(struct cl_arena *a);
bool cl_chunk_put(struct cl_arena *a, struct cl_chunk *c);
void cl_chunk_drop_spare(struct cl_arena *a);
int cl_chunk_reserve(size_t bytes);              /* custom_init_pool */
int cl_chunk_trim(struct cl_arena *a);
int cl_chunk_trim_reserve(void);
struct cl_chunk_stats {
	size_t chunks, free_bytes, free_blocks, dirty_pages;
};
void cl_chunk_reserve_stats(struct cl_chunk_stats *s);
struct cl_chunk *cl_chunk_reserve_list(void);    /* print and check; lock held */
extern struct cl_lock cl_reserve_lock;

size_t cl_pages_mark(struct cl_chunk *c, const void *from, const void *to, bool dirty);
static inline void cl_pages_dirty(const void *from, const void *to)
{
	cl_pages_mark(cl_chunk_of(from), from, to, true);
}
size_t cl_pages_count_dirty(struct cl_chunk *c, char *lo, char *hi, char **dlo, char **dhi);
bool cl_block_resident(struct cl_block *b, size_t size);

/* ------------------------------------------------------------------ */
/* Segregated free lists (freelist.c): a two-level bitmap (TLSF).       */

#define CL_SL_LOG2   4
#define CL_SL_COUNT  (1u << CL_SL_LOG2)
#define CL_FL_SHIFT  (CL_SL_LOG2 + 4)    /* sizes below 256 are first level 0 */
#define CL_FL_COUNT  (CL_CHUNK_MAX_SHIFT - CL_FL_SHIFT + 2)

/* The free lists of one arena.  Invariants: bit s of sl_bitmap[f] is set
 * exactly when heads[f][s] is not NULL, bit f of fl_bitmap exactly when
 * sl_bitmap[f] is not 0; every block in heads[f][s] is free, of a size that
 * maps to (f, s), in a chunk of this arena. */
struct cl_lists {
	uint32_t fl_bitmap;
	uint32_t sl_bitmap[CL_FL_COUNT];
	struct cl_block *heads[CL_FL_COUNT][CL_SL_COUNT];
};

void cl_list_mapping(size_t size, unsigned *fl, unsigned *sl);
void cl_list_insert(struct cl_block *b, size_t size);
void cl_list_remove(struct cl_block *b, size_t size);
struct cl_block *cl_find_fit(const struct cl_lists *L, size_t size);

/* ------------------------------------------------------------------ */
/* Thread caches (tcache.c)                                             */

/* room counts down as blocks are cached and is 0 in a thread whose cache is
 * not started (or already handed back), so the free fast path needs no
 * separate state test: no room sends it to the slow path. */
struct cl_bin {
	struct cl_block *head; /* singly linked through next_free */
	uint16_t room;         /* limit - blocks held */
	uint16_t limit;        /* this bin's bound, at most cl_class_limit[class]:
	                          halved when the bin fills without having run
	                          empty since it last filled (tcache.c) */
	uint16_t refills;      /* batches taken so far: the batch grows with it */
	uint16_t emptied;      /* ran empty (refilled) since it last filled */
};

struct cl_tcache {
	struct cl_bin bin[CL_CLASSES + 1];   /* + the bin of CL_NO_CLASS */
	uint8_t state;         /* CL_TC_NEW, CL_TC_LIVE or CL_TC_DEAD */
	struct cl_arena *arena;/* the arena this thread carves from; NULL
	                          until its cache starts: then arena 0 */
};
enum { CL_TC_NEW = 0, CL_TC_LIVE = 1, CL_TC_DEAD = 2 };

extern CL_TLS struct cl_tcache cl_tc;

/* A bin that fills without running empty halves its limit, but not below
 * this many bytes of blocks (tcache.c). */
#define CL_BIN_MIN_BYTES 8192u
/* Blocks of a class that the caches handed back and that wait for a
 * refill, before they go to the pool (central.c). */
#define CL_CENTRAL_BYTES (8u << 10)
#define CL_CENTRAL_SLOTS 64
#define CL_ORPHANS 4

/* Blocks on their way out of caches (flush.c): those of one arena (home),
 * and the others grouped by arena for one remote push each. */
#define CL_BATCH_GROUPS 8
struct cl_batch {
	struct cl_arena *home;
	struct cl_block *mine;                 /* chained through next_free */
	struct {
		struct cl_arena *arena;
		struct cl_block *first, *last;
		size_t bytes;
	} group[CL_BATCH_GROUPS];
	unsigned groups;
};
void cl_batch_add(struct cl_batch *B, struct cl_block *b);
void cl_batch_home_locked(struct cl_batch *B, bool to_pool);   /* home's lock held */
void cl_batch_send(struct cl_batch *B);                         /* no lock held */
void cl_batch_finish(struct cl_batch *B, bool to_pool);         /* both */
void cl_bin_take(struct cl_bin *bin, unsigned keep, struct cl_batch *B);

CL_NOINLINE void *cl_tcache_refill(size_t n);    /* malloc slow path, n small */
void cl_tcache_put_slow(struct cl_block *b);      /* free slow path, b small */
bool cl_tcache_put_profiled(void *p);            /* profiling: taken if true */
void cl_tcache_drain_all(void);
struct cl_arena *cl_tcache_start(void);           /* the arena of a new thread */
void cl_tcache_fork_child(void);
bool cl_tcache_holds(struct cl_block *b);        /* in this thread's cache? */
size_t cl_tcache_central_bytes(void);            /* in the central lists */

/* ------------------------------------------------------------------ */
/* Arenas (arena.c): the pool is split into arenas, each with its own  */
/* lock, chunks, free lists, handed-back blocks and large-mapping cache. */

/* Eight arenas per CPU this process may run on (CALLOC_LITE_ARENAS
 * sets the number), created when a thread first needs one: arena 0 is
 * static, the others are mapped.  A thread keeps the arena it was given
 * when its cache started (the one with the fewest threads), so its blocks
 * lie together and a thread that moves between CPUs leaves no trail. */
#define CL_ARENAS_MAX 256
#define CL_LARGE_SLOTS 8

/* Blocks of one class handed back by the caches, waiting for a refill
 * (central.c).  Arrays of pointers, not chains through the blocks: a
 * refill copies pointers under the lock and touches the blocks, whose
 * memory another core wrote last, after it.  Every block here belongs to
 * this arena and keeps the cache key (a second free is a double free). */
struct cl_central {
	unsigned count, cap;   /* cap: CL_CENTRAL_BYTES of the class, at most CL_CENTRAL_SLOTS */
	struct cl_block *slot[CL_CENTRAL_SLOTS];
};

/*
 * Everything but the remote list is under lock.  Invariants: every chunk
 * of chunks has owner == this arena; free_bytes and free_blocks count the
 * blocks in lists; dirty_pages is the sum of the chunks' dirty_pages;
 * spare, when set, is one of chunks and wholly free; large_bytes is the
 * sum of large_len[].
 *
 * remote: blocks of this arena that other threads freed, a chain through
 * next_free (each carries the cache key, as in a thread cache: a second
 * free of one is a double free).  Other threads push onto it with a
 * compare-and-swap and never take the lock; whoever holds the lock takes
 * the whole chain with one exchange (cl_arena_collect) and gives each
 * block back as its own free would.  remote_bytes is an estimate of what
 * the chain holds, to decide when a pusher collects for an idle owner.
 */
struct cl_arena {
	struct cl_lock lock;
	unsigned index;
	unsigned threads;                  /* live caches using it: written under
	                                      cl_threads_lock, read anywhere (relaxed) */
	struct cl_lists lists;
	struct cl_chunk *chunks;           /* doubly linked through next/prev */
	struct cl_chunk *spare;            /* a wholly free chunk kept mapped */
	size_t nchunks, free_bytes, free_blocks, dirty_pages;
	size_t merges_prev, merges_next;
	/* Bytes freed to the pool less bytes taken from it, floored at 0 and
	 * capped at CL_SHRINK_CAP: a clock without a timer (release.c). */
	size_t shrink;
	struct cl_central central[CL_CLASSES];
	struct cl_bin orphan[CL_ORPHANS][CL_CLASSES];   /* exited threads' caches */
	unsigned orphans;
	char *large_map[CL_LARGE_SLOTS];   /* freed large mappings kept (large.c) */
	size_t large_len[CL_LARGE_SLOTS];
	size_t large_bytes;

	_Alignas(64) struct cl_block *remote;   /* lock-free: another core writes it */
	ptrdiff_t remote_bytes;
};

extern struct cl_arena *cl_arenas[CL_ARENAS_MAX]; /* [0, cl_narenas) are set */
extern unsigned cl_narenas;                       /* atomic; only grows */
extern unsigned cl_live_caches;                   /* atomic: threads with a live cache */
extern struct cl_lock cl_threads_lock;

/* This thread's arena, given to it at its first slow path of any kind
 * (cl_tcache_start); arena 0 for a thread that never gets a cache (the
 * checking modes). */
static inline struct cl_arena *cl_my_arena(void)
{
	struct cl_arena *a = cl_tc.arena;
	return CL_LIKELY(a != NULL) ? a : cl_tcache_start();
}
static inline unsigned cl_arena_count(void) { return __atomic_load_n(&cl_narenas, __ATOMIC_ACQUIRE); }

void cl_arena_init(void);
struct cl_arena *cl_arena_attach(void);          /* a thread's cache starts */
void cl_arena_detach(struct cl_arena *a);        /* and ends */
void cl_arena_lock(struct cl_arena *a);          /* takes remote frees too */
bool cl_arena_trylock(struct cl_arena *a);
void cl_arena_unlock(struct cl_arena *a);
/* Hand blocks first..last (chained through next_free, each carrying the
 * cache key, bytes in all) to their arena a without its lock. */
void cl_arena_remote(struct cl_arena *a, struct cl_block *first, struct cl_block *last, size_t bytes);
void cl_arena_collect(struct cl_arena *a);       /* lock held */
void cl_arena_fork_prepare(void);
void cl_arena_fork_parent(void);
void cl_arena_fork_child(void);

/* central.c, a's lock held: b (of class cls, carrying the cache key) waits
 * in a's central list if there is room and the lists are in use (true),
 * else the caller frees it to the pool. */
bool cl_central_put(struct cl_arena *a, struct cl_block *b, unsigned cls);
unsigned cl_central_take(struct cl_arena *a, unsigned cls, struct cl_block **out, unsigned n);
void cl_central_drain(struct cl_arena *a);
void cl_central_init(struct cl_arena *a);
/* b, of arena a and freed by this thread outside a cache: to the pool
 * (a's lock held or taken) or, for another arena's block, its remote list. */
void cl_arena_free(struct cl_block *b);

/* ------------------------------------------------------------------ */
/* The pool (pool.c): split and coalesce; release policy (release.c);   */
/* aligned fits (aligned.c).  Every function here expects the lock of   */
/* the arena it is given, or of the block's arena, held.                */

/* Set by cl_pool_alloc when zeroing can skip [lo, hi): pages known zero. */
struct cl_zero_hint {
	char *lo, *hi;
};

#define CL_SHRINK_CAP (2 * CL_RELEASE_SLACK)

struct cl_block *cl_pool_alloc(struct cl_arena *a, size_t bsize, struct cl_zero_hint *z);
struct cl_block *cl_pool_alloc_here(struct cl_arena *a, size_t bsize, struct cl_zero_hint *z);
struct cl_block *cl_pool_alloc_aligned(struct cl_arena *a, size_t bsize, size_t align);
struct cl_block *cl_pool_alloc_run(struct cl_arena *a, size_t unit, size_t max);
struct cl_block *cl_pool_alloc_resident(struct cl_arena *a, size_t size);
struct cl_block *cl_pool_take(struct cl_block *b, size_t size, struct cl_zero_hint *z);
void cl_pool_free(struct cl_block *b);
bool cl_pool_grow_in_place(struct cl_block *b, size_t bsize);
void cl_pool_shrink_in_place(struct cl_block *b, size_t bsize);
int cl_pool_trim(size_t pad);                     /* takes the locks itself */
/* release.c: b (size bytes) has just become free and merged; gives back
 * what the policy says.  False when its chunk left the arena. */
bool cl_release_settle(struct cl_block *b, size_t size);
size_t cl_release_inside(struct cl_block *b, size_t size, size_t min_bytes);
static inline void cl_release_taken(struct cl_arena *a, size_t size)
{
	a->shrink = a->shrink > size ? a->shrink - size : 0;
}
static inline void cl_release_freed(struct cl_arena *a, size_t size)
{
	a->shrink = a->shrink + size < CL_SHRINK_CAP ? a->shrink + size : CL_SHRINK_CAP;
}

struct cl_pool_stats {
	size_t chunks, chunk_bytes, free_bytes, released_bytes, free_blocks;
};
void cl_pool_stats(struct cl_pool_stats *s);     /* takes the locks itself */
void cl_pool_print(void);                        /* takes the locks itself */
int cl_pool_check(void);                         /* takes the locks itself */

/* ------------------------------------------------------------------ */
/* Large blocks (large.c): one mapping each; freed mappings wait in the */
/* freeing thread's arena for reuse.                                    */

void *cl_large_alloc(size_t n, size_t align, bool zero);
void cl_large_free(struct cl_block *b);
int cl_large_trim(struct cl_arena *a);           /* empty a's cache; a's lock held */
size_t cl_large_cached(void);                    /* bytes in all caches */
size_t cl_large_each(void (*fn)(void *arg, const struct cl_block *b), void *arg);
void *cl_large_realloc(struct cl_block *b, size_t n);
static inline size_t cl_large_usable(const struct cl_block *b)
{
	return cl_bsize(b) - b->prev_size - CL_HDR;
}

/* ------------------------------------------------------------------ */
/* Heap profiles (profile.c, stack.c) and the heap map (heapmap.c).     */

/* Set once by cl_prof_init (CALLOC_LITE_PROFILE); read by slow paths. */
extern bool cl_prof_on;
void cl_prof_init(void);
/* Sampling: every thread counts down, per size class (CL_CLASSES for
 * every other size), a random number of bytes with mean
 * CALLOC_LITE_PROFILE_RATE; the allocation that reaches 0 is sampled.
 * cl_prof_tick: is this allocation of size bytes the one?
 * cl_prof_quota: how many more of this class before the next sample (a
 *   thread cache's bin gets no more than that, so that the sampled one
 *   comes back to the slow path);
 * cl_prof_consumed: that many bytes were allocated without a tick. */
bool cl_prof_tick(unsigned cls, size_t size);
size_t cl_prof_quota(unsigned cls, size_t size);
void cl_prof_consumed(unsigned cls, size_t bytes);
/* p (n bytes asked, charged bytes counted down, block marked
 * CL_MARK_SAMPLED by the caller) is a sample: its call stack goes into
 * the profile.  cl_prof_forget: freed. */
void cl_prof_record(void *p, size_t n, size_t charged);
void cl_prof_forget(void *p);
/* Set or clear a mark of b under its arena's lock (none for a large one). */
void cl_prof_mark(struct cl_block *b, size_t marks);
void cl_prof_at_exit(void);
void cl_prof_fork_prepare(void);
void cl_prof_fork_parent(void);
void cl_prof_fork_child(void);
size_t cl_prof_table_bytes(void);                /* mapped for the tables */
/* The return addresses of the calling thread's stack above the
 * allocator's own frames, at most max; how many (stack.c). */
int cl_stack_capture(uintptr_t *pcs, int max);

/* The heap map (heapmap.c): an SVG picture of every arena's chunks and the
 * large mappings, written to fd without allocating.  0, or -1. */
int cl_heap_map_write(int fd);

/* ------------------------------------------------------------------ */
/* OS pages (os.c): the only file that calls mmap, munmap, madvise or  */
/* mremap.  Each says when it failed, and then changed nothing.         */

void *cl_os_map(size_t size);                    /* NULL on failure */
void *cl_os_map_aligned(size_t size, size_t align);
int cl_os_unmap(void *p, size_t size);           /* 0, or -1: still mapped */
int cl_os_release(void *p, size_t size);         /* MADV_DONTNEED; -1: still dirty */
int cl_os_hugepages(void *p, size_t size, bool on); /* MADV_(NO)HUGEPAGE */
void *cl_os_remap(void *p, size_t old, size_t new_size); /* NULL on failure */

struct cl_os_stats {
	size_t mmap_calls, munmap_calls, madvise_calls, mremap_calls;
	size_t mapped_bytes;     /* mapped and not (successfully) unmapped */
	size_t refused_calls;    /* strict test mode: calls a kernel with pages
	                            of cl_geo.page would refuse (our bug) */
	size_t large_bytes, large_blocks;
};
void cl_os_stats(struct cl_os_stats *s);
void cl_os_large_account(ptrdiff_t bytes, int blocks);

/* Test hooks: when > 0, the Nth next mapping (mmap or mremap) fails; and
 * every call of the kinds set in cl_os_fail_ops fails. */
extern size_t cl_os_fail_countdown;
extern unsigned cl_os_fail_ops;
enum { CL_OS_MAP = 1, CL_OS_UNMAP = 2, CL_OS_RELEASE = 4, CL_OS_REMAP = 8 };

/* ------------------------------------------------------------------ */
/* Options (options.c), read once by cl_init.                           */

struct cl_options {
	size_t mmap_threshold;   /* requests at or above go to own mappings */
	size_t release_threshold;/* free runs this long are madvised away */
	size_t arenas;           /* CALLOC_LITE_ARENAS: at most this many;
	                            default, eight per CPU we may run on */
	size_t fail_after;       /* CALLOC_LITE_FAIL_AFTER: 0 = never */
	uint64_t fail_chance;    /* CALLOC_LITE_FAIL_PROBABILITY in 2^-64ths:
	                            0 = every call past fail_after fails */
	uint64_t fail_seed;      /* CALLOC_LITE_FAIL_SEED */
	bool stats_at_exit;
	const char *profile;     /* CALLOC_LITE_PROFILE: file name prefix */
	size_t profile_rate;     /* CALLOC_LITE_PROFILE_RATE: mean bytes a sample */
	bool profile_leaks;      /* CALLOC_LITE_PROFILE_LEAKS */
	int profile_signal;      /* CALLOC_LITE_PROFILE_SIGNAL: 0, or a dump on it */
	const char *heap_map;    /* CALLOC_LITE_HEAP_MAP: a picture at exit */
	bool hugepages;          /* CALLOC_LITE_HUGEPAGES: a big pool's new
	                            chunks ask for transparent huge pages */
	bool scribble;           /* CALLOC_LITE_SCRIBBLE */
	bool check;              /* CALLOC_LITE_CHECK */
	bool verbose;            /* CALLOC_LITE_VERBOSE */
	bool valgrind;           /* under valgrind (CALLOC_LITE_VALGRIND=0 turns
	                            it off): client requests describe blocks */
	bool asan;               /* built with --enable-asan: poison free memory */
	/* Any of the checking modes above: thread caches are off, so every
	 * call takes a slow path, where the hooks of debug.c run.  The fast
	 * paths never look at options. */
	bool debug;
	int stats_fd;            /* a copy of stderr taken at start-up, for the
	                            statistics at exit: some programs close fd 2 */
};
extern struct cl_options cl_opt;
void cl_options_read(void);

/* ------------------------------------------------------------------ */
/* Checking modes (debug.c), called from slow paths only when cl_opt.debug. */

#define CL_JUNK_ALLOC 0xa5  /* CALLOC_LITE_SCRIBBLE: fill of a new block */
#define CL_JUNK_FREE  0xdf  /* CALLOC_LITE_SCRIBBLE: fill of a freed block */

bool cl_debug_fail(void);                        /* should this call fail? */
void *cl_debug_alloc(void *p, size_t n, bool zeroed);
/* Before b is freed (p its user pointer): scribble, tell valgrind.  False
 * when b went into the quarantine (CALLOC_LITE_SCRIBBLE) instead: then the
 * caller must not free it. */
bool cl_debug_free(struct cl_block *b, void *p, size_t usable, const char *func);
void cl_debug_quarantine_flush(void);            /* free all it holds */
int cl_debug_quarantine_check(void);             /* faults, as cl_heap_check */
void cl_debug_quiet(bool on);                    /* valgrind error reporting */
void cl_debug_init(void);
void cl_debug_fork_prepare(void);
void cl_debug_fork_parent(void);
void cl_debug_fork_child(void);
void cl_debug_check(const char *func, const void *p);
/* Pool memory state for AddressSanitizer (no-ops unless CL_ASAN). */
void cl_asan_poison(void *p, size_t n);
void cl_asan_unpoison(void *p, size_t n);

/* ------------------------------------------------------------------ */
/* Initialisation (init.c), errors (error.c), output without malloc.    */

extern int cl_ready;     /* 1 once cl_init_slow has set everything up */
void cl_init_slow(void);
/* Acquire: whoever sees 1 also sees the options, tables and secret. */
static inline bool cl_is_ready(void) { return __atomic_load_n(&cl_ready, __ATOMIC_ACQUIRE); }
static inline void cl_init(void)
{
	if (CL_UNLIKELY(!cl_is_ready()))
		cl_init_slow();
}

void cl_print_stats(int fd);
CL_NORETURN CL_COLD void cl_fatal(const char *func, const char *fault, const void *p);

/* Formatting into a fixed buffer, written with write(2). */
struct cl_out {
	int fd;
	size_t len;
	char buf[512];
};
void cl_out_str(struct cl_out *o, const char *s);
void cl_out_dec(struct cl_out *o, size_t v);
void cl_out_hex(struct cl_out *o, uintptr_t v);
void cl_out_flush(struct cl_out *o);

/* The consistency walk: 0 when every invariant holds, else the number of
 * faults found (each reported on stderr). */
int cl_heap_check(void);

/* Shared by the public entry points and the drop-in names.  func names
 * the caller's entry point in error messages. */
CL_NOINLINE void *cl_malloc_slow(size_t n);
CL_NOINLINE void cl_free_slow(void *p, const char *func);
struct cl_block *cl_checked_block(const void *p, const char *func);
void cl_release(struct cl_block *b);   /* free a checked block: no hooks */
void *cl_calloc(size_t nmemb, size_t size);
void *cl_realloc(void *p, size_t n, const char *func);
void *cl_memalign(size_t align, size_t n);
size_t cl_usable_size(void *p, const char *func);

/* ------------------------------------------------------------------ */
/* The fast paths: one likely branch each, this thread's cache only.     */

static inline __attribute__((always_inline)) void *cl_malloc_fast(size_t n)
{
	if (CL_LIKELY(n <= CL_SMALL_REQ_MAX)) {
		unsigned cls = cl_class_up[(n + CL_HDR - sizeof(size_t) + CL_ALIGN - 1) / CL_ALIGN];
		struct cl_bin *bin = &cl_tc.bin[cls];
		struct cl_block *b = bin->head;
		if (CL_LIKELY(b != NULL)) {
			bin->head = b->next_free;
			bin->room++;
			b->prev_free = NULL;   /* no longer carries the cache key */
			return cl_user(b);
		}
		return cl_tcache_refill(n);
	}
	return cl_malloc_slow(n);
}

static inline __attribute__((always_inline)) void cl_free_fast(void *p, const char *func)
{
	if (CL_UNLIKELY(p == NULL))
		return;
	if (CL_LIKELY((uintptr_t)p % CL_ALIGN == 0)) {
		struct cl_block *b = cl_block_of(p);
		size_t w = cl_word(b);
		/* Tag matches, no flag but CL_PREV_FREE (ours, in use, a pool
		 * block), small, room in the cache, and not already in one. */
		if (CL_LIKELY(cl_plain_in_use(b, w) &&
			      (w & CL_SIZE_MASK) <= CL_SMALL_MAX)) {
			struct cl_bin *bin = &cl_tc.bin[cl_class_exact[(w & CL_SIZE_MASK) / CL_ALIGN]];
			/* room first: with caches off (checking modes) the user's
			 * bytes in prev_free are never read. */
			if (CL_LIKELY(bin->room != 0 && (uintptr_t)b->prev_free != cl_cache_key)) {
				b->next_free = bin->head;
				b->prev_free = (struct cl_block *)cl_cache_key;
				bin->head = b;
				bin->room--;
				return;
			}
		}
	}
	cl_free_slow(p, func);
}

#endif /* CL_INTERNAL_H */
