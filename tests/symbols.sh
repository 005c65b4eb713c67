#!/bin/sh
# symbols.sh: the shared library exports exactly the documented API: the
# functions declared in calloc-lite.h, all under the version node.  NM and
# OBJDUMP name the tools for the library's architecture (cross builds).
nm=${NM:-nm}
objdump=${OBJDUMP:-objdump}
so="${top_builddir:-.}/lib/.libs/libcalloc-lite.so"
hdr="${top_srcdir:-.}/include/calloc-lite.h"
echo "1..3"
exported=$($nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
declared=$(grep -oE '\b(custom_[a-z_0-9]+|print_free_list)\(' "$hdr" | tr -d '(' | sort -u)
if [ "$exported" = "$declared" ]; then echo "ok 1 - exported functions are the header's"
else echo "not ok 1 - exported functions are the header's"
  echo "# declared:" $declared; echo "# exported:" $exported; fi
other=$($nm -D --defined-only "$so" | awk '$2 != "T" && $3 !~ /^LIBCALLOC_LITE_1(\.[0-9]+)?$/ { print $3 }')
[ -z "$other" ] && echo "ok 2 - no other symbol is exported" || echo "not ok 2 - no other symbol is exported: $other"
soname=$($objdump -p "$so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libcalloc-lite.so.1" ] && echo "ok 3 - SONAME is libcalloc-lite.so.1" || echo "not ok 3 - SONAME is $soname"
