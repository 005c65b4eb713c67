/*
 * double-free-pool: a block too big for the thread caches, so the first
 * free puts it in the pool's free lists.
 * expect: custom_free(): double free of 0x
 */
#include <calloc-lite.h>

int main(void)
{
	char *p = custom_malloc(40000);
	char *guard = custom_malloc(40000);   /* p does not merge with the top */
	custom_free(p);
	custom_free(p);
	custom_free(guard);
	return 0;
}
