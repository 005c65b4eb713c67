#!/bin/sh
# fastpath.sh: the machine code of the malloc and free entry points, in
# both libraries, holds no lock (no atomic read-modify-write), no system
# call, and leaves only for the slow-path functions.
#
# The instructions to look for depend on the architecture, read from the
# library itself (objdump -f): x86-64 and aarch64 are checked; any other
# skips, naming it.  OBJDUMP and NM name the tools for the libraries'
# architecture (configure's $host-objdump in a cross build).
builddir=${top_builddir:-.}
objdump=${OBJDUMP:-objdump}
nm=${NM:-nm}
lib=$builddir/lib/.libs/libcalloc-lite.so
preload=$builddir/lib/.libs/libcalloc-lite-preload.so

arch=$($objdump -f "$lib" 2>/dev/null | sed -n 's/^architecture: \([^,]*\),.*/\1/p')
case $arch in
i386:x86-64)
	# lock-prefixed instructions, xchg with memory (locked implicitly),
	# cmpxchg, syscall.  xchg %ax,%ax (66 90) is a two-byte no-op the
	# assembler pads with: an xchg of a register with itself touches no
	# memory.
	pad='xchg[[:space:]]+%ax,%ax[[:space:]]*$'
	atomic='(^|[[:space:]])(lock|syscall|xchg|cmpxchg)'
	# call, jmp and the conditional jumps, to a symbol
	branch='[[:space:]](call|j[a-z]+)[[:space:]]+[0-9a-f]+ <[^>+]+>' ;;
aarch64)
	# exclusive load/store pairs (ldxr/stxr, ldaxr/stlxr, the byte, half
	# and pair forms), the LSE atomics (cas, swp, ldadd, ldclr, ldeor,
	# ldset, ld[su]max, ld[su]min and their ordering suffixes), svc; and
	# GCC's out-of-line atomics (-moutline-atomics), which are calls.
	# Plain acquire loads and release stores (ldar, stlr) are not
	# read-modify-write and pass.
	pad='^$'
	atomic='[[:space:]](ld(a)?x(r[bh]?|p)|st(l)?x(r[bh]?|p)|cas[a-z]*|swp[a-z]*|ld(add|clr|eor|set|smax|smin|umax|umin)[a-z]*|svc)[[:space:]]|__aarch64_(cas|swp|ldadd|ldclr|ldeor|ldset)'
	# bl, b, b.cond, cbz/cbnz, tbz/tbnz, to a symbol (blr and br are
	# indirect: the TLS descriptor call is one)
	branch='[[:space:]](bl|b|b\.[a-z]+|cbn?z|tbn?z)[[:space:]]+([^<]*,[[:space:]]*)?[0-9a-f]+ <[^>+]+>' ;;
*)
	echo "1..0 # SKIP no fast-path check for ${arch:-an architecture $objdump cannot read} (x86-64 and aarch64 are checked)"
	exit 0 ;;
esac

n=0
check() {	# check LIB FUNCTION [ALIAS]: objdump names aliased code by either
	n=$((n + 1))
	body=$($objdump -d --no-show-raw-insn "$1" |
		awk -v f="<$2>:" -v g="<${3:-$2}>:" '$2 == f || $2 == g { on = 1; next } on && /^$/ { exit } on')
	what="$2 ($(basename "$1")): no lock, no atomic, no system call; leaves only for its slow path"
	if [ -z "$body" ]; then
		echo "not ok $n - $2 found in $(basename "$1")"; return
	fi
	bad=$(echo "$body" | grep -vE "$pad" | grep -E "$atomic|pthread_|futex" | head -3)
	exits=$(echo "$body" | grep -oE "$branch" | sed 's/.*<//; s/>//; s/@plt$//' | sort -u |
		grep -vE "^($2|${3:-$2}|cl_tcache_refill|cl_malloc_slow|cl_free_slow)$")
	if [ -z "$bad" ] && [ -z "$exits" ]; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		echo "$bad $exits" | sed 's/^/# /'
	fi
}
if $nm -D "$lib" 2>/dev/null | grep -q ' U __asan_init'; then
	echo "1..0 # SKIP AddressSanitizer instruments the fast path"
	exit 0
fi
echo "1..4"
echo "# $arch, disassembled with $objdump"
check "$lib" custom_malloc
check "$lib" custom_free
check "$preload" malloc __libc_malloc
check "$preload" free __libc_free
