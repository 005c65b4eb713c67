/*
 * overflow-cached: a string one byte too long for its block: the
 * terminating zero lands in the next block's header.  Small blocks go to
 * the thread cache unchecked; the damage is found when the cache hands
 * them back to the pool (here: trim).  On a big-endian or a 32-bit
 * machine the byte past the end belongs to the tag, which free checks at
 * once (as in overwrite-own-header); there the zero goes to the low byte
 * of the size, a few bytes further (header.h), to test the case this
 * program is about.  The size, 900, makes blocks of 912 bytes on 64-bit
 * and 32-bit targets alike: a size whose low byte is not already zero.
 * expect: free(): corrupt block header at or after 0x
 * or, with the thread caches off (checking modes, ASan), at the free of b:
 * expect: custom_free(): corrupt block header at 0x
 */
#include <calloc-lite.h>
#include <string.h>

#include "header.h"

int main(void)
{
	char *a = custom_malloc(900), *b = custom_malloc(900);
	memset(b, 0x5a, 900);
	size_t end = custom_malloc_usable_size(a);
	char *volatile s = a;
	memset(s, 'x', end);
	s[NEXT_HDR(end) + HDR_FLAGS_AT] = '\0';  /* the off-by-one */
	custom_free(a);
	custom_free(b);
	custom_malloc_trim(0);
	return 0;
}
