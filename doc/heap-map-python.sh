#!/bin/sh
# doc/heap-map-python.sh: makes doc/heap-map-python.svg, the picture in the
# README: Python (every object through malloc) under the drop-in library,
# with a dict of 40000 strings a third of which were deleted, and 20 big
# buffers half of which were freed, drawn from inside the program with
# custom_heap_map through ctypes.
#
#   doc/heap-map-python.sh [BUILDDIR]    (default: the source tree)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top}
PYTHONMALLOC=malloc CALLOC_LITE_PRELOAD="$build/lib/.libs/libcalloc-lite-preload.so" \
	sh "$build/calloc-lite-run" python3 -c '
import ctypes, random
lib = ctypes.CDLL(None)          # the drop-in library exports custom_heap_map
random.seed(1)
d = {i: "x" * random.randint(10, 300) for i in range(40000)}
for i in range(0, 40000, 3):
    del d[i]
big = [bytes(random.randint(40000, 200000)) for _ in range(20)]
del big[::2]
if lib.custom_heap_map(b"'"$top"'/doc/heap-map-python.svg") != 0:
    raise SystemExit("custom_heap_map failed")
'
echo "wrote $top/doc/heap-map-python.svg"
