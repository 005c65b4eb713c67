/*
 * heapmap-prog: builds a heap whose picture is known, writes it with
 * custom_heap_map, and says where tests/heapmap.sh must find which colour.
 *
 * In the first chunk, in address order: small blocks freed into the
 * thread cache ("cached"), fifty 40000-byte blocks in use, one of them
 * freed in the middle after a trim (a free run under the release
 * threshold: "free, resident"), then the rest of the chunk free and given
 * back to the OS (released by custom_malloc_trim, or never touched).  A large block
 * stands beside.  Prints
 *     svg PATH
 *     chunk ADDRESS
 *     expect X STATE       (X: pixel of the chunk's strip)
 *     large ADDRESS
 *
 * Copyright (C) 2026 The libcalloc-lite authors.
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MED 40000
#define WIDTH 1024   /* pixels of a strip (heapmap.c) */

static struct cl_chunk *chunk;

/* The pixel of the strip where byte p of the chunk is drawn. */
static unsigned px(const void *p)
{
	return (unsigned)(((uintptr_t)p - (uintptr_t)chunk) / (cl_geo.chunk / WIDTH));
}

static void expect(const void *from, const void *to, const char *state)
{
	/* the middle pixel of a run: far from both ends */
	printf("expect %u %s\n", (px(from) + px(to)) / 2, state);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "heap.svg";
	setenv("CALLOC_LITE_ARENAS", "1", 1);
	cl_init();
	if (cl_opt.debug) {
		fprintf(stderr, "heapmap-prog: a checking mode keeps no thread cache\n");
		return 77;
	}
	char *first = custom_malloc(MED);
	chunk = cl_chunk_of(first);
	char *small[32];
	for (int i = 0; i < 32; i++)
		small[i] = custom_malloc(200);
	char *used[50], *gone[25];
	for (int i = 0; i < 50; i++)
		used[i] = custom_malloc(MED);
	for (int i = 0; i < 25; i++)
		gone[i] = custom_malloc(MED);
	for (int i = 0; i < 25; i++)
		custom_free(gone[i]);
	for (int i = 0; i < 50; i++)
		if (cl_chunk_of(used[i]) != chunk) {
			fprintf(stderr, "heapmap-prog: block %d not in the first chunk\n", i);
			return 1;
		}
	custom_malloc_trim(0);           /* the free tail goes back */
	custom_free(used[20]);           /* a hole under the release threshold: resident */
	for (int i = 0; i < 32; i++)     /* into the (drained) cache */
		custom_free(small[i]);
	char *large = custom_malloc(3 << 20);
	memset(large, 7, 4096);

	if (custom_heap_map(path) != 0) {
		perror(path);
		return 1;
	}
	printf("svg %s\nchunk %#lx\n", path, (unsigned long)(uintptr_t)chunk);
	expect(small[0], (char *)small[31] + 200, "cached");
	expect(used[5], used[15], "used");
	expect(used[20], (char *)used[20] + MED, "free-resident");
	expect((char *)used[49] + MED + MED, (char *)chunk + cl_geo.chunk - MED, "free-released");
	expect(used[30], used[45], "used");
	printf("large %#lx\n", (unsigned long)((uintptr_t)cl_block_of(large) - cl_block_of(large)->prev_size));
	return 0;
}
