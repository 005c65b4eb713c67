/*
 * realloc-freed: realloc of a block already freed.
 * expect: custom_realloc(): use of a freed pointer 0x
 */
#include <calloc-lite.h>

int main(void)
{
	char *p = custom_malloc(100);
	custom_free(p);
	p = custom_realloc(p, 200);
	return p != NULL;
}
