#!/bin/bash
# .ci/packaging.sh: build the Debian packages of libcalloc-lite from a clean
# copy of this checkout, check them with lintian, install them, and run the
# package tests (debian/tests) directly and under autopkgtest; then
# cross-builds the packages for arm64 (dpkg-buildpackage -a arm64).
#
# Run as root on a fresh Debian 12 machine, from anywhere in the checkout.
# The checkout itself is never written to; everything happens in $WORKDIR
# (default: a new temporary directory, kept afterwards for inspection).
set -euxo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=${WORKDIR:-$(mktemp -d /tmp/calloc-lite-deb.XXXXXX)}
src=$work/libcalloc-lite
export DEBIAN_FRONTEND=noninteractive

# Minimal images may drop manual pages at install time or divert man to a
# stub; the tests need both, so undo that before installing anything.
for cfg in /etc/dpkg/dpkg.cfg.d/*; do
	[ -f "$cfg" ] || continue
	sed -i -E '\#^[[:space:]]*path-exclude[[:space:]=]+/usr/share/man#d' "$cfg"
done
if [ "$(dpkg-divert --truename /usr/bin/man)" != /usr/bin/man ]; then
	rm -f /usr/bin/man
	dpkg-divert --quiet --local --rename --remove /usr/bin/man
fi

apt-get update
apt-get install -y --no-install-recommends \
	autopkgtest build-essential dpkg-dev lintian man-db pkgconf

# copy_sources DIR: a copy of the tracked and new (not ignored) files, as
# they are now.
copy_sources() {
	rm -rf "$1"
	mkdir -p "$1"
	if git -c safe.directory="$top" -C "$top" rev-parse --is-inside-work-tree \
		>/dev/null 2>&1; then
		git -c safe.directory="$top" -C "$top" ls-files -z --cached --others \
			--exclude-standard |
			(cd "$top" && tar --null --no-recursion -T - -cf -) |
			tar -xf - -C "$1"
	else
		tar -C "$top" --exclude=.git -cf - . | tar -xf - -C "$1"
	fi
}
copy_sources "$src"

# Build-Depends straight from debian/control (apt reads the directory).
apt-get build-dep -y --no-install-recommends "$src/"

# Source and binary packages: the source build also checks the native
# version and lets lintian see the source package.
(cd "$src" && dpkg-buildpackage -us -uc)
changes=$(ls "$work"/libcalloc-lite_*.changes)

# Warnings fail as errors do ('warning' alone does not imply 'error');
# info and pedantic tags are shown but do not fail.
lintian --fail-on error,warning --display-info --pedantic "$changes"

# The binary packages, without the -dbgsym ones (also .deb on bookworm).
debs=()
for deb in "$work"/*.deb; do
	case $deb in *-dbgsym_*) ;; *) debs+=("$deb") ;; esac
done
apt-get install -y --reinstall "${debs[@]}"

# The package tests, run here directly ...
AUTOPKGTEST_TMP=$(mktemp -d) "$src/debian/tests/pkgconfig-consumer"
AUTOPKGTEST_TMP=$(mktemp -d) "$src/debian/tests/preload"
for page in custom_malloc custom_free print_free_list; do
	man -w "$page"
done

# ... and as autopkgtest runs them, on this machine.
rm -rf "$work/autopkgtest"
autopkgtest --output-dir "$work/autopkgtest" "$src/" "${debs[@]}" -- null

# A cross-build for arm64, Debian's documented way (the cross and nocheck
# profiles), from a fresh copy: nothing in debian/ may assume amd64, and
# the symbols file must hold there too (debian/rules sets check level 4).
# A cross-build environment has the host's C library as a multiarch
# package (sbuild installs libc-dev:ARCH too).  About 30 s here.
dpkg --add-architecture arm64
apt-get update
apt-get install -y --no-install-recommends crossbuild-essential-arm64 libc6-dev:arm64
cross=$work/cross-arm64
rm -rf "$cross"
copy_sources "$cross/libcalloc-lite"
apt-get build-dep -y --no-install-recommends -a arm64 -P cross,nocheck "$cross/libcalloc-lite/"
(cd "$cross/libcalloc-lite" && dpkg-buildpackage -a arm64 -Pcross,nocheck -us -uc -b)
for deb in "$cross"/*_arm64.deb; do
	[ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ]
done
# (grep without -q reads to the end: pipefail and an early exit of grep
# would fail dpkg-deb on a broken pipe)
dpkg-deb -c "$cross"/libcalloc-lite1_*_arm64.deb |
	grep 'usr/lib/aarch64-linux-gnu/libcalloc-lite.so.1' > /dev/null
lintian --fail-on error,warning "$cross"/libcalloc-lite_*_arm64.changes

echo "packaging: all checks passed; packages and logs are in $work"
