/*
 * overwrite-own-header: a write before the start of a block (an underflow)
 * that lands in its header.
 * expect: custom_free(): invalid pointer (not from this allocator, or its header is corrupt) 0x
 */
#include <calloc-lite.h>

#include "header.h"

int main(void)
{
	char *p = custom_malloc(48);
	char *volatile before = p;
	before[(ptrdiff_t)HDR_TAG_AT - (ptrdiff_t)CL_HDR] ^= 0x40;   /* the header's tag */
	custom_free(p);
	return 0;
}
