/*
 * double-free-scribble: with CALLOC_LITE_SCRIBBLE=1 a freed block waits
 * in the quarantine; freeing it again is still a double free.
 * expect: custom_free(): double free of 0x
 */
#include <calloc-lite.h>
#include <stdlib.h>

int main(void)
{
	setenv("CALLOC_LITE_SCRIBBLE", "1", 1);
	char *p = custom_malloc(64);
	custom_free(p);
	custom_free(p);
	return 0;
}
