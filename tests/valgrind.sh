#!/bin/sh
# valgrind.sh: memcheck sees through the allocator: a leaked custom_malloc
# block, a read of a freed one and a write past the end are all reported,
# thanks to the client requests of lib/debug.c.
builddir=${top_builddir:-.}
if [ -n "${CL_TEST_EMULATOR:-}" ]; then
	echo "1..0 # SKIP cross build: this machine's valgrind cannot run code for the emulated CPU ($CL_TEST_EMULATOR)"
	exit 0
fi
echo "1..5"
if ! command -v valgrind >/dev/null 2>&1 || ${NM:-nm} "$builddir/tests/vg-client" 2>/dev/null | grep -q __asan_init; then
	for i in 1 2 3 4 5; do echo "ok $i # SKIP no valgrind, or an AddressSanitizer build"; done
	exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
${LIBTOOL:-libtool} --mode=execute valgrind --leak-check=full --show-leak-kinds=definite \
	"$builddir/tests/vg-client" > /dev/null 2> "$log"
check() {
	if grep -q "$2" "$log"; then echo "ok $1 - $3"; else echo "not ok $1 - $3"; sed 's/^/# /' "$log"; fi
}
check 1 "1,234 bytes in 1 blocks are definitely lost" "memcheck reports the leaked block"
if grep -A8 "definitely lost" "$log" | grep -q "main (vg-client.c:13)"; then
	echo "ok 2 - the leak is attributed to the custom_malloc call in main"
else
	echo "not ok 2 - the leak is attributed to the custom_malloc call in main"; sed 's/^/# /' "$log"
fi
check 3 "Invalid read of size 1" "memcheck reports the read of a freed block"
check 4 "Invalid write of size 1" "memcheck reports a write past the end of a block"
if grep -q "ERROR SUMMARY: 3 errors from 3 contexts" "$log"; then
	echo "ok 5 - and nothing else: the allocator's own accesses raise no error"
else
	echo "not ok 5 - and nothing else: the allocator's own accesses raise no error"; sed 's/^/# /' "$log"
fi
