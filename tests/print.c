/*
 * print.c: print_free_list shows every free block and the totals, on
 * stdout, and allocates nothing while doing it.
 */
#include "internal.h"
#include "tap.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char out[1 << 16];

/* Run print_free_list with fd 1 sent to a temporary file; read it back. */
static void capture(void)
{
	char path[] = "/tmp/cl-print-XXXXXX";
	int fd = mkstemp(path);
	fflush(stdout);
	int saved = dup(1);
	dup2(fd, 1);
	print_free_list();
	dup2(saved, 1);
	close(saved);
	ssize_t n = pread(fd, out, sizeof out - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
}

int main(void)
{
	char *a = custom_malloc(40000), *b = custom_malloc(50000), *c = custom_malloc(40000);
	custom_free(b);
	struct custom_mallinfo m = custom_mallinfo();

	struct mallinfo2 g0 = mallinfo2();
	struct custom_mallinfo c0 = custom_mallinfo();
	capture();
	struct mallinfo2 g1 = mallinfo2();
	struct custom_mallinfo c1 = custom_mallinfo();
	ok(g0.uordblks == g1.uordblks, "print_free_list makes no glibc allocation");
	ok(c0.in_use == c1.in_use && c0.free_blocks == c1.free_blocks,
	   "print_free_list makes no allocation of ours");

	char want[128];
	snprintf(want, sizeof want, "free block %p size %zu", (void *)cl_block_of(b),
		 cl_bsize(cl_block_of(b)));
	ok(strstr(out, want) != NULL, "the freed block is listed with its address and size (%s)", want);
	snprintf(want, sizeof want, "chunk 0x%lx size %zu",
		 (unsigned long)((uintptr_t)a & ~(cl_geo.chunk - 1)), (size_t)cl_geo.chunk);
	ok(strstr(out, want) != NULL, "its chunk is listed (%s)", want);
	snprintf(want, sizeof want, "total: %zu chunks, %zu free blocks, %zu free bytes",
		 m.chunks, m.free_blocks, m.pool_free);
	ok(strstr(out, want) != NULL, "totals match custom_mallinfo (%s)", want);
	ok(strstr(out, "merges: ") != NULL, "merge counts are shown");
	ok(strstr(out, "large blocks: 0") != NULL, "large blocks are counted");

	custom_free(a);
	capture();
	snprintf(want, sizeof want, "free block %p size %zu", (void *)cl_block_of(a),
		 cl_bsize(cl_block_of(a)) + 0);
	ok(strstr(out, "merges: 1 with the previous block") == NULL &&
	   strstr(out, "1 with the next block") != NULL,
	   "freeing a merges it with its free next neighbour");
	custom_free(c);
	return done_testing();
}
