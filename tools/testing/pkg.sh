#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The package test: portown installed as a user installs it.  make deb's
# packages are installed with apt into a Debian 12 root (mmdebstrap, with
# dkms and the headers of Debian's stock 6.1 kernel), where DKMS builds
# and signs the module; the stock 6.1 kernel then boots in QEMU with an
# initramfs holding the installed files where the packages put them (the
# DKMS-built module in /lib/modules/<release>/updates/dkms, modules.dep,
# /etc/modules-load.d/portown.conf, /etc/modprobe.d/portown.conf with an
# options line appended, /usr/bin/portownctl, kmod's modprobe), whose job
# (vm/pkg.sh) loads what modules-load.d names as systemd-modules-load
# does.  Then Debian 12's 6.12 headers are installed in the root (DKMS
# autoinstall must build the module for it) and portown-dkms purged (no
# portown.ko may remain).
#
# Records go to $RUN/results as check.sh's do (under the name "pkg"); check.sh
# runs it with PORTOWN_PKG_RUN set to its run directory; alone:
#   tools/testing/pkg.sh      (records in build/pkg-run/results, work in
#                              build/pkg-run/pkg)

# shellcheck source=tools/testing/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tools/testing/results.sh
. "$TESTING/results.sh"

# The options line the test appends to /etc/modprobe.d/portown.conf
PKG_RECONCILE_MS=500

# Run the package test; records in $RUN/results, work in $RUN/pkg.
run_pkg_test() {
	local dir=$RUN/pkg version root rel rel2 img ko ok
	rm -rf "$dir"
	mkdir -p "$dir"
	version=$(cat "$PORTOWN_TOP/VERSION")

	log "pkg: make deb"
	if make -C "$PORTOWN_TOP" deb DEB_DIR="$dir/deb" >"$dir/deb.log" 2>&1; then
		record pkg pass "pkg: make deb builds the packages, lintian finds no error"
	else
		tail -n 20 "$dir/deb.log" >&2
		record pkg fail "pkg: make deb (see $dir/deb.log)"
		return
	fi
	pkg_udev_rules

	img=$(stock_image_pkg 6.1)
	rel=${img#linux-image-}
	root=$(build_root pkg-bookworm dkms openssl apt kmod "linux-headers-$rel") || {
		record pkg fail "pkg: cannot make the Debian 12 root"
		return
	}
	# a copy: the cached root stays as mmdebstrap made it
	log "pkg: copying the root"
	rm -rf "$dir/root"
	cp -a "$root" "$dir/root"
	root=$dir/root
	mkdir -p "$root/tmp/debs"
	cp "$dir"/deb/portown-dkms_*.deb "$dir"/deb/portown-tools_*.deb \
		"$dir"/deb/libportown0_*.deb "$dir"/deb/libportown-dev_*.deb "$root/tmp/debs/"
	pkg_mount "$root" || { record pkg fail "pkg: cannot mount /proc in the root"; return; }

	log "pkg: apt install ./*.deb in the root (DKMS builds the module for $rel)"
	ko=/lib/modules/$rel/updates/dkms/portown.ko
	if in_root "$root" sh -c 'apt-get install -y --no-install-recommends /tmp/debs/*.deb' \
		>"$dir/install.log" 2>&1 && [ -f "$root$ko" ]; then
		record pkg pass "pkg: apt installs the packages; DKMS builds portown.ko for 6.1 in updates/dkms"
	else
		tail -n 30 "$dir/install.log" >&2
		record pkg fail "pkg: apt install or DKMS build failed (see $dir/install.log)"
		pkg_umount "$root"
		return
	fi
	# Debian 12's dkms makes its MOK key and signs with it
	if [ -f "$root/var/lib/dkms/mok.pub" ] &&
		in_root "$root" modinfo -F signer "$ko" | grep -q 'DKMS module signing key' &&
		in_root "$root" modinfo -F sig_key "$ko" | grep -q .; then
		record pkg pass "pkg: DKMS signs portown.ko with its MOK key (/var/lib/dkms/mok.pub)"
	else
		record pkg fail "pkg: portown.ko is not signed with DKMS's MOK key"
	fi
	ok=$(in_root "$root" modinfo -F version "$ko")
	if [ "$ok" = "$version" ]; then
		record pkg pass "pkg: modinfo portown's version is the package's"
	else
		record pkg fail "pkg: modinfo portown's version is '$ok', the package's $version"
	fi
	ok=$(in_root "$root" portownctl --version)
	if [ "$ok" = "portownctl $version" ]; then
		record pkg pass "pkg: portownctl --version is the package's"
	else
		record pkg fail "pkg: portownctl --version says '$ok', the package is $version"
	fi
	echo "options portown reconcile_ms=$PKG_RECONCILE_MS" >>"$root/etc/modprobe.d/portown.conf"
	pkg_vm "$root" "$rel" "$version"

	# a second kernel's headers: DKMS's kernel hooks build the module for
	# it (compressed, portown.ko.xz, as 6.12's own modules are)
	img=$(stock_image_pkg 6.12)
	rel2=${img#linux-image-}
	log "pkg: apt install linux-headers-$rel2 in the root"
	if in_root "$root" sh -c "apt-get update -qq && apt-get install -y --no-install-recommends linux-headers-$rel2" \
		>"$dir/headers2.log" 2>&1 &&
		compgen -G "$root/lib/modules/$rel2/updates/dkms/portown.ko*" >/dev/null; then
		record pkg pass "pkg: installing 6.12's headers builds portown.ko for it (DKMS autoinstall)"
	else
		tail -n 30 "$dir/headers2.log" >&2
		record pkg fail "pkg: no portown.ko for $rel2 after its headers (see $dir/headers2.log)"
	fi

	log "pkg: apt purge portown-dkms"
	in_root "$root" apt-get purge -y portown-dkms >"$dir/purge.log" 2>&1 || true
	ok=$(find "$root/lib/modules" "$root/usr/lib/modules" -name 'portown.ko*' 2>/dev/null)
	if [ -z "$ok" ] && [ ! -e "$root/etc/modules-load.d/portown.conf" ] &&
		! in_root "$root" dkms status | grep -q portown; then
		record pkg pass "pkg: purging portown-dkms removes portown.ko from every kernel"
	else
		record pkg fail "pkg: after the purge: ${ok:-dkms or modules-load.d still knows portown}"
	fi
	pkg_umount "$root"
	rm -rf "$root"
}

pkg_mount() {
	mount -t proc proc "$1/proc"
}

pkg_umount() {
	umount "$1/proc" 2>/dev/null || true
}

# Every value 60-portown.rules matches in PORTOWN_STATE and PORTOWN_EVENT
# is one the ABI documentation lists, and it matches both "hungup" and
# "gone".
pkg_udev_rules() {
	local rules=$PORTOWN_TOP/tools/udev/60-portown.rules
	local abi=$PORTOWN_TOP/Documentation/ABI/testing/sysfs-class-portown
	local states events bad='' key v
	# the states as sysfs "state" documents them, the events as its uevents
	states=$(awk '/\/sys\/class\/portown\/<tty>\/state$/ { on = 1 } on && /^Description/ { d = 1 }
		d { print } d && /^$/ { exit }' "$abi" | grep -o '"[a-z]*"' | tr -d '"' | sort -u)
	events=$(grep -A4 'PORTOWN_EVENT=' "$abi" | grep -o '"[a-z]*"' | tr -d '"' | sort -u)
	for key in STATE EVENT; do
		for v in $(grep -o "ENV{PORTOWN_$key}[!=]=\"[^\"]*\"" "$rules" | sed 's/.*="//; s/"$//' | tr '|' ' '); do
			[ -n "$v" ] || continue
			if [ "$key" = STATE ]; then
				printf '%s\n' "$states" | grep -qx "$v" || bad="$bad state:$v"
			else
				printf '%s\n' "$events" | grep -qx "$v" || bad="$bad event:$v"
			fi
		done
	done
	grep -q 'ENV{PORTOWN_STATE}=="[^"]*hungup[^"]*gone' "$rules" || bad="$bad (hungup|gone not matched)"
	if [ -z "$bad" ] && [ -n "$states" ] && [ -n "$events" ]; then
		record pkg pass "pkg: 60-portown.rules matches only states and events the ABI documents"
	else
		record pkg fail "pkg: 60-portown.rules matches what the ABI does not document:$bad"
	fi
}

# Boot the stock kernel $2 with the installed files of root $1 (package
# version $3) where the packages put them, and record what vm/pkg.sh saw.
pkg_vm() {
	local root=$1 rel=$2 version=$3 dir=$RUN/pkg payload over f rc=0 line st key
	local -A names=(
		[boot]="pkg VM: portown is loaded at boot by modules-load.d (as systemd-modules-load does)"
		[modprobe_d]="pkg VM: the options of modprobe.d apply (reconcile_ms=$PKG_RECONCILE_MS)"
		[version]="pkg VM: /sys/module/portown/version is the package's"
		[list]="pkg VM: portownctl list works"
		[uevent_hangup]="pkg VM: a hangup's uevent carries what 60-portown.rules matches (state hungup)"
		[uevent_free]="pkg VM: the next uevent carries what clears the rule's mark (free, closed)"
	)
	prepare_stock 6.1
	[ "$K_RELEASE" = "$rel" ] || { record pkg fail "pkg VM: kernel $K_RELEASE, headers $rel"; return; }
	payload=$dir/payload
	over=$dir/overlay
	rm -rf "$payload" "$over"
	mkdir -p "$payload/vm" "$over/lib/modules/$rel/updates/dkms" "$over/etc" "$over/usr/bin" \
		"$over/usr/sbin"
	cp "$TESTING/vm/pkg.sh" "$payload/vm/"
	printf 'PORTOWN_JOB=pkg\nPORTOWN_KERNEL=stock-6.1\nPORTOWN_PKG_RECONCILE_MS=%s\nPORTOWN_PKG_VERSION=%s\n' \
		"$PKG_RECONCILE_MS" "$version" >"$payload/env"
	# the installed files, from the root, at their paths
	cp "$root/lib/modules/$rel/updates/dkms/portown.ko" "$over/lib/modules/$rel/updates/dkms/"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$K_MODULES/$f" ] && cp "$K_MODULES/$f" "$over/lib/modules/$rel/"
	done
	cp -a "$root/etc/modules-load.d" "$root/etc/modprobe.d" "$over/etc/"
	cp "$root/usr/bin/portownctl" "$over/usr/bin/"
	copy_programs "$over" /usr/bin/kmod "$root/usr/bin/portownctl"
	rm -rf "${over:?}${root:?}"
	ln -s ../bin/kmod "$over/usr/sbin/modprobe"
	ln -s ../bin/kmod "$over/usr/sbin/modinfo"
	depmod -b "$over" "$rel"
	pack_initramfs "$payload" "$dir/base.gz"
	(cd "$over" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/overlay.gz"
	cat "$dir/base.gz" "$dir/overlay.gz" >"$dir/initramfs.gz"

	choose_accel "$K_IMAGE"
	log "pkg: booting $rel in QEMU"
	boot_vm "$K_IMAGE" "$dir/initramfs.gz" "$dir/console.log" "$dir/results.tap" "" 300 || rc=$?
	[ "$rc" = 124 ] && record pkg fail "pkg VM: timed out (see $dir/console.log)"
	tr -d '\r' <"$dir/results.tap" >"$dir/results"
	grep -q '^# portown-vm: done' "$dir/results" ||
		record pkg fail "pkg VM: did not finish (see $dir/console.log)"
	while IFS= read -r line; do
		read -r st key _ <<<"${line#'# pkg: '}"
		if [ "$st" = pass ] && [ -n "${names[$key]:-}" ]; then
			record pkg pass "${names[$key]}"
			unset "names[$key]"
		elif [ -n "${names[$key]:-}" ]; then
			record pkg fail "${names[$key]}: ${line#'# pkg: fail '}"
			unset "names[$key]"
		fi
	done < <(grep '^# pkg: ' "$dir/results")
	sed -n 's/^# metrics: //p' "$dir/results" >"$dir/metrics.prom"
	pkg_promtool "$dir/metrics.prom"
	check_console pkg "$dir/console.log"
}

# promtool (Debian's prometheus) on the metrics the VM printed
pkg_promtool() {
	local file=$1 out
	if ! command -v promtool >/dev/null; then
		apt_update
		apt-get install -y -qq --no-install-recommends prometheus >&2 || true
	fi
	if ! grep -q '^portown_port_state{port="ttyS1",state="hungup"} 1$' "$file"; then
		record pkg fail "pkg VM: portownctl metrics lacks ttyS1's state hungup (see $file)"
	elif out=$(promtool check metrics <"$file" 2>&1); then
		record pkg pass "pkg VM: promtool check metrics accepts portownctl metrics"
	else
		record pkg fail "pkg VM: promtool check metrics: $(printf '%s' "$out" | head -1)"
	fi
}

# From check.sh, PORTOWN_PKG_RUN is its run directory: the records are
# added to its results.
if [ -n "${PORTOWN_PKG_RUN:-}" ]; then
	RUN=$PORTOWN_PKG_RUN
	run_pkg_test
else
	RUN=$PORTOWN_BUILD/pkg-run
	mkdir -p "$RUN"
	: >"$RUN/results"
	run_pkg_test
	echo
	awk -F'\t' '{ print $2 "\t" $3 }' "$RUN/results"
	awk -F'\t' '{ n[$2]++ } END { printf "%d passed, %d failed\n", n["pass"], n["fail"] }' "$RUN/results"
	if grep -q $'\tfail\t' "$RUN/results"; then
		exit 1
	fi
fi
