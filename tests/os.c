/*
 * os.c: the OS layer's fault injection, and that every failure to map
 * memory reaches the caller as NULL/ENOMEM with nothing lost; that a
 * release or an unmapping the OS refuses changes no bookkeeping (pages
 * not released are cleared by calloc, a mapping not unmapped stays
 * counted); and that calloc returns zeros whatever the page size (run
 * by tests/pagesize.sh in bigger pages too).
 */
#include "internal.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static size_t nonzero_bytes(const unsigned char *p, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += p[i] != 0;
	return bad;
}

/* Free dirty blocks of all sizes and calloc new ones in their place, over
 * and over: every calloc must be zero, whatever the OS did or refused. */
static size_t dirty_calloc_loop(int rounds)
{
	enum { SLOTS = 64 };
	unsigned char *slot[SLOTS] = { 0 };
	size_t size[SLOTS] = { 0 }, bad_calls = 0;
	for (int r = 0; r < rounds; r++) {
		unsigned i = (unsigned)(rnd() % SLOTS);
		if (slot[i]) {
			memset(slot[i], 0xa5, size[i]);
			custom_free(slot[i]);
		}
		/* Mostly pool blocks from 16 B to 200 KiB, some large ones. */
		size_t n = (size_t)1 << (4 + rnd() % 15);
		n += rnd() % n;
		size[i] = n;
		slot[i] = custom_calloc(1, n);
		if (!slot[i])
			bail("calloc(1, %zu) failed", n);
		bad_calls += nonzero_bytes(slot[i], n) != 0;
	}
	for (unsigned i = 0; i < SLOTS; i++)
		custom_free(slot[i]);
	return bad_calls;
}

static void test_release_refused(void)
{
	/* Dirty a long run and free it while every madvise fails: nothing
	 * is counted as released, and calloc still clears what it reuses. */
	enum { N = 60, MED = 40000 };
	char *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = custom_malloc(MED);
		memset(p[i], 0x5a, MED);
	}
	struct custom_mallinfo m0 = custom_mallinfo();
	cl_os_fail_ops = CL_OS_RELEASE;
	for (int i = 1; i < N - 1; i++)
		custom_free(p[i]);
	custom_malloc_trim(0);
	struct custom_mallinfo m1 = custom_mallinfo();
	is_size(m1.madvise_calls, m0.madvise_calls, "with madvise refused, no release is counted");
	ok(m1.pool_released <= m0.pool_released, "and no byte more is counted as given back (%zu -> %zu)",
	   m0.pool_released, m1.pool_released);
	char *z = custom_calloc(N - 2, MED);
	ok(z && nonzero_bytes((unsigned char *)z, (N - 2) * (size_t)MED) == 0,
	   "calloc over pages whose release failed returns zeros");
	custom_free(z);
	is_size(dirty_calloc_loop(20000), 0, "20000 callocs among dirty frees, releases refused: all zero");
	cl_os_fail_ops = 0;
	custom_free(p[0]);
	custom_free(p[N - 1]);
	ok(cl_heap_check() == 0, "heap check clean (page bits agree)");
}

static void test_unmap_refused(void)
{
	custom_malloc_trim(0);
	struct custom_mallinfo m0 = custom_mallinfo();
	char *big = custom_malloc(64u << 20);   /* more than the large cache keeps */
	ok(big != NULL, "a 64 MiB block");
	memset(big, 1, 4096);
	cl_os_fail_ops = CL_OS_UNMAP;
	custom_free(big);
	struct custom_mallinfo m1 = custom_mallinfo();
	is_size(m1.munmap_calls, m0.munmap_calls, "with munmap refused, no unmapping is counted");
	ok(m1.mapped >= m0.mapped + (64u << 20), "and the mapping still counts as mapped (%zu -> %zu)",
	   m0.mapped, m1.mapped);
	/* Wholly free chunks the OS will not take stay in the pool. */
	enum { N = 300, MED = 40000 };
	static char *p[N];
	for (int i = 0; i < N; i++)
		p[i] = custom_malloc(MED);
	size_t chunks = custom_mallinfo().chunks;
	for (int i = 0; i < N; i++)
		custom_free(p[i]);
	custom_malloc_trim(0);
	ok(custom_mallinfo().chunks == chunks, "chunks it refused to unmap stay in the pool (%zu)", chunks);
	ok(cl_heap_check() == 0, "heap check clean");
	cl_os_fail_ops = 0;
	custom_malloc_trim(0);
	ok(custom_mallinfo().chunks < chunks, "once it agrees, trim unmaps them");
	ok(cl_heap_check() == 0, "heap check clean");
}

int main(void)
{
	char *keep = custom_malloc(40000);
	memset(keep, 0x44, 40000);

	cl_os_fail_countdown = 1;
	errno = 0;
	void *p = custom_malloc(1 << 20);
	ok(p == NULL && errno == ENOMEM, "a large malloc whose mmap fails gives NULL/ENOMEM");
	p = custom_malloc(1 << 20);
	ok(p != NULL, "the next one works");
	custom_free(p);

	/* Keep allocating with the next mapping set to fail: blocks come from
	 * the chunks we have until one is needed, and that one must fail. */
	char *fill[100];
	int n = 0;
	size_t before = custom_mallinfo().chunks;
	cl_os_fail_countdown = 1;
	errno = 0;
	while (n < 100 && (p = custom_malloc(200000)) != NULL)
		fill[n++] = p;
	ok(p == NULL && errno == ENOMEM, "pool growth failing gives NULL/ENOMEM (after %d blocks)", n);
	is_size(custom_mallinfo().chunks, before, "and maps no chunk");
	cl_os_fail_countdown = 1;
	errno = 0;
	ok(custom_calloc(1, 200000) == NULL && errno == ENOMEM, "calloc too");
	cl_os_fail_countdown = 1;
	void *m = (void *)0x1;
	ok(custom_posix_memalign(&m, 4096, 200000) == ENOMEM && m == (void *)0x1,
	   "posix_memalign returns ENOMEM and leaves *memptr alone");
	cl_os_fail_countdown = 0;
	p = custom_malloc(200000);
	ok(p != NULL, "with memory back, the pool grows again");
	custom_free(p);
	for (int i = 0; i < n; i++)
		custom_free(fill[i]);
	int intact = 1;
	for (int i = 0; i < 40000; i++)
		intact &= keep[i] == 0x44;
	ok(intact, "a live block is untouched by the failures");
	custom_free(keep);
	ok(cl_heap_check() == 0, "heap check clean");

	test_release_refused();
	test_unmap_refused();
	is_size(dirty_calloc_loop(40000), 0, "40000 callocs among dirty frees (page %zu): all zero", cl_geo.page);
	ok(cl_heap_check() == 0, "heap check clean, no OS call misaligned to the page");
	return done_testing();
}
