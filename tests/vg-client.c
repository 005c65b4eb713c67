/*
 * vg-client.c: run under valgrind by valgrind.sh.  It leaks one block and
 * reads a freed one; memcheck must report both against custom_malloc,
 * which it can only do through the allocator's client requests.
 */
#include <calloc-lite.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	char *leak = custom_malloc(1234);
	memset(leak, 1, 1234);
	leak = NULL;

	char *p = custom_malloc(100);
	memset(p, 2, 100);
	char *volatile alias = p;
	custom_free(p);
	volatile char c = alias[10];   /* use after free */
	(void)c;

	char *q = custom_malloc(64);
	volatile size_t end = 64;
	q[end] = 3;                    /* one past the end of the block */
	custom_free(q);
	printf("done\n");
	return 0;
}
