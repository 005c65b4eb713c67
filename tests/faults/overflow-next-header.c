/*
 * overflow-next-header: one byte written past the end of a block too big
 * for the thread caches, into the flags of the next block's header: found
 * by the free of that block.
 * (On a 64-bit little-endian machine the byte just past the end; on
 * others that byte belongs to the tag, and the write goes to the flags,
 * a few bytes further: header.h.)
 * expect: custom_free(): corrupt block header after 0x
 */
#include <calloc-lite.h>

#include "header.h"

int main(void)
{
	char *a = custom_malloc(40000), *b = custom_malloc(40000);
	size_t end = custom_malloc_usable_size(a);
	char *volatile past = a;   /* hidden from the compiler's bounds checks */
	past[NEXT_HDR(end) + HDR_FLAGS_AT] = 0x02;   /* the next block's "previous is free" flag */          /* the next block's "previous is free" flag */
	custom_free(a);
	custom_free(b);
	return 0;
}
