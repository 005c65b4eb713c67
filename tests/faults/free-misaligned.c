/*
 * free-misaligned: free of a block's address plus one.
 * expect: custom_free(): invalid pointer (misaligned) 0x
 */
#include <calloc-lite.h>

int main(void)
{
	char *p = custom_malloc(256);
	custom_free(p + 1);
	return 0;
}
