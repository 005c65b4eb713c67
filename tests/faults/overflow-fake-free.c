/*
 * overflow-fake-free: one byte past the end of a block sets the "free"
 * flag of the next block's header, which the pool would then merge with
 * and unlink: the free-list links are checked before they are followed.
 * (On a 64-bit little-endian machine the byte just past the end; on
 * others that byte belongs to the tag, and the write goes to the flags,
 * a few bytes further: header.h.)
 * expect: free(): corrupt free block (a write past the end of the block before it?) at 0x
 */
#include <calloc-lite.h>

#include "header.h"

int main(void)
{
	char *a = custom_malloc(1000), *b = custom_malloc(1000), *c = custom_malloc(1000);
	size_t end = custom_malloc_usable_size(a);
	char *volatile past = a;
	past[NEXT_HDR(end) + HDR_FLAGS_AT] = 0x01;
	custom_free(a);
	custom_malloc_trim(0);     /* a reaches the pool and meets its neighbour */
	custom_free(b);
	custom_free(c);
	return 0;
}
