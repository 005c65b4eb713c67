/*
 * free-foreign: free of a block from another allocator (the C library's).
 * not under ASan: its redzone before the block is reported first.
 * not under preload: the drop-in library is then the C library's malloc.
 * expect: custom_free(): invalid pointer (not from this allocator, or its header is corrupt) 0x
 */
#include <calloc-lite.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *p = strdup("from the C library's malloc");
	custom_free(p);
	free(p);
	return 0;
}
