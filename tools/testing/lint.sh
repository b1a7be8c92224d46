#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: checkpatch.pl --strict, the module's layering (layers.py),
# sparse (C=2) with W=1, kernel-doc, and a shell-script check, all with
# zero findings.  checkpatch.pl and kernel-doc come
# from Debian's linux-source tree, sparse from Debian's package.

# shellcheck source=tools/testing/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_deps
SRC=$(source_tree)
cd "$PORTOWN_TOP"
fail=0

mapfile -t csrc < <(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build/')
mapfile -t kdoc < <(printf '%s\n' "${csrc[@]}" | grep -E '^(drivers|include)/')
mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' .ci/run tools/testing/vm/init)

echo "== checkpatch.pl --strict (${#csrc[@]} files)"
if ! "$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${csrc[@]}"; then
	fail=1
fi

echo "== layers (drivers/portown/Kbuild's order)"
python3 tools/testing/layers.py drivers/portown || fail=1

echo "== kernel-doc -none"
out=$("$SRC/scripts/kernel-doc" -none -Wall "${kdoc[@]}" 2>&1)
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	fail=1
fi

echo "== sparse C=2 W=1"
kdir=/usr/src/linux-headers-$(stock_image_pkg 6.12 | sed 's/^linux-image-//')
tmp=$(mktemp -d)
cp -a Kbuild Makefile VERSION drivers include "$tmp/"
cp -a tests/modules "$tmp/helper"
if ! make -C "$kdir" M="$tmp" C=2 W=1 modules >"$tmp/sparse.log" 2>&1 ||
	! make -C "$kdir" M="$tmp/helper" C=2 W=1 modules >>"$tmp/sparse.log" 2>&1 ||
	grep -E 'warning:|error:' "$tmp/sparse.log"; then
	grep -E 'warning:|error:' "$tmp/sparse.log" || tail -n 20 "$tmp/sparse.log"
	fail=1
fi
rm -rf "$tmp"

echo "== shellcheck (${#scripts[@]} files)"
shellcheck -x "${scripts[@]}" || fail=1

if [ $fail = 0 ]; then
	echo "lint: clean"
fi
exit $fail
