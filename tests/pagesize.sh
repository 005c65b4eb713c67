#!/bin/sh
# pagesize.sh: the whole C test suite again with the allocator working in
# bigger pages than this machine's, and its OS layer refusing (EINVAL)
# every call a kernel with such pages would refuse: an address or length
# that is not a multiple of the page (see platform.c and os.c,
# CL_TEST_PAGE_SIZE).  Debian's ppc64el and many arm64 kernels have 64 KiB
# pages, others 16 KiB.  Every assertion of every program is reported here
# as one TAP line, prefixed with the page size and the program.
#
# CL_CHECK_PAGES: the page sizes to run (default 65536; CI adds 16384).
# CL_C_TESTS: the C test programs (set by Makefile.am).
# CL_TEST_RUN: how to run them (set by Makefile.am; qemu-user in a cross
# build).
builddir=${top_builddir:-.}
pages=${CL_CHECK_PAGES:-65536}
tests=${CL_C_TESTS:-}
if [ -z "$tests" ]; then
	echo "1..0 # SKIP CL_C_TESTS is not set (run through make check)"
	exit 0
fi
case " ${CL_TEST_EMULATOR:-} " in *" -p "*)
	echo "1..0 # SKIP the emulator gives the guest its own page size ($CL_TEST_EMULATOR): make check ran the suite at it"
	exit 0 ;;
esac
n=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
for page in $pages; do
	for t in $tests; do
		# shellcheck disable=SC2086 # CL_TEST_RUN: the emulator, in a cross build
		CL_TEST_PAGE_SIZE=$page $CL_TEST_RUN "$builddir/$t" >"$out" 2>&1
		rc=$?
		# Renumber the program's TAP lines into this one's.
		while IFS= read -r line; do
			case $line in
			"ok "*|"not ok "*)
				n=$((n + 1))
				verdict=${line%% [0-9]*}
				rest=$(echo "$line" | sed 's/^\(not \)\{0,1\}ok [0-9]* *-\{0,1\} *//')
				echo "$verdict $n - [$page] $t: $rest" ;;
			esac
		done <"$out"
		n=$((n + 1))
		if [ $rc -eq 0 ]; then
			echo "ok $n - [$page] $t exits 0"
		else
			echo "not ok $n - [$page] $t exits 0 (status $rc)"
			sed 's/^/# /' "$out" | tail -n 20
		fi
	done
done
echo "1..$n"
