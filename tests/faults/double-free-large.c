/*
 * double-free-large: a block with a mapping of its own, freed twice while
 * the mapping waits in the reuse cache.
 * expect: custom_free(): double free of 0x
 */
#include <calloc-lite.h>

int main(void)
{
	char *p = custom_malloc(1 << 20);
	custom_free(p);
	custom_free(p);
	return 0;
}
