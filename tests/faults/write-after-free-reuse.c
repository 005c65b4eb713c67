/*
 * write-after-free-reuse: with CALLOC_LITE_SCRIBBLE=1, a write into a
 * freed block is found before its memory is handed out again, while the
 * program goes on freeing other blocks.
 * not under ASan: it reports the write itself.
 * not under preload: the drop-in library reads the options before main.
 * expect: custom_free(): write after free (CALLOC_LITE_SCRIBBLE) found at 0x
 */
#include <calloc-lite.h>
#include <stdlib.h>

int main(void)
{
	setenv("CALLOC_LITE_SCRIBBLE", "1", 1);
	long *p = custom_malloc(64 * sizeof(long));
	custom_free(p);
	long *volatile stale = p;
	stale[7] = 42;
	for (int i = 0; i < 5000; i++)
		custom_free(custom_malloc(32 + (size_t)i % 500));
	return 0;
}
