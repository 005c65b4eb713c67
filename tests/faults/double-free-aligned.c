/*
 * double-free-aligned: a page-aligned block freed twice.
 * expect: custom_free(): double free of 0x
 */
#include <calloc-lite.h>

int main(void)
{
	char *p = custom_aligned_alloc(4096, 100);
	custom_free(p);
	custom_free(p);
	return 0;
}
