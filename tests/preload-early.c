/*
 * preload-early.c: run under LD_PRELOAD=libcalloc-lite-preload.so by
 * preload.sh (it is not linked with the library).  The first call is
 * free(NULL) from a constructor, before main; threads start before and
 * after main's first allocation; glibc's edge cases of the malloc family
 * are checked; and the allocator's own counters prove it served the calls.
 */
#include <calloc-lite.h>

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures, count;
static void *early_block;

#define CHECK(cond, what) do { count++; if (cond) printf("ok %d - %s\n", count, what); \
	else { failures++; printf("not ok %d - %s\n", count, what); } } while (0)

__attribute__((constructor(101))) static void before_main(void)
{
	free(NULL);
	early_block = malloc(100);
	memset(early_block, 0x77, 100);
}

static void *churn(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	for (int r = 0; r < 2000; r++) {
		char *p[32];
		for (int i = 0; i < 32; i++) {
			p[i] = malloc((size_t)(i * 37 + (int)id) % 3000 + 1);
			p[i][0] = (char)id;
		}
		for (int i = 0; i < 32; i++) {
			if (p[i][0] != (char)id)
				return (void *)1;
			free(p[i]);
		}
	}
	return NULL;
}

int main(void)
{
	printf("1..16\n");
	/* A thread started before main allocates anything. */
	pthread_t t0;
	pthread_create(&t0, NULL, churn, (void *)1);

	int intact = 1;
	for (int i = 0; i < 100; i++)
		intact &= ((unsigned char *)early_block)[i] == 0x77;
	CHECK(intact, "a block allocated before main is intact");
	free(early_block);

	void *m = (void *)0x1234;
	CHECK(posix_memalign(&m, 24, 10) == EINVAL && m == (void *)0x1234,
	      "posix_memalign EINVAL leaves *memptr untouched");
	CHECK(posix_memalign(&m, 65536, 10) == 0 && (uintptr_t)m % 65536 == 0, "posix_memalign 64 KiB");
	free(m);
	errno = 0;
	void *r = malloc(10);
	CHECK(realloc(r, 0) == NULL, "realloc(p, 0) frees and returns NULL");
	void *pv = pvalloc(0);
	CHECK(pv && (uintptr_t)pv % 4096 == 0 && malloc_usable_size(pv) >= 4096, "pvalloc(0) is one page");
	free(pv);
	void *ma = memalign(24, 100);
	CHECK(ma && (uintptr_t)ma % 32 == 0, "memalign rounds 24 up to 32");
	free(ma);
	errno = 0;
	CHECK(aligned_alloc(3, 10) == NULL && errno == EINVAL, "aligned_alloc(3) is EINVAL");
	volatile size_t huge = SIZE_MAX, half = SIZE_MAX / 2;
	errno = 0;
	CHECK(reallocarray(NULL, half, 3) == NULL && errno == ENOMEM, "reallocarray overflow is ENOMEM");
	errno = 0;
	CHECK(malloc(huge) == NULL && errno == ENOMEM, "malloc(SIZE_MAX) is ENOMEM");
	errno = 0;
	CHECK(calloc(half, 3) == NULL && errno == ENOMEM, "calloc overflow is ENOMEM");
	void *v = valloc(100);
	CHECK(v && (uintptr_t)v % 4096 == 0, "valloc is page aligned");
	free(v);

	pthread_t t[3];
	for (uintptr_t i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, churn, (void *)(i + 2));
	void *res = NULL;
	int threads_ok = 1;
	pthread_join(t0, &res);
	threads_ok &= res == NULL;
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &res);
		threads_ok &= res == NULL;
	}
	CHECK(threads_ok, "threads started before and after the first allocation");

	/* Our counters, found at run time: the preloaded library exports them. */
	struct custom_mallinfo (*info)(void) = (struct custom_mallinfo (*)(void))dlsym(RTLD_DEFAULT, "custom_mallinfo");
	CHECK(info != NULL, "the preloaded library is in the process");
	if (info) {
		struct custom_mallinfo mi = info();
		CHECK(mi.mmap_calls > 0 && mi.chunks > 0, "it mapped the pool: it served the calls");
	} else {
		CHECK(0, "it mapped the pool: it served the calls");
	}
	char *big = malloc(1 << 20);
	CHECK(info && info().large_blocks >= 1, "a large malloc is one of its large blocks");
	free(big);
	CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) is 0");
	return failures != 0;
}
