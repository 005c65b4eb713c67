/*
 * pool.c: split, coalesce, page release, chunk unmapping, reserve, huge
 * pages for a big pool, and the heap check itself, observed through
 * custom_mallinfo and RSS.  Sizes are above the thread-cache limit (32 KiB
 * blocks) and below the mmap threshold, so every block lives in the pool.
 */
#include "internal.h"
#include "tap.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MED 40000  /* a pool block: bigger than any cached class */

static struct custom_mallinfo mi(void) { return custom_mallinfo(); }

static void test_split_and_merge(void)
{
	char *warm = custom_malloc(MED);   /* the first chunk exists from here */
	struct custom_mallinfo m0 = mi();
	char *a = custom_malloc(MED), *b = custom_malloc(MED), *c = custom_malloc(MED);
	char *guard = custom_malloc(MED);
	size_t bs = cl_bsize(cl_block_of(a));
	is_size(bs, cl_request_to_bsize(MED), "a pool block is cut to the size asked (split)");
	struct custom_mallinfo m1 = mi();
	is_size(m0.pool_free - m1.pool_free, 4 * bs, "four splits take exactly four blocks from the free bytes");

	custom_free(a);
	custom_free(c);
	struct custom_mallinfo m2 = mi();
	is_size(m2.free_blocks, m1.free_blocks + 2, "two separated frees make two free blocks");
	custom_free(b);
	struct custom_mallinfo m3 = mi();
	is_size(m3.free_blocks, m1.free_blocks + 1, "freeing the middle merges with both neighbours");
	is_size(m3.pool_free, m1.pool_free + 3 * bs, "merged block holds all three");

	struct cl_block *merged = cl_block_of(a);
	ok((merged->word & CL_FREE) && cl_bsize(merged) == 3 * bs, "one free block of 3 sizes where a was");
	ok(cl_heap_check() == 0, "heap check clean after merging");

	char *d = custom_malloc(2 * MED);
	ok(d == a, "a fitting request reuses the merged block (first fit)");
	custom_free(d);
	custom_free(guard);
	custom_free(warm);
	ok(cl_heap_check() == 0, "heap check clean");
}

static void test_release_inside_chunk(void)
{
	/* Fill most of a chunk, keep the ends, free the middle: the free run
	 * is far above the release threshold and must be given back. */
	enum { N = 90 };
	char *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = custom_malloc(MED);
		memset(p[i], 0x5a, MED);
	}
	struct custom_mallinfo m0 = mi();
	size_t rss0 = rss_bytes();
	for (int i = 1; i < N - 1; i++)
		custom_free(p[i]);
	struct custom_mallinfo m1 = mi();
	size_t rss1 = rss_bytes();
	ok(m1.madvise_calls > m0.madvise_calls, "a long free run is released with madvise");
	ok(m1.pool_released + CL_RELEASE_SLACK >= m0.pool_released + (N - 4) * (size_t)MED,
	   "released bytes cover the run but for the slack (%zu -> %zu)", m0.pool_released, m1.pool_released);
	if (rss_unreliable())
		skip("RSS falls when the run is freed: %s", rss_unreliable());
	else
	ok(rss1 + (N - 4) * (size_t)MED <= rss0 + CL_RELEASE_SLACK + 512 * 1024,
	   "RSS falls when the run is freed (%zu KiB -> %zu KiB)", rss0 / 1024, rss1 / 1024);

	/* calloc from released pages: zero, and the pages are not touched. */
	size_t rss2 = rss_bytes();
	size_t zn = 30 * cl_geo.page + 100;   /* within the run released above */
	if (zn > (N - 4) * (size_t)MED)
		zn = (N - 4) * (size_t)MED / 2;
	char *z = custom_calloc(1, zn);
	size_t rss3 = rss_bytes();
	int zero = 1;
	for (size_t i = 0; i < zn; i++)
		zero &= z[i] == 0;
	ok(zero, "calloc from released pages is zero");
	if (rss_unreliable())
		skip("calloc does not clear pages known to be zero: %s", rss_unreliable());
	else
	ok(rss3 < rss2 + zn / 4, "calloc does not clear pages known to be zero (%zu KiB: RSS +%zu KiB)",
	   zn / 1024, (rss3 - rss2) / 1024);
	custom_free(z);
	custom_free(p[0]);
	custom_free(p[N - 1]);
	ok(cl_heap_check() == 0, "heap check clean after release");
}

static void test_chunks_unmapped(void)
{
	enum { N = 1600 };  /* ~64 MB in 16 chunks */
	static char *p[N];
	struct custom_mallinfo m0 = mi();
	size_t rss0 = rss_bytes();
	for (int i = 0; i < N; i++) {
		p[i] = custom_malloc(MED);
		memset(p[i], i, MED);
	}
	struct custom_mallinfo m1 = mi();
	ok(m1.chunks >= m0.chunks + 14, "the pool grew by chunks (%zu -> %zu)", m0.chunks, m1.chunks);
	for (int i = 0; i < N; i++)
		custom_free(p[i]);
	struct custom_mallinfo m2 = mi();
	size_t rss2 = rss_bytes();
	ok(m2.chunks <= m0.chunks + 1, "wholly free chunks are unmapped, one spare kept (%zu chunks)", m2.chunks);
	ok(m2.munmap_calls >= m1.munmap_calls + 14, "munmap was called for them");
	if (cl_opt.asan)
		skip("RSS: AddressSanitizer's shadow memory and quarantine");
	else if (rss_unreliable())
		skip("RSS returns close to its start: %s", rss_unreliable());
	else
	ok(rss2 < rss0 + 4 * 1024 * 1024, "RSS returns close to its start (%zu KiB -> %zu KiB)",
	   rss0 / 1024, rss2 / 1024);
	ok(cl_heap_check() == 0, "heap check clean");
}

/* A thread of its own arena (main sets CALLOC_LITE_ARENAS so that there
 * is room for one). */
static void *other_arena_allocs(void *arg)
{
	(void)arg;
	static char *p[250];   /* 10 MB: more than a spare chunk holds */
	for (int i = 0; i < 250; i++)
		p[i] = custom_malloc(MED);
	for (int i = 0; i < 250; i++)
		custom_free(p[i]);
	return NULL;
}

static void test_reserve(void)
{
	struct custom_mallinfo m0 = mi();
	errno = 0;
	ok(custom_init_pool(SIZE_MAX) == -1 && errno == ENOMEM, "custom_init_pool(SIZE_MAX) fails with ENOMEM");
	is_size(mi().mmap_calls, m0.mmap_calls, "and maps nothing");
	ok(custom_init_pool(0) == 0, "custom_init_pool(0) succeeds");
	is_size(mi().mmap_calls, m0.mmap_calls, "custom_init_pool(0) maps nothing");
	ok(custom_init_pool(10 << 20) == 0, "custom_init_pool(10 MiB) succeeds");
	struct custom_mallinfo m1 = mi();
	ok(m1.pool_mapped >= m0.pool_mapped + (10 << 20), "at least 10 MiB more pool is mapped");
	ok(custom_init_pool(5 << 20) == 0, "a smaller reserve later maps nothing more");
	is_size(mi().chunks, m1.chunks, "same chunk count");

	char *p[200];
	for (int i = 0; i < 200; i++)
		p[i] = custom_malloc(MED);
	is_size(mi().mmap_calls, m1.mmap_calls, "8 MB of allocations come from the reserve: no mmap");
	for (int i = 0; i < 200; i++)
		custom_free(p[i]);
	ok(mi().pool_mapped >= m1.pool_mapped, "reserved chunks stay mapped when free");
	pthread_t t;
	size_t chunks = mi().chunks;
	pthread_create(&t, NULL, other_arena_allocs, NULL);
	pthread_join(t, NULL);
	/* (Its new arena itself is mapped, but no chunk.) */
	is_size(mi().chunks, chunks, "a thread of another arena allocates from the reserve too: no chunk mapped");
	custom_malloc_trim(SIZE_MAX);   /* drains this thread's cache first */
	size_t released = mi().pool_released;
	int r = custom_malloc_trim(SIZE_MAX);   /* keep everything */
	ok(r == 0 && mi().pool_released == released && cl_heap_check() == 0,
	   "custom_malloc_trim(SIZE_MAX) gives back no free run of the reserve");
	ok(custom_malloc_trim(0) == 1 || mi().pool_released > 0, "trim releases pages");
	ok(mi().pool_mapped >= (10 << 20), "trim keeps reserved chunks");
	ok(cl_heap_check() == 0, "heap check clean");
}

static void test_check_catches_corruption(void)
{
	char *a = custom_malloc(MED), *b = custom_malloc(MED), *g = custom_malloc(MED);
	custom_free(a);
	struct cl_block *fb = cl_block_of(a);
	size_t saved = cl_next_block(fb)->prev_size;
	cl_next_block(fb)->prev_size = saved + 16;       /* a wrong footer */
	ok(cl_heap_check() > 0, "heap check reports a corrupt footer");
	cl_next_block(fb)->prev_size = saved;
	ok(cl_heap_check() == 0, "and is clean again once it is repaired");
	struct cl_block *bb = cl_block_of(b);
	cl_clear_flag(bb, CL_PREV_FREE);                 /* disagrees with a */
	ok(cl_heap_check() > 0, "heap check reports a wrong PREV_FREE flag");
	cl_set_flag(bb, CL_PREV_FREE);
	custom_free(b);
	custom_free(g);
	ok(cl_heap_check() == 0, "heap check clean");
}

/* AnonHugePages of this process, in KiB. */
static long anon_huge_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* Does the kernel give transparent huge pages only where asked? */
static bool thp_on_request(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128] = "";
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = 0;
		fclose(f);
	}
	return strstr(line, "[madvise]") != NULL;
}

static void test_huge_pages(void)
{
	enum { BIG = 200000, N = 72 * 20 };   /* 20 a chunk: 72 chunks */
	static char *p[N];
	if (!thp_on_request() || getenv("CL_UNDER_VALGRIND") || cl_opt.asan || under_qemu() ||
	    anon_huge_kib() < 0) {
		skip("transparent huge pages: not given on request here (or under valgrind/ASan/qemu-user)");
		return;
	}
	long h0 = anon_huge_kib();
	size_t chunks0 = mi().chunks;
	for (int i = 0; i < N; i++) {
		p[i] = custom_malloc(BIG);
		p[i][0] = 1;   /* one page of each block, or a huge page */
	}
	long h1 = anon_huge_kib();
	ok(mi().chunks > chunks0 + 60 && mi().chunks > 64 && h1 >= h0 + 2048,
	   "with CALLOC_LITE_HUGEPAGES=1, a pool past 64 chunks gets huge pages for its new ones (%zu chunks, AnonHugePages %ld -> %ld KiB)",
	   mi().chunks, h0, h1);
	for (int i = 0; i < N; i++)
		custom_free(p[i]);
	long h2 = anon_huge_kib();
	ok(h2 <= h0 + 4096, "and gives them back when they are free (AnonHugePages %ld KiB)", h2);
	ok(cl_heap_check() == 0, "heap check clean");
}

int main(void)
{
	setenv("CALLOC_LITE_ARENAS", "4", 1);   /* whatever the CPUs here */
	setenv("CALLOC_LITE_HUGEPAGES", "1", 1);   /* off by default: see test_huge_pages */
	test_split_and_merge();
	test_release_inside_chunk();
	test_chunks_unmapped();
	test_check_catches_corruption();
	test_reserve();
	test_huge_pages();
	return done_testing();
}
