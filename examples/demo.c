/*
 * demo.c: a short tour of libcalloc-lite, after the seed's main.c.
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include <calloc-lite.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	/* Medium blocks (above the thread-cache sizes) live in the pool, so
	 * their splits and merges show in the free list. */
	printf("== two allocations\n");
	char *a = custom_malloc(40000);
	char *b = custom_malloc(60000);
	char *guard = custom_malloc(50000);
	if (!a || !b || !guard)
		return 1;
	strcpy(a, "hello from the pool");
	print_free_list();

	printf("\n== after freeing both (they merge with each other)\n");
	custom_free(b);
	custom_free(a);
	print_free_list();

	printf("\n== realloc grows in place into the free neighbour\n");
	a = custom_malloc(40000);
	char *grown = custom_realloc(a, 90000);
	printf("realloc(%p, 90000) = %p (%s)\n", (void *)a, (void *)grown,
	       grown == a ? "in place" : "moved");

	printf("\n== a large block is its own mapping\n");
	char *big = custom_malloc(8 << 20);
	memset(big, 1, 8 << 20);
	struct custom_mallinfo mi = custom_mallinfo();
	printf("large blocks: %zu, bytes mapped: %zu\n", mi.large_blocks, mi.mapped);
	custom_free(big);
	custom_free(grown);
	custom_free(guard);

	mi = custom_mallinfo();
	printf("after freeing everything: %zu bytes mapped (a spare chunk, and %zu "
	       "bytes of large mapping kept for reuse)\n", mi.mapped, mi.large_cached);
	print_free_list();
	custom_malloc_trim(0);
	mi = custom_mallinfo();
	printf("after custom_malloc_trim(0): %zu bytes mapped, %zu munmap calls\n",
	       mi.mapped, mi.munmap_calls);
	return 0;
}
