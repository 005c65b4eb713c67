/*
 * free-global: free of a static object.
 * expect: custom_free(): invalid pointer (not from this allocator, or its header is corrupt) 0x
 */
#include <calloc-lite.h>

static char table[256] __attribute__((aligned(16))) = "a static table";

int main(void)
{
	custom_free(table + 32);
	return table[0];
}
