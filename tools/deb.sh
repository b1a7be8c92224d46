#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build the Debian packages from debian/ with dpkg-buildpackage
# (binary packages, unsigned) in a copy of the tree, put them in $1
# (build/deb) and check them with lintian, which must find no error.
# As root, installs what the build needs (apt-get build-dep) the first time.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$top/build/deb}
case $out in /*) ;; *) out=$top/$out ;; esac
export DEBIAN_FRONTEND=noninteractive

cd "$top"
if ! command -v dpkg-buildpackage >/dev/null || ! command -v lintian >/dev/null ||
	! dpkg-checkbuilddeps >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || {
		echo "make deb: missing build dependencies; as root: apt-get build-dep ./ && apt-get install dpkg-dev lintian" >&2
		exit 1
	}
	apt-get install -y -qq --no-install-recommends dpkg-dev lintian fakeroot >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends dpkg-dev lintian fakeroot >&2; }
	apt-get build-dep -y -qq ./ >&2
fi

version=$(dpkg-parsechangelog -S Version)
[ "$version" = "$(cat VERSION)" ] ||
	{ echo "make deb: debian/changelog says $version, VERSION $(cat VERSION)" >&2; exit 1; }

# dpkg-buildpackage writes next to the tree: build in a copy, without
# what is built or cached in this one
rm -rf "$out"
mkdir -p "$out/src/portown-$version"
tar -C "$top" --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.ko' \
	--exclude='*.a' --exclude='*.so' --exclude='*.so.*' -cf - . |
	tar -C "$out/src/portown-$version" -xf -
(cd "$out/src/portown-$version" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; echo "make deb: dpkg-buildpackage failed (see $out/build.log)" >&2; exit 1; }
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out/"
rm -rf "$out/src"

lintian --fail-on error --tag-display-limit 0 "$out"/*.changes | tee "$out/lintian.log" ||
	{ echo "make deb: lintian found errors (see $out/lintian.log)" >&2; exit 1; }
ls "$out"/*.deb
