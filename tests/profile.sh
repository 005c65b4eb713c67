#!/bin/sh
# profile.sh: heap profiles (CALLOC_LITE_PROFILE) of tests/profile-prog,
# read back by google-pprof as a user would: the functions holding memory
# with estimates within 20% of the truth, the hot site of a churn in the
# cumulative profile, profiles of a forked child and of threads, dumps from
# several threads at once, the leak summary, the signal, and bad option
# values warned and ignored.
#
# The sampling rate is 4 KiB here, not the default 512 KiB: 1 MiB kept in
# 64-byte blocks is then about 256 samples, whose estimate is within 20%
# with a margin of several standard deviations.
builddir=${top_builddir:-.}
LIBTOOL=${LIBTOOL:-$builddir/libtool}
# A cross build: google-pprof would have to symbolise the emulated CPU's
# program with this machine's binutils, from the emulator's guest address
# map; that is not attempted.
if [ -n "${CL_TEST_EMULATOR:-}" ]; then
	echo "1..0 # SKIP cross build: google-pprof is not run on a program for the emulated CPU ($CL_TEST_EMULATOR)"
	exit 0
fi
prog=$builddir/tests/profile-prog
pprof=$(command -v google-pprof || command -v pprof || true)
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { if eval "$1"; then ok "$2"; else notok "$2"; fi; }
if [ -z "$pprof" ]; then
	if [ "${CI:-}" = true ]; then
		echo "1..1"; echo "not ok 1 - google-pprof (google-perftools) is not installed"; exit 0
	fi
	echo "1..0 # SKIP google-pprof (Debian's google-perftools) is not installed"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# google-pprof OPTION... PROGRAM PROFILE, the real binary for PROGRAM as
# pprof must read its symbols (libtool hands it over): pp OPTION... PROFILE.
pp() {
	_opts=
	while [ $# -gt 1 ]; do _opts="$_opts $1"; shift; done
	# shellcheck disable=SC2086
	$LIBTOOL --mode=execute "$pprof" $_opts "$prog" "$1" 2>"$tmp/pprof.err"
}
# MiB pprof gives function $1 in profile $2 (column $3: 1 flat, 4 cum).
mib() {
	pp --text "$2" | awk -v f="$1" -v c="${3:-1}" '$6 == f { print $c; found = 1 } END { if (!found) print "none" }'
}
# Is $1 within 20% of $2?
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "none" && a >= 0.8 * b && a <= 1.2 * b) }'; }
run() {
	env CALLOC_LITE_PROFILE="$tmp/p" CALLOC_LITE_PROFILE_RATE=4096 "$@"
}
one_profile() { ls "$tmp"/p.*.heap 2>/dev/null | head -n 1; }

# --- two sites: 100 MiB and 1 MiB kept
rm -f "$tmp"/p.*
run "$prog" two >"$tmp/out" 2>"$tmp/err"
check '[ $? -eq 0 ]' "two: the program runs with CALLOC_LITE_PROFILE set"
pid=$(sed -n 's/^pid //p' "$tmp/out")
f="$tmp/p.$pid.heap"
check '[ -s "$f" ] && head -n 1 "$f" | grep -q "^heap profile: .* @ heapprofile$"' \
	"two: the exit profile is <prefix>.<pid>.heap, in gperftools' heap format"
check 'grep -q "^MAPPED_LIBRARIES:" "$f"' "two: it carries the address map pprof symbolises with"
a=$(mib hundred_mib "$f"); b=$(mib one_mib "$f")
check 'near "$a" 100' "google-pprof --text: hundred_mib holds $a MiB (truth: 100)"
check 'near "$b" 1' "google-pprof --text: one_mib holds $b MiB (truth: 1)"
pp --svg "$f" >"$tmp/graph.svg"
check 'grep -q "hundred_mib" "$tmp/graph.svg" && grep -q "one_mib" "$tmp/graph.svg"' \
	"google-pprof --svg draws a call graph with both functions"

# --- churn: the cumulative profile finds the hot site
rm -f "$tmp"/p.*
run "$prog" churn >"$tmp/out" 2>"$tmp/err"
f=$(one_profile)
hot=$(pp --text --alloc_space "$f" | awk 'NR > 1 && $6 != "" { print $6; exit }')
check '[ "$hot" = hot_site ]' "churn: google-pprof --alloc_space puts hot_site first ($hot)"
h=$(pp --text --alloc_space "$f" | awk '$6 == "hot_site" { print $1 }')
check 'near "$h" 95.4' "churn: hot_site allocated $h MiB over the run (truth: 10^6 x 100 B = 95.4 MiB)"
live=$(mib hot_site "$f")
check '[ "$live" = none ] || awk -v x="$live" "BEGIN { exit !(x < 1) }"' \
	"churn: and holds nothing at exit ($live MiB)"

# --- fork: the child writes its own profile
rm -f "$tmp"/p.*
run "$prog" fork >"$tmp/out" 2>"$tmp/err"
pid=$(sed -n 's/^pid //p' "$tmp/out"); child=$(sed -n 's/^child //p' "$tmp/out")
check '[ -s "$tmp/p.$pid.heap" ] && [ -s "$tmp/p.$child.heap" ]' "fork: parent and child each write <prefix>.<pid>.heap"
c=$(mib child_site "$tmp/p.$child.heap"); pc=$(mib child_site "$tmp/p.$pid.heap")
check 'near "$c" 4 && [ "$pc" = none ]' "fork: child_site's 4 MiB are in the child's profile ($c) only ($pc in the parent's)"
pa=$(mib parent_site "$tmp/p.$child.heap")
check 'near "$pa" 4' "fork: the child inherits the parent's samples ($pa MiB of parent_site)"

# --- threads
rm -f "$tmp"/p.*
run "$prog" threads >"$tmp/out" 2>"$tmp/err"
t=$(mib thread_site "$(one_profile)")
check 'near "$t" 32' "threads: 4 threads' thread_site holds $t MiB (truth: 32)"

# --- many short threads: each must draw its own sampling intervals
rm -f "$tmp"/p.*
run "$prog" short >"$tmp/out" 2>"$tmp/err"
sh=$(pp --text --alloc_space "$(one_profile)" | awk '$6 == "short_site" { print $1 }')
check 'near "${sh:-none}" 1.95' "short threads: 2000 threads' short_site allocated ${sh:-no} MiB in all (truth: 2000 x 16 x 64 B = 1.95 MiB)"

# --- dumps from 4 threads at once
rm -f "$tmp"/p.*
mkdir "$tmp/d"
run "$prog" dumps "$tmp/d" >"$tmp/out" 2>"$tmp/err"
check '[ $? -eq 0 ] && [ "$(ls "$tmp/d" | wc -l)" -eq 20 ]' "dumps: 4 threads wrote 5 profiles each with custom_malloc_profile_dump"
bad=0
for g in "$tmp"/d/*.heap; do
	pp --text "$g" >/dev/null 2>&1 || bad=$((bad + 1))
	head -n 1 "$g" | grep -q '^heap profile:' || bad=$((bad + 1))
done
check '[ $bad -eq 0 ]' "dumps: google-pprof reads every one ($bad bad)"

# --- leaks
rm -f "$tmp"/p.*
run env CALLOC_LITE_PROFILE_LEAKS=1 "$prog" leaks >"$tmp/out" 2>"$tmp/err"
f=$(one_profile)
l=$(mib leak_site "$f"); fr=$(pp --text --alloc_space "$f" | awk '$6 == "freed_site" { print $1 }')
check 'near "$l" 10 && [ -z "$fr" ]' "leaks: the exit profile holds leak_site ($l MiB), not freed_site (${fr:-absent})"
check 'grep -q "^calloc-lite: [0-9]* bytes in [0-9]* allocations were never freed" "$tmp/err"' \
	"leaks: one line on stderr sums what was never freed"
sed 's/^/# /' "$tmp/err" | head -n 2

# --- signal
rm -f "$tmp"/p.*
run env CALLOC_LITE_PROFILE_SIGNAL=USR2 "$prog" signal 12 >"$tmp/out" 2>"$tmp/err"
pid=$(sed -n 's/^pid //p' "$tmp/out")
check '[ -s "$tmp/p.$pid.1.heap" ]' "CALLOC_LITE_PROFILE_SIGNAL=USR2: the signal writes <prefix>.<pid>.1.heap"
s=$(mib parent_site "$tmp/p.$pid.1.heap")
check 'near "$s" 4' "and it holds parent_site's 4 MiB ($s)"

# --- off, and bad values
out=$("$prog" off 2>&1)
check '[ "$out" = "dump -1 errno ENOTSUP
pid ${out##*pid }" ]' "without CALLOC_LITE_PROFILE, custom_malloc_profile_dump fails with ENOTSUP"
rm -f "$tmp"/p.*
env CALLOC_LITE_PROFILE="$tmp/p" CALLOC_LITE_PROFILE_RATE=lots CALLOC_LITE_PROFILE_SIGNAL=KILL \
	CALLOC_LITE_PROFILE_LEAKS=maybe "$prog" two >"$tmp/out" 2>"$tmp/err"
rc=$?
# Under make check-preload every process on the way (libtool's wrapper
# shell too) loads the allocator and warns: count distinct warnings.
w=$(grep "^calloc-lite: ignoring CALLOC_LITE_PROFILE_" "$tmp/err" | sort -u)
check '[ $rc -eq 0 ] && [ "$(printf "%s\n" "$w" | grep -c .)" -eq 3 ] &&
	case "$w" in *PROFILE_RATE*PROFILE_SIGNAL*|*PROFILE_SIGNAL*PROFILE_RATE*) ;; *) false ;; esac &&
	case "$w" in *PROFILE_LEAKS*) ;; *) false ;; esac' \
	"bad RATE, SIGNAL and LEAKS values: one warning each, and the program runs"
printf '%s\n' "$w" | sed 's/^/# /'
a=$(mib hundred_mib "$(one_profile)")
check 'near "$a" 100' "and the profile is written at the default rate ($a MiB)"
rm -f "$tmp"/p.*
env CALLOC_LITE_PROFILE= "$prog" two >"$tmp/out" 2>"$tmp/err"
check 'grep -q "^calloc-lite: ignoring CALLOC_LITE_PROFILE=: empty" "$tmp/err" && [ -z "$(one_profile)" ]' \
	"an empty CALLOC_LITE_PROFILE is warned about, and nothing is profiled"
echo "1..$n"
