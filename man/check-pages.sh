#!/bin/sh
# man/check-pages.sh: TAP test of the manual pages.
#
#  1. Every page in man/ renders with `groff -man -ww -z -t` without a single
#     line of output (any warning fails), for the default device and for
#     -Tutf8, the terminal device that man(1) and lintian use (lines that
#     cannot be adjusted to 80 columns show only there); a `.so` link page
#     must be that one line and name a page that exists.
#  2. Every function declared in include/calloc-lite.h has a page man/NAME.3
#     (a page or a link) whose NAME section lists the function.
#  3. Every page that is not a link has a .TH title matching its file name,
#     the sections the style asks for (STYLE.md, point 14), and only
#     printable ASCII (anything else is written with a groff escape).
#
# Pages are read from $top_srcdir (exported by the test harness), so that the
# test also works from a VPATH build such as `make distcheck`.  $GROFF names
# groff (configure's AC_PATH_PROG); without groff the rendering tests are
# skipped.
#
# Copyright (C) 2026 The libcalloc-lite authors.
# SPDX-License-Identifier: MIT

set -u
LC_ALL=C
export LC_ALL

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "$0")/.." && pwd) || exit 1
fi
man=$top_srcdir/man
header=$top_srcdir/include/calloc-lite.h

groff=${GROFF:-}
if [ -z "$groff" ]; then
	groff=$(command -v groff 2>/dev/null || true)
fi

if [ ! -f "$header" ] || [ ! -d "$man" ]; then
	echo "1..0 # SKIP no $header or $man (set top_srcdir)"
	exit 0
fi

# The pages: every file man/*.N with a section number for a suffix.
pages=$(cd "$man" && for f in *.[1-9]; do [ -f "$f" ] && echo "$f"; done | sort)

# The functions: names followed by "(" in the header with comments removed
# (a comment may mention a name that is not a function, or use the (3) of a
# page reference).
funcs=$(awk '
	{
		line = $0; out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0) { line = "" } else { line = substr(line, i + 2); incomment = 0 }
			} else {
				i = index(line, "/*")
				if (i == 0) { out = out line; line = "" }
				else { out = out substr(line, 1, i - 1) " "; line = substr(line, i + 2); incomment = 1 }
			}
		}
		print out
	}' "$header" |
	grep -oE '(custom_[a-z_0-9]+|print_free_list)[[:space:]]*\(' |
	sed 's/[[:space:](]*$//' | sort -u)

is_link() {
	# A link page: its first line is a .so request.
	head -n 1 "$1" | grep -q '^\.so[[:space:]]'
}

# The file a page resolves to: itself, or the target of its .so line.
resolve() {
	if is_link "$1"; then
		target=$(head -n 1 "$1" | sed 's/^\.so[[:space:]]*//; s/[[:space:]]*$//')
		echo "$man/${target##*/}"
	else
		echo "$1"
	fi
}

n_pages=0
n_full=0
for p in $pages; do
	n_pages=$((n_pages + 1))
	is_link "$man/$p" || n_full=$((n_full + 1))
done
n_funcs=0
for f in $funcs; do
	n_funcs=$((n_funcs + 1))
done

if [ "$n_pages" -eq 0 ] || [ "$n_funcs" -eq 0 ]; then
	echo "1..1"
	echo "not ok 1 - found $n_pages pages in $man and $n_funcs functions in $header"
	exit 1
fi

echo "1..$((n_pages + n_funcs + n_full))"
t=0
failed=0

ok() {
	t=$((t + 1))
	echo "ok $t - $*"
}
not_ok() {
	t=$((t + 1))
	failed=1
	echo "not ok $t - $*"
}
diag() {
	sed 's/^/# /'
}

# 1. Rendering.
for p in $pages; do
	page=$man/$p
	if is_link "$page"; then
		target=$(resolve "$page")
		lines=$(wc -l < "$page")
		if [ "$lines" -ne 1 ]; then
			not_ok "$p: a .so link page must be one line, not $lines"
		elif [ ! -f "$target" ]; then
			not_ok "$p: .so target ${target##*/} does not exist"
		elif is_link "$target"; then
			not_ok "$p: .so target ${target##*/} is itself a link"
		else
			ok "$p: .so link to ${target##*/}"
		fi
	elif [ -z "$groff" ]; then
		ok "$p: renders # SKIP groff not found"
	else
		out=$("$groff" -man -ww -z -t "$page" 2>&1)
		status=$?
		if [ "$status" -eq 0 ] && [ -z "$out" ]; then
			out=$("$groff" -man -ww -z -t -Tutf8 "$page" 2>&1)
			status=$?
			how="-Tutf8"
		else
			how=""
		fi
		if [ "$status" -eq 0 ] && [ -z "$out" ]; then
			ok "$p: renders without warnings"
		else
			not_ok "$p: groff -man -ww -z -t $how: exit status $status, output:"
			printf '%s\n' "$out" | diag
		fi
	fi
done

# 2. A page for every function.
for f in $funcs; do
	page=$man/$f.3
	if [ ! -f "$page" ]; then
		not_ok "$f(3) has no page man/$f.3"
		continue
	fi
	target=$(resolve "$page")
	if [ ! -f "$target" ]; then
		not_ok "$f(3): man/$f.3 links to missing ${target##*/}"
		continue
	fi
	# The NAME section: the lines between ".SH NAME" and the next ".SH".
	if sed -n '/^\.SH  *"*NAME"*[[:space:]]*$/,/^\.SH/p' "$target" |
	    sed '1d;$d' | grep -qE "(^|[^a-z_0-9])$f([^a-z_0-9]|\$)"; then
		ok "$f(3) is documented in ${target##*/}"
	else
		not_ok "$f(3): the NAME section of ${target##*/} does not list $f"
	fi
done

# 3. Title and sections of every page that is not a link.
for p in $pages; do
	page=$man/$p
	is_link "$page" && continue
	name=${p%.*}
	sect=${p##*.}
	missing=
	title=$(sed -n 's/^\.TH[[:space:]][[:space:]]*\([^[:space:]]*\)[[:space:]][[:space:]]*\([^[:space:]]*\).*/\1 \2/p' "$page" | head -n 1)
	want=$(echo "$name" | tr 'a-z' 'A-Z')
	if [ "$title" != "$want $sect" ]; then
		missing="$missing; .TH is \"$title\", not \"$want $sect\""
	fi
	case $sect in
	3) sections="NAME|SYNOPSIS|DESCRIPTION|RETURN VALUE|ERRORS|NOTES|EXAMPLES|SEE ALSO" ;;
	1) sections="NAME|SYNOPSIS|DESCRIPTION|EXIT STATUS|SEE ALSO" ;;
	*) sections="NAME|DESCRIPTION|SEE ALSO" ;;
	esac
	old_ifs=$IFS
	IFS='|'
	for s in $sections; do
		grep -qE "^\.SH +\"?$s\"? *\$" "$page" || missing="$missing; no $s section"
	done
	IFS=$old_ifs
	if grep -n '[^ -~	]' "$page" > /dev/null; then
		missing="$missing; characters outside printable ASCII (use groff escapes)"
	fi
	if [ "$sect" = 3 ]; then
		grep -q '^\.B #include <calloc\\-lite\.h>' "$page" ||
			missing="$missing; no #include <calloc-lite.h> in SYNOPSIS"
		grep -q 'pkg\\-config \\-\\-cflags \\-\\-libs calloc\\-lite' "$page" ||
			missing="$missing; no pkg-config link line"
	fi
	if [ -z "$missing" ]; then
		ok "$p: title and sections"
	else
		not_ok "$p: title and sections"
		echo "${missing#; }" | tr ';' '\n' | sed 's/^ *//' | diag
	fi
done

exit $failed
