/*
 * write-after-free: with CALLOC_LITE_SCRIBBLE=1, a write into a freed
 * block is found when the block leaves the quarantine (here: trim).
 * not under ASan: it reports the write itself.
 * not under preload: the drop-in library reads the options before main.
 * expect: custom_malloc_trim(): write after free (CALLOC_LITE_SCRIBBLE) found at 0x
 */
#include <calloc-lite.h>
#include <stdlib.h>

int main(void)
{
	setenv("CALLOC_LITE_SCRIBBLE", "1", 1);   /* read at the first call */
	char *p = custom_malloc(200);
	custom_free(p);
	char *volatile stale = p;
	stale[150] = 'x';
	custom_malloc_trim(0);
	return 0;
}
