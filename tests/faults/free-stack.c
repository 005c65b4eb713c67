/*
 * free-stack: free of an address on the stack.
 * expect: custom_free(): invalid pointer (not from this allocator, or its header is corrupt) 0x
 */
#include <calloc-lite.h>
#include <string.h>

int main(void)
{
	char buf[64] __attribute__((aligned(16)));
	memset(buf, 0x11, sizeof buf);
	custom_free(buf + 16);
	return buf[0];
}
