/*
 * overwrite-own-header: a write before the start of a block (an underflow)
 * that lands in its header.
 * expect: custom_free(): invalid pointer (not from this allocator, or its header is corrupt) 0x
 */
#include <calloc-lite.h>

#include "word.h"

int main(void)
{
	char *p = custom_malloc(48);
	char *volatile before = p;
	/* bits 48-55 of the word just before p: the tag */
	before[(ptrdiff_t)WORD_BYTE(6) - (ptrdiff_t)sizeof(size_t)] ^= 0x40;
	custom_free(p);
	return 0;
}
