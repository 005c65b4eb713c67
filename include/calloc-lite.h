/*
 * calloc-lite.h: the public interface of libcalloc-lite, a general-purpose
 * memory allocator.  This is the only installed header; see custom_malloc(3)
 * and libcalloc-lite(7).
 *
 * Link with: cc app.c $(pkg-config --cflags --libs calloc-lite)
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#ifndef CALLOC_LITE_H
#define CALLOC_LITE_H 1

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CALLOC_LITE_BUILDING) && defined(__GNUC__)
# define CALLOC_LITE_API __attribute__((visibility("default")))
#else
# define CALLOC_LITE_API
#endif

#if defined(__GNUC__)
# define CALLOC_LITE_MALLOC_LIKE(...) __attribute__((malloc, __VA_ARGS__))
#else
# define CALLOC_LITE_MALLOC_LIKE(...)
#endif

/* The seeds' interface: malloc, free, calloc and realloc with glibc's
 * semantics (see custom_malloc(3)). */
CALLOC_LITE_API void *custom_malloc(size_t size)
	CALLOC_LITE_MALLOC_LIKE(alloc_size(1));
CALLOC_LITE_API void custom_free(void *ptr);
CALLOC_LITE_API void *custom_calloc(size_t nmemb, size_t size)
	CALLOC_LITE_MALLOC_LIKE(alloc_size(1, 2));
CALLOC_LITE_API void *custom_realloc(void *ptr, size_t size);

/* Print the free blocks of every pool chunk, and totals, on stdout.
 * Never allocates. */
CALLOC_LITE_API void print_free_list(void);

/* Extras, each after its glibc namesake. */
CALLOC_LITE_API size_t custom_malloc_usable_size(void *ptr);
CALLOC_LITE_API int custom_posix_memalign(void **memptr, size_t alignment,
					  size_t size);
CALLOC_LITE_API void *custom_aligned_alloc(size_t alignment, size_t size)
	CALLOC_LITE_MALLOC_LIKE(alloc_size(2));

/* Map at least BYTES of pool now instead of at the first allocation.
 * Returns 0, or -1 with errno set to ENOMEM. */
CALLOC_LITE_API int custom_init_pool(size_t bytes);

/* A snapshot of the allocator's counters.  All byte counts include block
 * headers.  The OS call counts are totals since the process started. */
struct custom_mallinfo {
	size_t mapped;        /* bytes mapped from the OS now (pool + large,
	                         including large_cached) */
	size_t pool_mapped;   /* bytes in pool chunks (including a spare) */
	size_t in_use;        /* bytes in pool blocks handed out or cached by
	                         threads (or handed back by their caches and
	                         waiting for a refill), plus bytes in large
	                         mappings */
	size_t pool_free;     /* bytes in free pool blocks */
	size_t pool_released; /* of pool_free, bytes given back with madvise */
	size_t large;         /* bytes in large blocks (own mappings) */
	size_t large_blocks;  /* number of large blocks */
	size_t free_blocks;   /* number of free pool blocks */
	size_t chunks;        /* number of pool chunks mapped */
	size_t mmap_calls;    /* successful mmap calls */
	size_t munmap_calls;
	size_t madvise_calls;
	size_t mremap_calls;
	size_t large_cached;  /* bytes of freed large mappings kept for reuse
	                         (counted in mapped, not in in_use) */
};
CALLOC_LITE_API struct custom_mallinfo custom_mallinfo(void);

/* A human summary of custom_mallinfo() on stderr, like malloc_stats(3). */
CALLOC_LITE_API void custom_malloc_stats(void);

/* What the allocator's locks cost, one entry per kind of lock (for
 * example "arena"): how many locks of the kind exist, how often they were
 * taken, and how often one was held by another thread when asked.  Fills
 * up to N entries of OUT and returns the number of kinds, which later
 * versions may raise; call with N = 0 to learn it.  See
 * custom_malloc_stats(3). */
struct custom_lock_stats {
	const char *name;     /* the kind: a static string */
	size_t locks;         /* locks of this kind */
	size_t acquired;      /* acquisitions, all locks of the kind */
	size_t contended;     /* of those, found held by another thread */
};
CALLOC_LITE_API size_t custom_malloc_lock_stats(struct custom_lock_stats *out, size_t n);

/* Write the sampled heap profile (CALLOC_LITE_PROFILE) to PATH, or to
 * <prefix>.<pid>.<n>.heap when PATH is NULL, in the format google-pprof
 * reads.  Returns 0, or -1 with errno set (ENOTSUP when not profiling).
 * See custom_malloc_profile_dump(3). */
CALLOC_LITE_API int custom_malloc_profile_dump(const char *path);

/* Write a picture of the heap, an SVG image of every pool chunk's blocks
 * by state and of the large mappings, to PATH.  Never allocates.  Returns
 * 0, or -1 with errno set.  See custom_heap_map(3). */
CALLOC_LITE_API int custom_heap_map(const char *path);

/* Give back to the OS all free memory it can now, keeping PAD bytes.
 * Returns 1 if memory was released, else 0, like malloc_trim(3). */
CALLOC_LITE_API int custom_malloc_trim(size_t pad);

#ifdef __cplusplus
}
#endif

#endif /* CALLOC_LITE_H */
