/*
 * tcache.c: per-thread caches: reuse without the pool, no system calls on
 * the fast path, bounded size and hand-back at thread exit.  (The checks
 * on the pointers handed to free are tests/faults/, one program each.)
 */
#include "internal.h"
#include "tap.h"

#include <pthread.h>
#include <stdlib.h>
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

/* A consumer: frees blocks another thread allocated, allocates none.
 * Reports the bytes its bin of their class holds after each free, at
 * most, and the bin's limit afterwards and after a run of mallocs. */
struct consumer {
	pthread_barrier_t *pause;   /* the main thread looks while it waits */
	char **blocks;
	int n;
	unsigned cls;
	size_t most_held;
	unsigned limit_after_frees, limit_after_mallocs;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	struct cl_bin *bin = &cl_tc.bin[c->cls];
	for (int i = 0; i < c->n; i++) {
		custom_free(c->blocks[i]);
		size_t held = (size_t)(bin->limit - bin->room) * cl_class_size[c->cls];
		if (i > c->n / 2 && held > c->most_held)   /* once it has adapted */
			c->most_held = held;
	}
	c->limit_after_frees = bin->limit;
	pthread_barrier_wait(c->pause);
	pthread_barrier_wait(c->pause);
	for (int i = 0; i < c->n; i++)
		c->blocks[i] = custom_malloc(200);
	c->limit_after_mallocs = bin->limit;
	for (int i = 0; i < c->n; i++)
		custom_free(c->blocks[i]);
	return NULL;
}

static void test_consumer_bin(void)
{
	enum { N = 3000 };
	static char *blocks[N];
	for (int i = 0; i < N; i++)
		blocks[i] = custom_malloc(200);
	pthread_barrier_t pause;
	pthread_barrier_init(&pause, NULL, 2);
	struct consumer c = { .pause = &pause, .blocks = blocks, .n = N,
			      .cls = cl_class_up[cl_request_to_bsize(200) / CL_ALIGN] };
	pthread_t t;
	pthread_create(&t, NULL, consume, &c);
	pthread_barrier_wait(&pause);   /* it has freed them all */
	size_t waiting = cl_tcache_central_bytes();
	/* The blocks its full bins handed back wait in the class's central
	 * list while both threads have caches: this thread's next refills
	 * take them from there, without cutting anything from the pool's
	 * free blocks. */
	while (cl_tc.bin[c.cls].head)
		blocks[0] = custom_malloc(200);   /* empty this thread's bin */
	size_t free0 = mi().pool_free;
	for (int i = 1; i <= 20; i++)
		blocks[i] = custom_malloc(200);
	size_t free1 = mi().pool_free;
	ok(waiting > 0 && free1 == free0,
	   "refills take blocks other threads' caches handed back (%zu bytes), not pool space (pool free %zu -> %zu)",
	   waiting, free0, free1);
	for (int i = 0; i <= 20; i++)
		custom_free(blocks[i]);
	pthread_barrier_wait(&pause);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&pause);
	size_t size = cl_class_size[c.cls];
	ok(c.most_held <= CL_BIN_MIN_BYTES + size,
	   "a thread that only frees a class holds at most %u bytes of it (held %zu; full limit %u blocks of %zu)",
	   CL_BIN_MIN_BYTES, c.most_held, cl_class_limit[c.cls], size);
	ok(cl_tcache_central_bytes() == 0,
	   "once it has exited, leaving one thread, the central lists are back in the pool");
	ok(c.limit_after_frees < cl_class_limit[c.cls] &&
	   c.limit_after_mallocs == cl_class_limit[c.cls],
	   "its bin's limit shrinks (%u) and grows back once it allocates (%u of %u)",
	   c.limit_after_frees, c.limit_after_mallocs, cl_class_limit[c.cls]);
}

/* Two threads that run at once carve their blocks from different chunks
 * (the pool's arenas), so that their blocks do not share cache lines. */
struct carver {
	pthread_barrier_t *both;
	uintptr_t chunk[64];
};

static void *carve(void *arg)
{
	struct carver *c = arg;
	void *p[64];
	pthread_barrier_wait(c->both);   /* both caches live before carving */
	for (int i = 0; i < 64; i++) {
		p[i] = custom_malloc(48);
		c->chunk[i] = (uintptr_t)p[i] & ~((uintptr_t)cl_geo.chunk - 1);
	}
	pthread_barrier_wait(c->both);
	for (int i = 0; i < 64; i++)
		custom_free(p[i]);
	return NULL;
}

/* The last block of a refill's run takes the remainder too small to keep,
 * so a bin can hold a block of no class.  Flushed while two threads have
 * caches, it must go to the pool: the central lists have no room for it
 * (before the fix it was written past their end, over the arena's
 * orphaned caches, and was lost). */
static pthread_barrier_t hold;
static void *idle_cache(void *arg)
{
	(void)arg;
	custom_free(custom_malloc(16));   /* a live cache: two threads now */
	pthread_barrier_wait(&hold);
	pthread_barrier_wait(&hold);
	return NULL;
}

static void test_classless_in_bin(void)
{
	pthread_t t;
	pthread_barrier_init(&hold, NULL, 2);
	pthread_create(&t, NULL, idle_cache, NULL);
	pthread_barrier_wait(&hold);
	struct cl_arena *a = cl_my_arena();
	size_t odd_size = 1680;   /* between the classes 1664 and 1792 */
	unsigned cls = cl_class_up[odd_size / CL_ALIGN];
	ok(cl_class_exact[odd_size / CL_ALIGN] == CL_NO_CLASS && cl_class_size[cls] == 1792,
	   "1680 bytes is no class (1792 is the next)");
	cl_arena_lock(a);
	struct cl_block *odd = cl_pool_alloc(a, odd_size, NULL);
	/* What an orphaned cache leaves in its (unused) slot: a pointer.
	 * Read as a central list past the end, it says "1 block of 64". */
	a->orphan[0][0].head = (struct cl_block *)(uintptr_t)0x4000000001ull;
	cl_arena_unlock(a);
	struct cl_bin orphans_before[CL_ORPHANS][CL_CLASSES];
	memcpy(orphans_before, a->orphan, sizeof orphans_before);
	/* As fill() leaves it, in the bin of the class above: here at the
	 * head of a bin that is full, so the next free flushes it first. */
	struct cl_bin *bin = &cl_tc.bin[cls];
	static char *q[400], *x[400];
	int nq = 0, nx = 0, used = 0;
	while (nq < 300)
		q[nq++] = custom_malloc(1700);
	while (bin->head && nx < 400)   /* the bin empty */
		x[nx++] = custom_malloc(1700);
	while (bin->room > 1 && used < nq)
		custom_free(q[used++]);
	odd->prev_free = (struct cl_block *)cl_cache_key;
	odd->next_free = bin->head;
	bin->head = odd;
	bin->room--;
	size_t in_use = mi().in_use;
	custom_free(q[used++]);   /* the bin is full: flushed, the odd block first */
	ok(memcmp(orphans_before, a->orphan, sizeof orphans_before) == 0,
	   "flushing a bin that holds a block of no class leaves the arena's orphaned caches alone");
	cl_arena_lock(a);
	a->orphan[0][0].head = NULL;
	cl_arena_unlock(a);
	while (used < nq)
		custom_free(q[used++]);
	while (nx)
		custom_free(x[--nx]);
	ok(cl_tcache_holds(odd) == 0 && (uintptr_t)odd->prev_free != cl_cache_key,
	   "and the block went to the pool (in use %zu -> %zu)", in_use, mi().in_use);
	pthread_barrier_wait(&hold);
	pthread_join(t, NULL);
	custom_malloc_trim(0);
	ok(cl_heap_check() == 0, "heap check clean");
}

static void test_arenas(void)
{
	pthread_barrier_t both;
	pthread_barrier_init(&both, NULL, 2);
	struct carver a = { .both = &both }, b = { .both = &both };
	pthread_t ta, tb;
	pthread_create(&ta, NULL, carve, &a);
	pthread_create(&tb, NULL, carve, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&both);
	int shared = 0;
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < 64; j++)
			shared += a.chunk[i] == b.chunk[j];
	ok(shared == 0, "two threads started one after the other carve their blocks from different chunks (%d pairs shared one)",
	   shared);
	ok(cl_heap_check() == 0, "heap check clean");
}

/* In the largest class the remainder a run's last block takes puts it
 * past CL_SMALL_MAX, beyond the class table: flushed, it must go to the
 * pool without a class lookup (make fuzz found the read past the table,
 * under UBSan; make check-asan catches it here). */
static void test_oversize_in_batch(void)
{
	struct cl_arena *a = cl_my_arena();
	size_t big = CL_SMALL_MAX + CL_ALIGN;
	cl_arena_lock(a);
	struct cl_block *b = cl_pool_alloc(a, big, NULL);
	cl_arena_unlock(a);
	ok(b && cl_bsize(b) > CL_SMALL_MAX, "a pool block of %zu bytes, over CL_SMALL_MAX", b ? cl_bsize(b) : 0);
	if (!b)
		return;
	size_t central = cl_tcache_central_bytes(), in_use = mi().in_use;
	struct cl_batch B = { .home = a, .mine = b };
	b->next_free = NULL;
	cl_batch_finish(&B, false);
	ok(mi().in_use + big <= in_use, "flushed in a batch, it is freed (in use %zu -> %zu)", in_use, mi().in_use);
	is_size(cl_tcache_central_bytes(), central, "into the pool, not a central list");
	ok(cl_heap_check() == 0, "heap check clean");
}

int main(void)
{
	setenv("CALLOC_LITE_ARENAS", "4", 1);   /* whatever the CPUs here */
	cl_init();
	if (cl_opt.debug) {      /* no caches to test */
		skip("thread caches: %s", "checking mode (caches off, realloc moves)");
		return done_testing();
	}
	char *a = custom_malloc(100);
	custom_free(a);
	char *b = custom_malloc(100);
	ok(a == b, "a freed small block is the next one of its class handed out");
	ok((uintptr_t)cl_block_of(b)->prev_free != cl_cache_key, "a block handed out does not carry the cache key");
	custom_free(b);
	ok((uintptr_t)cl_block_of(b)->prev_free == cl_cache_key && cl_tcache_holds(cl_block_of(b)),
	   "a freed small block is in this thread's cache");

	/* A block cut for an aligned request has a class size here (64 bytes
	 * + header), but its free gives it back to the pool, where it merges
	 * with its free neighbours: cached, it would pin its aligned spot. */
	char *al = custom_aligned_alloc(256, 64);
	struct cl_block *ab = cl_block_of(al);
	ok(al && (uintptr_t)al % 256 == 0 && cl_class_exact[cl_bsize(ab) / CL_ALIGN] != CL_NO_CLASS,
	   "an aligned block of a class size (%zu bytes)", al ? cl_bsize(ab) : 0);
	custom_free(al);
	ok(!cl_tcache_holds(ab) && (uintptr_t)ab->prev_free != cl_cache_key,
	   "its free does not put it in the thread cache");
	char *al2 = custom_malloc(64);
	ok(al2 != al, "nor does malloc of its class get it back");
	custom_free(al2);
	char *al3 = custom_aligned_alloc(256, 200);
	char *ra = custom_realloc(al3, 64);   /* shrunk in place */
	ok(ra == al3, "realloc shrinks an aligned block in place");
	custom_free(ra);
	ok(!cl_tcache_holds(cl_block_of(ra)), "and its free still gives it back to the pool");

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
	   "the cache keeps at most its limit of %u blocks; with one thread the rest go back to the pool, none to the central list",
	   cl_class_limit[cls]);

	test_consumer_bin();
	test_arenas();
	test_classless_in_bin();
	test_oversize_in_batch();

	/* Thread exit hands the cache back. */
	custom_malloc_trim(0);
	struct custom_mallinfo m4 = mi();
	char *survivor = NULL;
	pthread_t t;
	pthread_create(&t, NULL, thread_allocs, &survivor);
	pthread_join(t, NULL);
	struct custom_mallinfo m5 = mi();
	size_t sb = cl_bsize(cl_block_of(survivor));
	/* It used 8 classes; an orphaned cache keeps half a bin of each for
	 * the next thread, the rest goes back to the pool (to the central
	 * lists, up to CL_CENTRAL_BYTES a class, while another thread has a
	 * cache: the bound allows for them). */
	size_t half = 0;
	for (size_t n = 48; n < 48 + 800; n += 100) {
		unsigned c = cl_class_up[cl_request_to_bsize(n) / CL_ALIGN];
		half += cl_class_limit[c] / 2 * (size_t)cl_class_size[c] + CL_CENTRAL_BYTES;
	}
	ok(m5.in_use <= m4.in_use + sb + half + 4096,
	   "a thread's cache goes back to the pool when it exits, but for a few blocks (in use %zu -> %zu)",
	   m4.in_use, m5.in_use);
	custom_malloc_trim(0);
	struct custom_mallinfo m6 = mi();
	ok(m6.in_use <= m4.in_use + sb + 4096,
	   "trim takes back the cache a dead thread left (in use %zu -> %zu)", m4.in_use, m6.in_use);
	memset(survivor, 1, 48);
	custom_free(survivor);   /* cross-thread free of a dead thread's block */
	ok(cl_heap_check() == 0, "heap check clean");

	return done_testing();
}
