#!/bin/sh
# demo.sh: the example program runs and shows what it claims.  In a cross
# build CL_TEST_RUN runs it under the emulator (see Makefile.am).
# shellcheck disable=SC2086
out=$($CL_TEST_RUN "${top_builddir:-.}/examples/demo" 2>&1)
rc=$?
echo "1..7"
[ $rc -eq 0 ] && echo "ok 1 - demo exits 0" || echo "not ok 1 - demo exits 0 (rc $rc)"
echo "$out" | grep -q '^chunk 0x[0-9a-f]* size 4194304' && echo "ok 2 - demo prints the pool's chunks" || echo "not ok 2 - demo prints the pool's chunks"
if ${NM:-nm} -D "${top_builddir:-.}/lib/.libs/libcalloc-lite.so" 2>/dev/null | grep -q ' U __asan_init'; then
	echo "ok 3 # SKIP an ASan build runs in checking mode: realloc always moves"
else
	echo "$out" | grep -q '= 0x[0-9a-f]* (in place)' && echo "ok 3 - realloc grew in place" || echo "not ok 3 - realloc grew in place"
fi
echo "$out" | grep -q '^large blocks: 1,' && echo "ok 4 - the large block was its own mapping" || echo "not ok 4 - the large block was its own mapping"
# A 4 MiB spare chunk, and the 8 MiB block's mapping: 8 MiB and a page for
# its header.  The page is this machine's, or what an emulator was told.
page=$(getconf PAGESIZE)
case " ${CL_TEST_EMULATOR:-} " in *" -p "*)
	page=$(echo "$CL_TEST_EMULATOR" | sed 's/.* -p \([0-9]*\).*/\1/') ;;
esac
large=$((8388608 + page))
echo "$out" | grep -q "after freeing everything: $((4194304 + large)) bytes mapped (a spare chunk, and $large bytes" && echo "ok 5 - after the frees, a spare chunk and the large mapping are kept" || echo "not ok 5 - after the frees, a spare chunk and the large mapping are kept ($page-byte pages)"
# 0 when linked; with the drop-in library preloaded (make check-preload) the
# same allocator also holds stdio's buffers: at most one chunk then.
left=$(echo "$out" | sed -n 's/^after custom_malloc_trim(0): \([0-9]*\) bytes mapped.*/\1/p')
if [ -n "$left" ] && { [ "$left" -eq 0 ] || { [ -n "${LD_PRELOAD:-}" ] && [ "$left" -le 4194304 ]; }; }; then
	echo "ok 6 - trim gives everything back ($left bytes left mapped)"
else
	echo "not ok 6 - trim gives everything back (${left:-?} bytes left mapped)"
fi
[ $rc -eq 0 ] || echo "$out" | sed 's/^/# /'
# Linked mode: CALLOC_LITE_STATS=1 prints the statistics at exit.
# shellcheck disable=SC2086
if CALLOC_LITE_STATS=1 $CL_TEST_RUN "${top_builddir:-.}/examples/demo" 2>&1 >/dev/null | grep -q '^calloc-lite statistics:'; then
	echo "ok 7 - CALLOC_LITE_STATS=1 prints statistics at exit of a linked program"
else
	echo "not ok 7 - CALLOC_LITE_STATS=1 prints statistics at exit of a linked program"
fi
