#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot Debian's stock kernel in QEMU with portown loaded and
# show what a user would look at.  PORTOWN_DEMO_KERNEL picks another of
# the test bed's kernels (default stock-6.1, Debian 12's own).

# shellcheck source=tools/testing/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k=${PORTOWN_DEMO_KERNEL:-stock-6.1}
dir=$PORTOWN_BUILD/demo
rm -rf "$dir"
mkdir -p "$dir/payload/modules" "$dir/payload/vm"

ensure_deps
prepare_kernel "$k"
log "building portown for $K_RELEASE"
build_modules "$K_KDIR" "$dir/mod" "$K_ROOT" || { tail -n 30 "$dir/mod/build.log" >&2; die "build failed"; }
cp "$dir/mod/drivers/portown/portown.ko" "$dir/payload/modules/"
copy_kmods "$K_MODULES" "$dir/payload/kmod"
cp "$TESTING"/vm/*.sh "$dir/payload/vm/"
build_tools "$dir" || { cat "$dir/tools-build.log" >&2; die "building the tools failed"; }
cp -a "$dir/bin" "$dir/payload/bin"
printf 'PORTOWN_JOB=demo\nPORTOWN_KERNEL=%s\nPORTOWN_KIND=stock\nPORTOWN_CANARY=\n' "$k" \
	>"$dir/payload/env"
pack_initramfs "$dir/payload" "$dir/initramfs.gz"
choose_accel "$K_IMAGE"
log "booting $K_RELEASE in QEMU"
boot_vm "$K_IMAGE" "$dir/initramfs.gz" - "$dir/results.tap" "quiet loglevel=3" 300
