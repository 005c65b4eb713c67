/*
 * preload.c: the drop-in names.  Built only into libcalloc-lite-preload.so,
 * from the same core as libcalloc-lite.so (with initial-exec TLS, see
 * CL_TLS), they replace the whole malloc family of a program that preloads
 * the library.  Semantics are glibc's (see "Replacing malloc" in its manual);
 * where they differ, libcalloc-lite(7) says so.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* Names glibc 2.36's headers do not declare (any longer, or yet). */
void cfree(void *p);
void free_sized(void *p, size_t size);
void free_aligned_sized(void *p, size_t align, size_t size);

EXPORT void *malloc(size_t n)
{
	return cl_malloc_fast(n);
}

EXPORT void free(void *p)
{
	cl_free_fast(p, "free");
}

EXPORT void cfree(void *p)
{
	cl_free_fast(p, "cfree");
}

/* C23: the size and alignment are promises we could check; glibc 2.36 has
 * neither function, so we only free. */
EXPORT void free_sized(void *p, size_t size)
{
	(void)size;
	cl_free_fast(p, "free_sized");
}

EXPORT void free_aligned_sized(void *p, size_t align, size_t size)
{
	(void)align;
	(void)size;
	cl_free_fast(p, "free_aligned_sized");
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
	return cl_calloc(nmemb, size);
}

EXPORT void *realloc(void *p, size_t n)
{
	return cl_realloc(p, n, "realloc");
}

EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return cl_realloc(p, n, "reallocarray");
}

EXPORT int posix_memalign(void **memptr, size_t alignment, size_t size)
{
	return custom_posix_memalign(memptr, alignment, size);
}

EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
	return custom_aligned_alloc(alignment, size);
}

/* glibc's memalign rounds an alignment that is not a power of two up to
 * the next one, and fails with EINVAL only past SIZE_MAX / 2 + 1. */
EXPORT void *memalign(size_t alignment, size_t size)
{
	if (alignment > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (alignment & (alignment - 1))
		alignment = (size_t)1 << (cl_log2(alignment) + 1);
	return cl_memalign(alignment, size);
}

EXPORT void *valloc(size_t size)
{
	cl_init();
	return cl_memalign(cl_geo.page, size);
}

/* pvalloc rounds the size up to whole pages; pvalloc(0) gets one page. */
EXPORT void *pvalloc(size_t size)
{
	cl_init();   /* cl_geo.page is the kernel's from here */
	size_t page = cl_geo.page;
	size_t n = cl_align_up(size ? size : 1, page);
	if (n < size) {
		errno = ENOMEM;
		return NULL;
	}
	return cl_memalign(page, n);
}

EXPORT size_t malloc_usable_size(void *p)
{
	return cl_usable_size(p, "malloc_usable_size");
}

EXPORT int malloc_trim(size_t pad)
{
	return custom_malloc_trim(pad);
}

EXPORT void malloc_stats(void)
{
	custom_malloc_stats();
}

/* The names glibc's own code and some programs call directly. */
EXPORT void *__libc_malloc(size_t n) __attribute__((alias("malloc"), copy(malloc)));
EXPORT void __libc_free(void *p) __attribute__((alias("free"), copy(free)));
EXPORT void *__libc_calloc(size_t nmemb, size_t size) __attribute__((alias("calloc"), copy(calloc)));
EXPORT void *__libc_realloc(void *p, size_t n) __attribute__((alias("realloc"), copy(realloc)));
EXPORT void *__libc_memalign(size_t alignment, size_t size) __attribute__((alias("memalign"), copy(memalign)));
EXPORT void *__libc_valloc(size_t size) __attribute__((alias("valloc"), copy(valloc)));
EXPORT void *__libc_pvalloc(size_t size) __attribute__((alias("pvalloc"), copy(pvalloc)));
EXPORT int __posix_memalign(void **memptr, size_t alignment, size_t size) __attribute__((alias("posix_memalign"), copy(posix_memalign)));
