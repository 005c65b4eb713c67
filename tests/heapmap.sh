#!/bin/sh
# heapmap.sh: the picture of custom_heap_map, rendered by a real renderer
# (rsvg-convert, Debian's librsvg2-bin) and checked pixel by pixel against
# the heap tests/heapmap-prog built: at the places it names, the strip of
# its chunk has the colour of the state it names.  Also: the picture is
# well-formed XML, calloc-lite-run --heap-map writes one at a program's
# exit, and a bad path is an error, not a crash.  In a cross build
# CL_TEST_RUN runs heapmap-prog under the emulator (see Makefile.am).
builddir=${top_builddir:-.}
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { if eval "$1"; then ok "$2"; else notok "$2"; fi; }
need() {
	if ! command -v "$1" >/dev/null; then
		if [ "${CI:-}" = true ]; then
			echo "1..1"; echo "not ok 1 - $1 ($2) is not installed"; exit 0
		fi
		echo "1..0 # SKIP $1 ($2) is not installed"; exit 0
	fi
}
need rsvg-convert librsvg2-bin
need python3 python3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2086
$CL_TEST_RUN "$builddir/tests/heapmap-prog" "$tmp/map.svg" >"$tmp/expect" 2>"$tmp/err"
rc=$?
if [ $rc -eq 77 ]; then
	echo "1..0 # SKIP $(cat "$tmp/err")"; exit 0
fi
check '[ $rc -eq 0 ] && [ -s "$tmp/map.svg" ]' "custom_heap_map writes the picture"
check 'python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$tmp/map.svg"' \
	"it is well-formed XML"
rsvg-convert -f png -o "$tmp/map.png" "$tmp/map.svg" 2>"$tmp/rsvg.err"
check '[ $? -eq 0 ] && [ -s "$tmp/map.png" ]' "rsvg-convert renders it"

# The colours of heapmap.c, and a PNG reader (zlib, from Python's library).
cat >"$tmp/check.py" <<'EOF'
import re, struct, sys, zlib

colours = {"used": "3465a4", "cached": "73d216", "free-resident": "f57900",
           "free-released": "eeeeec", "overhead": "555753", "large": "75507b"}

def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and ctype in (2, 6), "8-bit RGB(A) only"
    bpp = 4 if ctype == 6 else 3
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return lambda x, y: "%02x%02x%02x" % tuple(rows[y][x * bpp:x * bpp + 3])

svg, png, expect = open(sys.argv[1]).read(), read_png(sys.argv[2]), open(sys.argv[3]).read()
chunk = re.search(r"^chunk (0x[0-9a-f]+)$", expect, re.M).group(1)
strip = re.search(r'<g id="chunk-%s" data-y="(\d+)">' % chunk, svg)
if not strip:
    print("not ok - the chunk %s has no strip in the picture" % chunk)
    sys.exit(0)
y = int(strip.group(1)) + 8   # the middle of the strip
for x, state in re.findall(r"^expect (\d+) (\S+)$", expect, re.M):
    got = png(10 + int(x), y)   # strips start 10 pixels in
    verdict = "ok" if got == colours[state] else "not ok"
    print("%s - at pixel %s of chunk %s's strip: %s (#%s, want #%s)" % (verdict, x, chunk, state, got, colours[state]))
large = re.search(r"^large (0x[0-9a-f]+)$", expect, re.M).group(1)
row = re.search(r'large block %s: (\d+) KiB</text>\n<rect x="10" y="(\d+)"' % large, svg)
if row and png(12, int(row.group(2)) + 8) == colours["large"]:
    print("ok - the large block has its bar beside the chunks (%s KiB)" % row.group(1))
else:
    print("not ok - the large block %s has its bar beside the chunks" % large)
EOF
python3 "$tmp/check.py" "$tmp/map.svg" "$tmp/map.png" "$tmp/expect" >"$tmp/results" 2>&1
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) notok "${line#not ok - }" ;;
	*) notok "the pixel check failed: $line" ;;
	esac
done <"$tmp/results"
check 'grep -q "^total: \|<text x=\"10\" y=\"[0-9]*\">total: in use" "$tmp/map.svg"' "the picture ends with the totals"

# calloc-lite-run --heap-map: a picture at the exit of an unmodified program
# (not in a cross build: the drop-in library is not for this machine's sort)
run="$builddir/calloc-lite-run"
if [ -n "${CL_TEST_EMULATOR:-}" ]; then
	n=$((n + 1)); echo "ok $n # SKIP calloc-lite-run: a cross build's drop-in library cannot load into this machine's sort"
elif [ -x "$run" ] && [ -e "$builddir/lib/.libs/libcalloc-lite-preload.so" ]; then
	CALLOC_LITE_PRELOAD="$builddir/lib/.libs/libcalloc-lite-preload.so" "$run" --heap-map "$tmp/sort.svg" \
		sort "$tmp/expect" >/dev/null 2>"$tmp/err"
	check '[ -s "$tmp/sort.svg" ] && grep -q "heap map: sort" "$tmp/sort.svg" && rsvg-convert -o "$tmp/sort.png" "$tmp/sort.svg"' \
		"calloc-lite-run --heap-map FILE draws sort's heap at its exit"
fi
# shellcheck disable=SC2086
out=$($CL_TEST_RUN "$builddir/tests/heapmap-prog" "$tmp/no/such/dir/map.svg" 2>&1)
check '[ $? -eq 1 ] && echo "$out" | grep -q "No such file or directory"' \
	"a path that cannot be written is an error (errno ENOENT), not a crash"
echo "1..$n"
