/*
 * usable-size-freed: custom_malloc_usable_size of a freed block.
 * expect: custom_malloc_usable_size(): use of a freed pointer 0x
 */
#include <calloc-lite.h>

int main(void)
{
	char *p = custom_malloc(40000);
	char *guard = custom_malloc(16);
	custom_free(p);
	return (int)custom_malloc_usable_size(p) + (guard != NULL);
}
