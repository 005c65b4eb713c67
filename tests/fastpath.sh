#!/bin/sh
# fastpath.sh: the machine code of the malloc and free entry points, in
# both libraries, holds no lock prefix (no atomic read-modify-write), no
# system call, and leaves only for the slow-path functions.
builddir=${top_builddir:-.}
n=0
fails=0
check() {	# check LIB FUNCTION [ALIAS]: objdump names aliased code by either
	n=$((n + 1))
	body=$(objdump -d --no-show-raw-insn "$1" |
		awk -v f="<$2>:" -v g="<${3:-$2}>:" '$2 == f || $2 == g { on = 1; next } on && /^$/ { exit } on')
	if [ -z "$body" ]; then
		echo "not ok $n - $2 found in $(basename "$1")"; fails=$((fails + 1)); return
	fi
	# xchg %ax,%ax (66 90) is a two-byte no-op the assembler pads with:
	# an xchg of a register with itself touches no memory.
	bad=$(echo "$body" | grep -vE 'xchg[[:space:]]+%ax,%ax[[:space:]]*$' |
		grep -E '(^|[[:space:]])(lock|syscall|xchg|cmpxchg)|pthread_|futex' | head -3)
	exits=$(echo "$body" | grep -oE '(call|jmp)[[:space:]]+[0-9a-f]+ <[^>+]+>' | sed 's/.*<//; s/>//' | sort -u |
		grep -vE "^($2|${3:-$2}|cl_tcache_refill|cl_malloc_slow|cl_free_slow)$")
	if [ -z "$bad" ] && [ -z "$exits" ]; then
		echo "ok $n - $2 ($(basename "$1")): no lock, no atomic, no system call; leaves only for its slow path"
	else
		echo "not ok $n - $2 ($(basename "$1")): no lock, no atomic, no system call; leaves only for its slow path"
		echo "$bad $exits" | sed 's/^/# /'
		fails=$((fails + 1))
	fi
}
if nm -D "$builddir/lib/.libs/libcalloc-lite.so" 2>/dev/null | grep -q ' U __asan_init'; then
	echo "1..0 # SKIP AddressSanitizer instruments the fast path"
	exit 0
fi
echo "1..4"
check "$builddir/lib/.libs/libcalloc-lite.so" custom_malloc
check "$builddir/lib/.libs/libcalloc-lite.so" custom_free
check "$builddir/lib/.libs/libcalloc-lite-preload.so" malloc __libc_malloc
check "$builddir/lib/.libs/libcalloc-lite-preload.so" free __libc_free
