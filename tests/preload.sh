#!/bin/bash
# preload.sh: real programs this project did not write, run with the
# drop-in library preloaded, must give the same output as without it; the
# statistics printed at exit prove the allocator served them.
set -u
builddir=${top_builddir:-.}
srcdir=${top_srcdir:-.}
preload=$(cd "$builddir/lib/.libs" && pwd)/libcalloc-lite-preload.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

need() {
	if command -v "$1" >/dev/null 2>&1; then return 0; fi
	if [ "${CI:-}" = true ]; then notok "$1 is installed (.ci/run installs it)"; else skip "$1 not installed"; fi
	return 1
}

# same NAME CMD...: run CMD with and without the drop-in library; stdout and
# exit status must match, and the stats at exit must show our pool in use.
same() {
	local name=$1; shift
	"$@" > "$work/plain.out" 2> "$work/plain.err"
	local rc1=$?
	CALLOC_LITE_STATS=1 LD_PRELOAD="$preload" "$@" > "$work/ours.out" 2> "$work/ours.err"
	local rc2=$?
	if [ $rc1 -ne $rc2 ] || ! cmp -s "$work/plain.out" "$work/ours.out"; then
		notok "$name: same output and status under libcalloc-lite ($rc1 vs $rc2)"
		diff "$work/plain.out" "$work/ours.out" | head -5 | sed 's/^/# /'
		tail -5 "$work/ours.err" | sed 's/^/# /'
		return
	fi
	ok "$name: same output and status under libcalloc-lite"
	local calls
	calls=$(awk '/mmap calls/ { s += $NF } END { print s + 0 }' "$work/ours.err")
	if grep -q '^calloc-lite statistics:' "$work/ours.err" && [ "$calls" -gt 0 ]; then
		ok "$name: libcalloc-lite served it (mmap calls $calls)"
		return
	fi
	# Some programs (xz) close stderr before exit, so the statistics cannot
	# be printed: ask the dynamic loader where malloc and free were bound.
	LD_DEBUG=bindings LD_DEBUG_OUTPUT="$work/bind" LD_PRELOAD="$preload" "$@" > /dev/null 2>&1
	if cat "$work"/bind.* 2>/dev/null | grep -q "to $preload \[0\]: normal symbol \`malloc'" &&
	   cat "$work"/bind.* 2>/dev/null | grep -q "to $preload \[0\]: normal symbol \`free'"; then
		ok "$name: malloc and free were bound to libcalloc-lite (stderr closed: no statistics)"
	else
		notok "$name: libcalloc-lite served it"
	fi
	rm -f "$work"/bind.*
}

# A cross build's drop-in library cannot be loaded into this machine's
# programs (python3, xz, git...).
if [ -n "${CL_TEST_EMULATOR:-}" ]; then
	echo "1..0 # SKIP cross build: the drop-in library is for the emulated CPU ($CL_TEST_EMULATOR), the programs here are not"
	exit 0
fi
[ -r "$preload" ] || { echo "1..1"; echo "not ok 1 - $preload exists"; exit 0; }
# An AddressSanitizer build (make check-asan) cannot be preloaded into
# programs that were not built with it.
if ${NM:-nm} -D "$preload" 2>/dev/null | grep -q ' U __asan_init'; then
	echo "1..0 # SKIP the drop-in library is built with AddressSanitizer"
	exit 0
fi

# 1. Our own edge-case program, with a constructor calling free(NULL) first.
if CALLOC_LITE_STATS=0 LD_PRELOAD="$preload" "$builddir/tests/preload-early" > "$work/early.out" 2>&1; then
	ok "preload-early: glibc edge cases and early calls"
else
	notok "preload-early: glibc edge cases and early calls"
fi
sed 's/^/# /' "$work/early.out"

# calloc-lite-run, pointed at the library of this build.
run="$builddir/calloc-lite-run"
if [ -x "$run" ]; then
	out=$(CALLOC_LITE_PRELOAD="$preload" "$run" --stats /usr/bin/python3 -c 'print(sum(len(str(i)) for i in range(100000)))' 2>&1)
	if echo "$out" | grep -q '^488890$' && echo "$out" | grep -q '^calloc-lite statistics:'; then
		ok "calloc-lite-run --stats runs a program on libcalloc-lite and prints statistics"
	else
		notok "calloc-lite-run --stats runs a program on libcalloc-lite and prints statistics"; echo "$out" | sed 's/^/# /' | head -5
	fi
	CALLOC_LITE_PRELOAD="$preload" "$run" /nonexistent/program 2>/dev/null
	[ $? -eq 127 ] && ok "calloc-lite-run: a program that cannot be found exits 127" || notok "calloc-lite-run: a program that cannot be found exits 127"
	"$run" --bogus 2>/dev/null
	[ $? -eq 2 ] && ok "calloc-lite-run: a bad option exits 2" || notok "calloc-lite-run: a bad option exits 2"
else
	notok "calloc-lite-run is built"
fi

# 2. Python with every object through malloc.
if need python3; then
	cat > "$work/work.py" <<'PY'
import json, hashlib, random
random.seed(7)
d = {f"key{i}": [i, str(i) * (i % 7), {"x": i * 0.5}] for i in range(50000)}
s = json.dumps(d, sort_keys=True)
back = json.loads(s)
assert back == d
words = ["".join(random.choice("abcdefgh") for _ in range(random.randint(1, 30))) for _ in range(30000)]
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
lst = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
big = [bytearray(i % 5000) for i in range(5000)]
print(hashlib.sha256(s.encode()).hexdigest(), len(counts), lst, sum(map(len, big)))
PY
	PYTHONMALLOC=malloc same "python3 (PYTHONMALLOC=malloc)" /usr/bin/python3 "$work/work.py"
	if /usr/bin/python3 -c 'import test.test_json, test.test_dict' 2>/dev/null; then
		PYTHONMALLOC=malloc LD_PRELOAD="$preload" /usr/bin/python3 -m test \
			test_dict test_list test_json test_set > "$work/pytest.out" 2>&1
		if grep -q 'Tests result: SUCCESS' "$work/pytest.out"; then ok "python3 -m test (dict, list, json, set) passes under libcalloc-lite"
		else notok "python3 -m test passes"; tail -5 "$work/pytest.out" | sed 's/^/# /'; fi
	else
		skip "Python's own test suite is not installed"
	fi
	# Linked (not preloaded) library, dlopen'd by ctypes and used from threads.
	CL_SO=$(cd "$builddir/lib/.libs" && pwd)/libcalloc-lite.so.1 /usr/bin/python3 - > "$work/ctypes.out" 2>&1 <<'PY'
import ctypes, os, threading
lib = ctypes.CDLL(os.environ["CL_SO"])
lib.custom_malloc.restype = ctypes.c_void_p
lib.custom_malloc.argtypes = [ctypes.c_size_t]
lib.custom_free.argtypes = [ctypes.c_void_p]
errors = []
def work(tag):
    for i in range(20000):
        p = lib.custom_malloc(16 + i % 500)
        ctypes.memset(p, tag, 16)
        if ctypes.string_at(p, 16) != bytes([tag]) * 16:
            errors.append(i)
        lib.custom_free(p)
ts = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
[t.start() for t in ts]; [t.join() for t in ts]
print("errors", len(errors))
PY
	if grep -q '^errors 0$' "$work/ctypes.out"; then ok "libcalloc-lite.so dlopen'd by ctypes works from 4 threads"
	else notok "libcalloc-lite.so dlopen'd by ctypes works from 4 threads"; sed 's/^/# /' "$work/ctypes.out"; fi
fi

# 3. Multi-threaded compressors on a generated file, checked byte for byte.
/usr/bin/python3 -c '
import random, sys
random.seed(1)
words = [bytes(random.choice(b"abcdefghij ") for _ in range(random.randint(2, 12))) for _ in range(5000)]
sys.stdout.buffer.write(b" ".join(random.choice(words) for _ in range(3000000)))' > "$work/data" 2>/dev/null ||
	head -c 30000000 /dev/urandom | od -x > "$work/data"
if need xz; then
	same "xz -T2 compress" xz -T2 -3 -c "$work/data"
	xz -T2 -3 -c "$work/data" > "$work/data.xz"
	same "xz -T2 decompress" xz -T2 -d -c "$work/data.xz"
	if LD_PRELOAD="$preload" xz -T2 -d -c "$work/data.xz" | cmp -s - "$work/data"; then ok "xz round trip is byte for byte"
	else notok "xz round trip is byte for byte"; fi
fi
if need zstd; then
	same "zstd -T2 compress" zstd -q -T2 -c "$work/data"
	zstd -q -T2 -c "$work/data" > "$work/data.zst"
	if LD_PRELOAD="$preload" zstd -q -T2 -d -c "$work/data.zst" | cmp -s - "$work/data"; then ok "zstd round trip is byte for byte"
	else notok "zstd round trip is byte for byte"; fi
fi

# 4. SQLite: 10^5 rows, an index, queries.
if need sqlite3; then
	cat > "$work/q.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, val REAL);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
INSERT INTO t SELECT i, printf('name-%08d-%x', i, (i * 2654435761) % 65536), i % 97, (i * 7919) % 1000 / 10.0 FROM c;
CREATE INDEX t_grp ON t(grp, val);
SELECT count(*), sum(val), min(name), max(name) FROM t;
SELECT grp, count(*), round(avg(val), 3) FROM t GROUP BY grp ORDER BY grp LIMIT 5;
SELECT name FROM t WHERE grp = 42 AND val > 99 ORDER BY val, id LIMIT 3;
SELECT group_concat(name, ',') IS NOT NULL, length(group_concat(name, ',')) FROM t;
SQL
	same "sqlite3 (10^5 rows, index, queries)" sqlite3 ":memory:" ".read $work/q.sql"
fi

# 5. Perl with a hash-heavy script.
if need perl; then
	same "perl hashes" perl -e '
my %h; for my $i (1 .. 300000) { $h{"k$i"} = [$i, "v" x ($i % 13)]; }
my %inv; while (my ($k, $v) = each %h) { push @{ $inv{ $v->[0] % 1000 } }, $k; }
delete $h{"k$_"} for grep { $_ % 3 } 1 .. 300000;
my $s = 0; $s += scalar @{ $inv{$_} } for keys %inv;
print scalar(keys %h), " ", scalar(keys %inv), " $s\n";
print join(",", (sort { $a <=> $b } map { $h{$_}[0] } keys %h)[0 .. 4]), "\n";'
fi

# 6. git creating and reading a repository.
if need git; then
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
	export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
	repo="$work/repo"
	CALLOC_LITE_STATS=1 LD_PRELOAD="$preload" git init -q "$repo" 2> "$work/git.err"
	for i in $(seq 1 200); do echo "file $i $(seq 1 $i | tr '\n' ' ')" > "$repo/f$i.txt"; done
	(cd "$repo" && LD_PRELOAD="$preload" git add . && LD_PRELOAD="$preload" git commit -q -m one &&
		sed -i 's/file/FILE/' f1*.txt && LD_PRELOAD="$preload" git commit -q -am two) || notok "git add/commit under libcalloc-lite"
	same "git log, diff, fsck" sh -c "cd '$repo' && git log --stat --format='%H %s' && git diff HEAD~1 --stat && git fsck --strict --no-progress && git gc -q && git count-objects -v | grep -v size"
fi

# 7. A C++ program (cc1 of gcc) starting before main with libstdc++.
if need gcc; then
	same "gcc (cc1, C++) compiling a file" gcc -O2 -S -o - "$srcdir/lib/pool.c" -I "$srcdir/include" -I "$srcdir/lib" -I "$builddir" -DCALLOC_LITE_BUILDING
fi

echo "1..$n"
exit 0
