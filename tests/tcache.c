/*
 * tcache.c: per-thread caches: reuse without the pool, no system calls on
 * the fast path, bounded size, hand-back at thread exit, and the always-on
 * checks of the pointers handed to free.
 */
#include "internal.h"
#include "tap.h"

#include <pthread.h>
#include <string.h>

static struct custom_mallinfo mi(void) { return custom_mallinfo(); }

static void *thread_allocs(void *arg)
{
	char **out = arg;
	char *p[2000];
	for (int i = 0; i < 2000; i++)
		p[i] = custom_malloc(48 + (size_t)(i % 8) * 100);
	for (int i = 1; i < 2000; i++)
		custom_free(p[i]);
	*out = p[0];   /* one block outlives the thread */
	return NULL;
}

static void double_free(void)
{
	char *p = custom_malloc(64);
	custom_free(p);
	custom_free(p);
}

static void free_stack(void)
{
	char buf[64] __attribute__((aligned(16)));
	memset(buf, 0, sizeof buf);
	custom_free(buf + 16);
}

static void free_interior(void)
{
	char *p = custom_malloc(256);
	custom_free(p + 32);
}

static void free_misaligned(void)
{
	char *p = custom_malloc(256);
	custom_free(p + 1);
}

static void realloc_freed(void)
{
	char *p = custom_malloc(100);
	custom_free(p);
	(void)!custom_realloc(p, 200);
}

static void double_free_pool(void)
{
	char *p = custom_malloc(40000);
	char *g = custom_malloc(40000);
	custom_free(p);
	custom_free(p);
	custom_free(g);
}

static void overflow_into_next(void)
{
	char *a = custom_malloc(1000), *b = custom_malloc(1000), *c = custom_malloc(1000);
	(void)b;
	(void)c;
	volatile size_t end = custom_malloc_usable_size(a);
	char *volatile past = a; /* hidden from the compiler's object-size checks */
	past[end] = 1;           /* one byte too far: the next header's flags */
	custom_free(a);
	custom_malloc_trim(0);   /* a reaches the pool and meets its neighbour */
}

int main(void)
{
	char msg[512];
	cl_init();
	if (cl_opt.debug) {      /* no caches to test; the checks still apply */
		skip("thread caches: %s", "checking mode (caches off, realloc moves)");
		goto checks;
	}
	char *a = custom_malloc(100);
	custom_free(a);
	char *b = custom_malloc(100);
	ok(a == b, "a freed small block is the next one of its class handed out");
	ok((uintptr_t)cl_block_of(b)->prev_free != cl_cache_key, "a block handed out does not carry the cache key");
	custom_free(b);
	ok((uintptr_t)cl_block_of(b)->prev_free == cl_cache_key && cl_tcache_holds(cl_block_of(b)),
	   "a freed small block is in this thread's cache");

	/* Warm up, then count OS calls over many small pairs: there must be
	 * none (the fast path never enters the kernel). */
	void *ring[512];
	for (int i = 0; i < 512; i++)
		ring[i] = custom_malloc((size_t)(i % 64) * 8);
	for (int i = 0; i < 512; i++)
		custom_free(ring[i]);
	struct custom_mallinfo m0 = mi();
	for (int r = 0; r < 200; r++) {
		for (int i = 0; i < 512; i++)
			ring[i] = custom_malloc((size_t)(i % 64) * 8);
		for (int i = 0; i < 512; i++)
			custom_free(ring[i]);
	}
	struct custom_mallinfo m1 = mi();
	ok(m1.mmap_calls == m0.mmap_calls && m1.munmap_calls == m0.munmap_calls &&
	   m1.madvise_calls == m0.madvise_calls, "100000 small malloc/free pairs make no system call");

	/* Bounded: freeing many blocks of one class keeps only the limit. */
	enum { N = 5000 };
	static void *many[N];
	for (int i = 0; i < N; i++)
		many[i] = custom_malloc(200);
	struct custom_mallinfo m2 = mi();
	for (int i = 0; i < N; i++)
		custom_free(many[i]);
	struct custom_mallinfo m3 = mi();
	size_t bs = cl_request_to_bsize(200);
	unsigned cls = cl_class_up[bs / CL_ALIGN];
	ok(m2.in_use - m3.in_use >= (size_t)(N - cl_class_limit[cls]) * bs,
	   "the cache keeps at most its limit of %u blocks; the rest go back to the pool",
	   cl_class_limit[cls]);

	/* Thread exit hands the cache back. */
	custom_malloc_trim(0);
	struct custom_mallinfo m4 = mi();
	char *survivor = NULL;
	pthread_t t;
	pthread_create(&t, NULL, thread_allocs, &survivor);
	pthread_join(t, NULL);
	struct custom_mallinfo m5 = mi();
	size_t sb = cl_bsize(cl_block_of(survivor));
	ok(m5.in_use <= m4.in_use + sb + 4096,
	   "a thread's cache goes back to the pool when it exits (in use %zu -> %zu)", m4.in_use, m5.in_use);
	memset(survivor, 1, 48);
	custom_free(survivor);   /* cross-thread free of a dead thread's block */
	ok(cl_heap_check() == 0, "heap check clean");

checks:
	ok(expect_abort(double_free, "custom_free(): double free of 0x", msg, sizeof msg),
	   "double free of a cached block aborts: %s", msg);
	ok(expect_abort(double_free_pool, "custom_free(): double free of 0x", msg, sizeof msg),
	   "double free of a pool block aborts: %s", msg);
	ok(expect_abort(free_stack, "custom_free(): invalid pointer", msg, sizeof msg),
	   "free of a stack address aborts: %s", msg);
	ok(expect_abort(free_interior, "custom_free(): invalid pointer", msg, sizeof msg),
	   "free of an interior pointer aborts: %s", msg);
	ok(expect_abort(free_misaligned, "invalid pointer (misaligned)", msg, sizeof msg),
	   "free of a misaligned pointer aborts: %s", msg);
	ok(expect_abort(realloc_freed, "custom_realloc(): use of a freed pointer", msg, sizeof msg),
	   "realloc of a freed pointer aborts: %s", msg);
	ok(strstr(msg, "(tcache, pid ") != NULL, "the message names the program");
	ok(expect_abort(overflow_into_next, "corrupt free block", msg, sizeof msg),
	   "a one-byte overflow into the next header is caught, not followed: %s", msg);
	return done_testing();
}
