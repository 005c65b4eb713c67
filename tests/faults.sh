#!/bin/sh
# faults.sh: each program in tests/faults/ makes one mistake with the API
# (double free, foreign pointer, overflow, write after free, ...).  Each
# must die by SIGABRT after exactly one line on stderr: a line its source
# gives after "expect:" (one of them, if several), naming the program and
# its pid.  In a cross build CL_TEST_RUN runs them under the emulator,
# which adds a line of its own about the signal.
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
asan=no
if ${NM:-nm} -D "$builddir/lib/.libs/libcalloc-lite.so" 2>/dev/null | grep -q ' U __asan_init'; then
	asan=yes
fi
set -- "$srcdir"/tests/faults/*.c
echo "1..$#"
n=0
for src; do
	n=$((n + 1))
	name=$(basename "$src" .c)
	expect=$(sed -n 's/^ \* expect: //p' "$src")
	if [ -z "$expect" ]; then
		echo "not ok $n - $name: no 'expect:' line in its source"
		continue
	fi
	if [ $asan = yes ] && grep -q '^ \* not under ASan' "$src"; then
		echo "ok $n - $name # SKIP AddressSanitizer reports it first"
		continue
	fi
	# make check-preload: the drop-in library is loaded into the program
	# too, and then serves its custom_* calls and the C library's malloc.
	case ${LD_PRELOAD:-} in
	*libcalloc-lite-preload*)
		if grep -q '^ \* not under preload' "$src"; then
			echo "ok $n - $name # SKIP $(sed -n 's/^ \* not under preload: //p' "$src")"
			continue
		fi ;;
	esac
	err=$builddir/tests/faults/$name.err
	# shellcheck disable=SC2086
	$CL_TEST_RUN "$builddir/tests/faults/$name" >/dev/null 2>"$err"
	rc=$?
	# dash reports the signal ("Aborted") into the same redirection;
	# qemu-user says "qemu: uncaught target signal 6 (Aborted) ...".
	sed -i -e '/^Aborted\( (core dumped)\)\?$/d' -e '/^qemu: uncaught target signal /d' "$err"
	lines=$(wc -l < "$err")
	if [ $rc -ne 134 ]; then
		echo "not ok $n - $name: exit status $rc, not SIGABRT (134)"
	elif [ "$lines" -ne 1 ]; then
		echo "not ok $n - $name: $lines lines on stderr, not one"
	elif ! echo "$expect" | sed 's/^/calloc-lite: /' | grep -qFf - "$err"; then
		echo "not ok $n - $name: stderr lacks 'calloc-lite: $expect'" | head -1
	elif ! grep -qE "\((lt-)?$name, pid [0-9]+\)\$" "$err"; then
		echo "not ok $n - $name: the line does not name the program and pid"
	else
		echo "ok $n - $name: $(cat "$err")"
		continue
	fi
	sed 's/^/# /' "$err"
done
