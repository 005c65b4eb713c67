/*
 * realloc-stack: realloc of an address on the stack.
 * expect: custom_realloc(): invalid pointer (not from this allocator, or its header is corrupt) 0x
 */
#include <calloc-lite.h>
#include <string.h>

int main(void)
{
	char buf[64] __attribute__((aligned(16)));
	memset(buf, 0x22, sizeof buf);
	char *p = custom_realloc(buf + 16, 100);
	return p != NULL;
}
