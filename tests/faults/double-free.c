/*
 * double-free: a small block freed twice; the first free put it in this
 * thread's cache.
 * expect: custom_free(): double free of 0x
 */
#include <calloc-lite.h>

int main(void)
{
	char *p = custom_malloc(64);
	custom_free(p);
	custom_free(p);
	return 0;
}
