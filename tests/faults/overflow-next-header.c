/*
 * overflow-next-header: one byte written past the end of a block too big
 * for the thread caches, into the flags of the next block's header: found
 * by the free of that block.
 * (Little-endian: the byte just past the end.  Big-endian: that byte
 * belongs to the tag, so the write goes WORD_BYTE(0) bytes further.)
 * expect: custom_free(): corrupt block header after 0x
 */
#include <calloc-lite.h>

#include "word.h"

int main(void)
{
	char *a = custom_malloc(40000), *b = custom_malloc(40000);
	size_t end = custom_malloc_usable_size(a);
	char *volatile past = a;   /* hidden from the compiler's bounds checks */
	past[end + WORD_BYTE(0)] = 0x02;   /* the next block's "previous is free" flag */          /* the next block's "previous is free" flag */
	custom_free(a);
	custom_free(b);
	return 0;
}
