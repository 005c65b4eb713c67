/*
 * os.c: the OS layer's fault injection, and that every failure to map
 * memory reaches the caller as NULL/ENOMEM with nothing lost.
 */
#include "internal.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

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
	return done_testing();
}
