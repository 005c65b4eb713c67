/*
 * overflow-cached: a string one byte too long for its block: the
 * terminating zero lands in the next block's header.  Small blocks go to
 * the thread cache unchecked; the damage is found when the cache hands
 * them back to the pool (here: trim).  On a big-endian machine the byte
 * past the end is the top of the tag, which free checks at once (as in
 * overwrite-own-header); the zero goes to the low byte of the size,
 * WORD_BYTE(0) bytes further, to test the case this program is about.
 * expect: free(): corrupt block header at or after 0x
 * or, with the thread caches off (checking modes, ASan), at the free of b:
 * expect: custom_free(): corrupt block header at 0x
 */
#include <calloc-lite.h>
#include <string.h>

#include "word.h"

int main(void)
{
	char *a = custom_malloc(1000), *b = custom_malloc(1000);
	memset(b, 0x5a, 1000);
	size_t end = custom_malloc_usable_size(a);
	char *volatile s = a;
	memset(s, 'x', end);
	s[end + WORD_BYTE(0)] = '\0';  /* the off-by-one */
	custom_free(a);
	custom_free(b);
	custom_malloc_trim(0);
	return 0;
}
