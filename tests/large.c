/*
 * large.c: blocks at or above the mmap threshold are their own mappings.
 */
#include "internal.h"
#include "tap.h"

#include <string.h>

static struct custom_mallinfo mi(void) { return custom_mallinfo(); }

int main(void)
{
	cl_init();
	size_t thr = cl_opt.mmap_threshold;

	struct custom_mallinfo m0 = mi();
	char *p = custom_malloc(thr);
	struct custom_mallinfo m1 = mi();
	ok(p != NULL, "a block at the threshold is allocated");
	is_size(m1.large_blocks, m0.large_blocks + 1, "it is a large block");
	is_size(m1.mmap_calls, m0.mmap_calls + 1, "with one mmap of its own");
	ok(m1.large >= thr && m1.large < thr + 2 * cl_geo.page, "large bytes are its page-rounded size (%zu)", m1.large);
	size_t u = custom_malloc_usable_size(p);
	ok(u >= thr && u < thr + cl_geo.page, "usable size covers the request, within a page (%zu)", u);
	memset(p, 0x11, u);
	custom_free(p);
	struct custom_mallinfo m2 = mi();
	is_size(m2.large_blocks, m0.large_blocks, "free ends the large block");
	is_size(m2.large, m0.large, "large bytes back to where they were");
	is_size(m2.large_cached, m1.large, "its mapping is kept for reuse");
	char *again = custom_malloc(thr);
	struct custom_mallinfo m2b = mi();
	ok(again == p, "the next large request of that size reuses it");
	is_size(m2b.mmap_calls, m2.mmap_calls, "without a new mapping");
	custom_free(again);
	ok(custom_malloc_trim(0) == 1, "custom_malloc_trim empties the cache");
	struct custom_mallinfo m2c = mi();
	ok(m2c.munmap_calls > m2b.munmap_calls && m2c.large_cached == 0, "with munmap");

	/* The cache is bounded by the large blocks in use: once all ten are
	 * freed, it keeps no more than its floor of 8 MiB. */
	char *many[10];
	for (int i = 0; i < 10; i++)
		many[i] = custom_malloc(4 << 20);
	for (int i = 0; i < 10; i++)
		custom_free(many[i]);
	ok(mi().large_cached <= (8u << 20) + 65536, "40 MiB freed, the cache keeps at most its floor, 8 MiB and 64 KiB (%zu)",
	   mi().large_cached);
	custom_malloc_trim(0);
	/* Bigger than the budget with nothing else in use: unmapped at once,
	 * whatever the (empty) cache could evict. */
	char *big18 = custom_malloc(18 << 20);
	big18[0] = 1;
	custom_free(big18);
	ok(mi().large_cached == 0, "an 18 MiB block freed alone is unmapped, not cached (%zu)", mi().large_cached);
	m0 = mi();

	char *q = custom_malloc(thr - 1024);
	ok(mi().large_blocks == m0.large_blocks, "just below the threshold stays in the pool");
	custom_free(q);

	/* realloc moves the mapping with mremap and keeps the data. */
	char *r = custom_malloc(1 << 20);
	for (size_t i = 0; i < (1 << 20); i++)
		r[i] = (char)(i * 7);
	struct custom_mallinfo m3 = mi();
	char *r2 = custom_realloc(r, 8 << 20);
	struct custom_mallinfo m4 = mi();
	ok(r2 != NULL, "large realloc to 8 MiB");
	if (cl_opt.debug)
		skip("mremap: %s", "checking mode (caches off, realloc moves)");
	else
		is_size(m4.mremap_calls, m3.mremap_calls + 1, "done with one mremap");
	int same = 1;
	for (size_t i = 0; i < (1 << 20); i++)
		same &= r2[i] == (char)(i * 7);
	ok(same, "contents survive the move");
	memset(r2 + (1 << 20), 0x22, (7 << 20));
	char *r3 = custom_realloc(r2, 2 << 20);
	ok(r3 != NULL && r3[12345] == (char)(12345 * 7), "shrinking keeps the prefix");
	ok(mi().large < m4.large, "and gives pages back");
	char *r4 = custom_realloc(r3, 100);
	ok(r4 != NULL && r4[99] == (char)(99 * 7), "realloc of a large block to a small size keeps data");
	is_size(mi().large_blocks, m0.large_blocks, "and leaves no large block behind");
	custom_free(r4);

	/* Aligned large blocks: the header moves inside the mapping. */
	void *a = NULL;
	ok(custom_posix_memalign(&a, 1 << 20, 3 << 20) == 0 && (uintptr_t)a % (1 << 20) == 0,
	   "1 MiB-aligned 3 MiB block");
	memset(a, 0x33, 3 << 20);
	ok(custom_malloc_usable_size(a) >= (3 << 20), "its usable size covers it");
	char *a2 = custom_realloc(a, 4 << 20);
	ok(a2 && a2[(3 << 20) - 1] == 0x33, "realloc of an aligned large block keeps data");
	custom_free(a2);
	is_size(mi().large, m0.large, "all large mappings are gone");

	/* Fresh mappings are zero: calloc of a large block. */
	char *z = custom_calloc(1, 5 << 20);
	int zero = 1;
	for (size_t i = 0; i < (5 << 20); i += 511)
		zero &= z[i] == 0;
	ok(zero, "calloc of a large block is zero");
	custom_free(z);
	return done_testing();
}
