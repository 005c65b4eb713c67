/*
 * free-interior: free of a pointer into the middle of a block.
 * expect: custom_free(): invalid pointer (not from this allocator, or its header is corrupt) 0x
 */
#include <calloc-lite.h>
#include <string.h>

int main(void)
{
	char *p = custom_malloc(256);
	memset(p, 0, 256);
	custom_free(p + 32);
	return 0;
}
