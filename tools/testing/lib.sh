# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# The K_* variables are set here for the scripts that source this file.
# shellcheck disable=SC2034
#
# Shared by check.sh, demo.sh and lint.sh: paths, the cache, installing
# what is missing, and preparing the kernels the module is tested on.

set -euo pipefail

PORTOWN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTING=$PORTOWN_TOP/tools/testing

# Downloads, the kernel source and built kernels live outside the repo.
if [ -z "${PORTOWN_CACHE:-}" ]; then
	if [ "$(id -u)" = 0 ]; then
		PORTOWN_CACHE=/var/cache/portown
	else
		PORTOWN_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/portown
	fi
fi
# Per-run work: module builds, initramfs images, console logs.
PORTOWN_BUILD=${PORTOWN_BUILD:-$PORTOWN_TOP/build}
mkdir -p "$PORTOWN_CACHE" "$PORTOWN_BUILD"

JOBS=$(nproc)
export DEBIAN_FRONTEND=noninteractive

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Debian's linux-source whose tree gives the debug kernel, checkpatch.pl,
# kernel-doc, kunit.py and the kselftest harness.
SOURCE_PKG=linux-source-6.12

BASE_PACKAGES=(
	qemu-system-x86 busybox-static cpio gzip xz-utils kmod gcc make
	libc6-dev bc bison flex libelf-dev libssl-dev rsync python3 perl
	sparse shellcheck socat picocom mmdebstrap debian-archive-keyring
	"$SOURCE_PKG"
)

# What the quick bench and the package test of a whole check need on the
# host besides: fuser and lsof (measured against), gnuplot (the bench's
# picture), dpkg-buildpackage, debhelper with dh-dkms and lintian (make
# deb), promtool (prometheus: the metrics' format).
EXTRA_PACKAGES=(psmisc lsof gnuplot-nox dpkg-dev fakeroot debhelper dh-dkms lintian prometheus)

# Install packages $@ that are missing (as root).
ensure_packages() {
	local p missing=()
	for p in "$@"; do
		have_pkg "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages (install as root): ${missing[*]}"
	log "installing: ${missing[*]}"
	apt_update
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Debian programs the VM runs as real clients, copied with their libraries.
VM_PROGRAMS=(/usr/bin/socat /usr/bin/picocom)

have_pkg() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	log "apt-get update"
	apt-get update -qq >&2 || log "warning: apt-get update failed; using the package lists as they are"
	apt_updated=1
}

# The image package of a stock series: "6.1" (bookworm), "6.12"
# (bookworm's security line) or "6.12-rt" (its PREEMPT_RT build, the
# kernel of LinuxCNC and automation users), resolved through Debian's
# meta packages.
stock_image_pkg() {
	local meta
	case $1 in
	6.1) meta=linux-image-amd64 ;;
	6.12) meta=linux-image-6.12-amd64 ;;
	6.12-rt) meta=linux-image-6.12-rt-amd64 ;;
	*) die "unknown stock series $1" ;;
	esac
	apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# Install everything make check and make demo need (as root).
ensure_deps() {
	local series img
	local -a want=("${BASE_PACKAGES[@]}")

	if [ "$(id -u)" = 0 ] && [ -z "${PORTOWN_OFFLINE:-}" ]; then
		apt_update
	fi
	for series in 6.1 6.12 6.12-rt; do
		img=$(stock_image_pkg "$series")
		[ -n "$img" ] || { apt_update; img=$(stock_image_pkg "$series"); }
		[ -n "$img" ] || die "cannot resolve Debian's $series kernel image package"
		want+=("linux-headers-${img#linux-image-}")
	done
	ensure_packages "${want[@]}"
}

# Unpack Debian's linux-source once per version; print the tree's path.
source_tree() {
	local ver dir
	ver=$(dpkg-query -W -f='${Version}' "$SOURCE_PKG")
	dir=$PORTOWN_CACHE/src/$ver
	if [ ! -f "$dir/.unpacked" ]; then
		log "unpacking $SOURCE_PKG $ver"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -C "$dir" -xf "/usr/src/$SOURCE_PKG.tar.xz"
		touch "$dir/.unpacked"
	fi
	echo "$dir/$SOURCE_PKG"
}

# Fetch and unpack a stock image; sets K_IMAGE, K_MODULES, K_KDIR, K_RELEASE.
prepare_stock() {
	local series=$1 pkg release dir
	pkg=$(stock_image_pkg "$series")
	release=${pkg#linux-image-}
	dir=$PORTOWN_CACHE/kernel/$release
	if [ ! -f "$dir/.unpacked" ]; then
		log "fetching $pkg"
		rm -rf "$dir"
		mkdir -p "$dir/dl"
		(cd "$dir/dl" && apt-get download "$pkg" >&2 2>/dev/null) ||
			(cd "$dir/dl" && apt_update && apt-get download "$pkg" >&2)
		dpkg-deb -x "$dir"/dl/*.deb "$dir/root"
		rm -rf "$dir/dl"
		touch "$dir/.unpacked"
	fi
	K_RELEASE=$release
	K_IMAGE=$dir/root/boot/vmlinuz-$release
	K_MODULES=$dir/root/lib/modules/$release
	K_KDIR=/usr/src/linux-headers-$release
	[ -f "$K_IMAGE" ] || die "no kernel image in $pkg"
	[ -d "$K_KDIR" ] || die "no headers at $K_KDIR"
}

# Check that every option of the fragment survived olddefconfig.
config_has_fragment() {
	local config=$1 fragment=$2 line key bad=0
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		key=${line%%=*}
		if [ "${line#*=}" = n ]; then
			if grep -q "^$key=" "$config"; then
				log "debug kernel: $key is set, fragment wants it off"
				bad=1
			fi
		elif ! grep -qxF "$line" "$config"; then
			log "debug kernel: $line did not survive olddefconfig"
			bad=1
		fi
	done <"$fragment"
	return $bad
}

# Build (or reuse) the debug kernel; sets K_IMAGE, K_KDIR, K_RELEASE.
# Cached by source version, fragment and compiler.
prepare_debug() {
	local src frag key out
	src=$(source_tree)
	frag=$TESTING/qemu/debug.config
	key=$( (dpkg-query -W -f='${Version}' "$SOURCE_PKG"; cat "$frag"; gcc --version | head -1) |
		sha256sum | cut -c1-16)
	out=$PORTOWN_CACHE/kernel/debug-$key
	if [ ! -f "$out/.built" ]; then
		log "building the debug kernel in $out (several minutes, cached afterwards)"
		rm -rf "$out"
		mkdir -p "$out"
		make -s -C "$src" O="$out" tinyconfig >&2
		"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" >/dev/null
		make -s -C "$src" O="$out" olddefconfig >&2
		config_has_fragment "$out/.config" "$frag" ||
			die "the debug kernel's config lacks options of $frag"
		make -s -C "$src" O="$out" -j"$JOBS" bzImage modules >"$out/build.log" 2>&1 ||
			{ tail -n 40 "$out/build.log" >&2; die "debug kernel build failed"; }
		touch "$out/.built"
	fi
	K_IMAGE=$out/arch/x86/boot/bzImage
	K_KDIR=$out
	K_MODULES=
	K_RELEASE=$(cat "$out/include/config/kernel.release")
}

# Kernels of other Debian releases than the host's: the suites their
# packages come from, and the release whose meta package names the kernel
# (empty: the first suite's).  Each is built with its release's own
# compiler in a build root of that release.
#   stock-5.10	Debian 11's long-term kernel, with its security updates
#   stock-bpo	trixie-backports' newest kernel (7.3 today)
#   pkg-bookworm	Debian 12 itself: the root the packages are installed in
#			(pkg.sh)
release_suites() {
	case $1 in
	stock-5.10) R_SUITES="bullseye bullseye-updates bullseye-security" R_DEFAULT= ;;
	stock-bpo) R_SUITES="trixie trixie-updates trixie-security trixie-backports"
		R_DEFAULT=trixie-backports ;;
	pkg-bookworm) R_SUITES="bookworm bookworm-updates bookworm-security" R_DEFAULT= ;;
	*) die "unknown release kernel $1" ;;
	esac
}

# The archive a Debian suite ($1) is served from.
suite_url() {
	case $1 in
	*-security) echo http://deb.debian.org/debian-security ;;
	*) echo http://deb.debian.org/debian ;;
	esac
}

# apt-get or apt-cache ($2...) on a private index of Debian's archive for
# the suites of kernel $1 (release_suites), in the cache: the host's own
# apt state is never touched.  The index is updated once per run.
declare -A apt_private_updated=()
apt_private() {
	local name=$1 d s
	shift
	release_suites "$name"
	d=$PORTOWN_CACHE/apt/$name
	local -a opts=(-o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Dir::State::status=/dev/null
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o Acquire::Languages=none
		-o APT::Install-Recommends=false -o APT::Sandbox::User=root)
	[ -n "$R_DEFAULT" ] && opts+=(-o APT::Default-Release="$R_DEFAULT")
	if [ -z "${apt_private_updated[$name]:-}" ]; then
		mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
		: >"$d/sources.list"
		for s in $R_SUITES; do
			echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(suite_url "$s") $s main" \
				>>"$d/sources.list"
		done
		if [ -z "${PORTOWN_OFFLINE:-}" ]; then
			apt-get "${opts[@]}" -qq update >&2 ||
				log "warning: cannot update the index of $R_SUITES; using it as it is"
		fi
		apt_private_updated[$name]=1
	fi
	"$1" "${opts[@]}" "${@:2}"
}

# A minimal build root of kernel $1's release holding packages $2...
# (and what they need, no more), for building modules with that release's
# compiler and kbuild; prints its path.  Cached under a key of the suites
# and every package's version, so an update of any of them makes a new root.
build_root() {
	local name=$1 closure key root inc s
	local -a mirrors=()
	shift
	release_suites "$name"
	closure=$(apt_private "$name" apt-get install -s -q "$@" |
		sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p' | LC_ALL=C sort)
	[ -n "$closure" ] || die "$name: cannot resolve $* in $R_SUITES"
	key=$(printf '%s\n' "$R_SUITES" "$closure" | sha256sum | cut -c1-16)
	root=$PORTOWN_CACHE/roots/$name-$key
	if [ ! -f "$root/.complete" ]; then
		log "$name: making a build root of ${R_SUITES%% *} in $root (minutes, cached afterwards)"
		rm -rf "$root" "$root.tmp"
		mkdir -p "$(dirname "$root")"
		for s in $R_SUITES; do
			mirrors+=("deb $(suite_url "$s") $s main")
		done
		# every version pinned: the root is exactly what its key says
		inc=$(echo "$closure" | paste -sd,)
		mmdebstrap --quiet --variant=essential --mode=root --include="$inc" \
			--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			"${R_SUITES%% *}" "$root.tmp" "${mirrors[@]}" >&2 ||
			die "$name: mmdebstrap failed"
		printf '%s\n' "$closure" >"$root.tmp/.closure"
		touch "$root.tmp/.complete"
		mv "$root.tmp" "$root"
	fi
	echo "$root"
}

# Fetch and unpack the kernel of another release ($1, see release_suites)
# through its meta package; make its build root.  Newer releases ship the
# image in linux-binary-<release> (usr/lib/modules/<release>/vmlinuz) and
# the modules in linux-modules-<release>, older ones both in linux-image-*.
prepare_release() {
	local name=$1 pkg release dir p
	pkg=$(apt_private "$name" apt-cache depends linux-image-amd64 |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || die "$name: cannot resolve the kernel of $R_SUITES"
	release=${pkg#linux-image-}
	dir=$PORTOWN_CACHE/kernel/$release
	if [ ! -f "$dir/.unpacked" ]; then
		log "$name: fetching $pkg"
		rm -rf "$dir"
		mkdir -p "$dir/dl"
		for p in "$pkg" $(apt_private "$name" apt-cache depends "$pkg" |
			awk -v R="$release" '$1 == "Depends:" && ($2 == "linux-binary-" R ||
				$2 == "linux-modules-" R || $2 == "linux-base-" R) { print $2 }'); do
			(cd "$dir/dl" && apt_private "$name" apt-get download "$p" >&2) ||
				die "$name: cannot download $p"
		done
		for p in "$dir"/dl/*.deb; do
			dpkg-deb -x "$p" "$dir/root"
		done
		rm -rf "$dir/dl"
		touch "$dir/.unpacked"
	fi
	K_RELEASE=$release
	K_IMAGE=$dir/root/boot/vmlinuz-$release
	[ -f "$K_IMAGE" ] || K_IMAGE=$dir/root/usr/lib/modules/$release/vmlinuz
	K_MODULES=$dir/root/lib/modules/$release
	[ -d "$K_MODULES" ] || K_MODULES=$dir/root/usr/lib/modules/$release
	[ -f "$K_IMAGE" ] || die "no kernel image in $pkg or the packages it depends on"
	K_ROOT=$(build_root "$name" "linux-headers-$release" make binutils)
	K_KDIR=/usr/src/linux-headers-$release
	[ -d "$K_ROOT$K_KDIR" ] || die "no headers at $K_ROOT$K_KDIR"
}

# The kernels make check covers, by name.
ALL_KERNELS="stock-5.10 stock-6.1 stock-6.12 rt-6.12 stock-bpo debug-6.12"

# Sets K_IMAGE, K_MODULES (empty: no modules), K_KDIR, K_RELEASE and
# K_ROOT, the build root the module is built in (empty: the host).
prepare_kernel() {
	K_ROOT=
	case $1 in
	stock-5.10 | stock-bpo) prepare_release "$1" ;;
	stock-6.1) prepare_stock 6.1 ;;
	stock-6.12) prepare_stock 6.12 ;;
	rt-6.12) prepare_stock 6.12-rt ;;
	debug-6.12) prepare_debug ;;
	*) die "unknown kernel $1 (known: $ALL_KERNELS)" ;;
	esac
}

# Build the module and the test helper with W=1 for kernel tree $1 in a
# private copy of the tree, so that builds for different kernels never
# share objects; output in $2.  With a build root $3, in that root (a
# chroot, /proc mounted for the build only), with its own compiler.
build_modules() {
	local kdir=$1 dir=$2 root=${3:-} work rc=0
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$PORTOWN_TOP/Kbuild" "$PORTOWN_TOP/Makefile" "$PORTOWN_TOP/VERSION" "$PORTOWN_TOP/drivers" \
		"$PORTOWN_TOP/include" "$dir/"
	cp -a "$PORTOWN_TOP/tests/modules" "$dir/helper"
	if [ -z "$root" ]; then
		make -C "$kdir" M="$dir" W=1 -j"$JOBS" modules >"$dir/build.log" 2>&1 &&
			make -C "$kdir" M="$dir/helper" W=1 -j"$JOBS" modules >>"$dir/build.log" 2>&1
		return
	fi
	mkdir -p "$root/build"
	work=$(mktemp -d "$root/build/portown.XXXXXX")
	cp -a "$dir/." "$work/"
	mkdir -p "$root/proc"
	mount -t proc proc "$root/proc" || { rm -rf "$work"; return 1; }
	{
		in_root "$root" make -C "$kdir" M="${work#"$root"}" W=1 -j"$JOBS" modules &&
			in_root "$root" make -C "$kdir" M="${work#"$root"}/helper" W=1 -j"$JOBS" modules
	} >"$dir/build.log" 2>&1 || rc=$?
	umount "$root/proc" || true
	# the objects as a host build leaves them, paths as in the root
	cp -a "$work/." "$dir/"
	rm -rf "$work"
	return "$rc"
}

# Run a command in build root $1 with a clean environment.
in_root() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"
}

# Copy host programs into root $1 at their own paths, with the shared
# libraries and the dynamic loader they need.
copy_programs() {
	local root=$1 f
	shift
	for f in $( (for p in "$@"; do echo "$p"; ldd "$p" | grep -o '/[^ ]*'; done) | sort -u); do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

# Build the userspace tools statically into $1/bin (portownctl, dial).
build_tools() {
	local out=$1
	mkdir -p "$out/bin"
	make -C "$PORTOWN_TOP/tools" static >"$out/tools-build.log" 2>&1 || return 1
	cp "$PORTOWN_TOP/tools/portownctl/portownctl-static" "$out/bin/portownctl"
	cp "$PORTOWN_TOP/tools/dial/portown-dial-static" "$out/bin/portown-dial"
}

# Pack an initramfs: busybox, /init, the modules and test programs in $2.
pack_initramfs() {
	local payload=$1 out=$2 root
	root=$(mktemp -d)
	chmod 0755 "$root"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,root}
	cp /bin/busybox "$root/bin/busybox"
	cp "$TESTING/vm/init" "$root/init"
	chmod 0755 "$root/init"
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'user:x:1000:1000:user:/tmp:/bin/sh' \
		'guest:x:1001:1001:guest:/tmp:/bin/sh' 'stranger:x:1002:1002:stranger:/tmp:/bin/sh' \
		>"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'dialout:x:20:user,guest' 'user:x:1000:' 'guest:x:1001:' \
		'stranger:x:1002:' >"$root/etc/group"
	cp -a "$payload" "$root/portown"
	copy_programs "$root" "${VM_PROGRAMS[@]}"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$root"
}

# TCG always works; KVM is used only where a probe boot shows it working
# (on some hosts /dev/kvm exists and KVM hangs).  The verdict is cached
# for the host's current boot.  PORTOWN_ACCEL overrides the probe.
#
# TCG runs single-threaded: with QEMU 7.2's multi-threaded TCG, a guest
# kernel patching its own text (ftrace arming kprobes as the module loads
# and unloads) while another vCPU runs that code is not reliable: seen as
# an "Oops: int3" at the patched function's entry and as a corrupted slab
# free list, only with thread=multi, during module reloads under load.
# Single-threaded TCG is also no slower on two host cores.
choose_accel() {
	local image=$1 verdict log
	[ -n "${PORTOWN_ACCEL:-}" ] && return 0
	verdict=$PORTOWN_CACHE/accel.$(cat /proc/sys/kernel/random/boot_id)
	if [ ! -f "$verdict" ]; then
		PORTOWN_ACCEL=tcg
		if [ -w /dev/kvm ]; then
			log "probing KVM"
			log=$(mktemp)
			timeout -k 2 10 qemu-system-x86_64 -accel kvm -M pc -m 256 \
				-nodefaults -display none -no-reboot -kernel "$image" \
				-append "console=ttyS0 panic=-1" -serial "file:$log" \
				</dev/null >/dev/null 2>&1 || true
			grep -q 'Linux version' "$log" && PORTOWN_ACCEL=kvm
			rm -f "$log"
		fi
		rm -f "$PORTOWN_CACHE"/accel.*
		echo "$PORTOWN_ACCEL" >"$verdict"
	fi
	PORTOWN_ACCEL=$(cat "$verdict")
	[ "$PORTOWN_ACCEL" = tcg ] && PORTOWN_ACCEL=tcg,thread=single
	log "QEMU accelerator: $PORTOWN_ACCEL"
}

# Boot a kernel with an initramfs.  Console on ttyS0 at 115200, as a
# server's serial console is (a file, or stdio when $3 is "-"; the
# console tests hang it up: what is written through /dev/console is not
# hung up with it), two spare 16550 UARTs for tests on ttyS1 and ttyS2,
# results on ttyS3 (file $4).  The test bench's hardware, which the VM
# drives through the host (host_bench): two more 16550s on a PCI card
# (ttyS4, ttyS5) and one on a card of its own (ttyS6, which a test can
# unbind from its driver alone), whose carrier the host can drop, and an
# FTDI USB-serial
# adapter on an xHCI controller that the host can unplug and plug back
# (its chardev must be an open one, such as a file: QEMU keeps a
# usb-serial device detached while its chardev is closed, as null's is);
# and a 16550 on a card of its own (ttyS7) whose chardev is a Unix socket
# with the host's loopback plug in it (loopback_plug): every byte the
# UART sends comes back to it.
# Returns qemu's status (124: timed out).
boot_vm() {
	local image=$1 initrd=$2 console=$3 results=$4 append=$5 timeout=$6
	local -a con
	local qmp loop qpid hpid lpid rc=0
	if [ "$console" = - ]; then
		con=(-chardev 'stdio,id=con,signal=off' -serial chardev:con)
	else
		con=(-serial "file:$console")
	fi
	qmp=$(mktemp -u /tmp/portown-qmp.XXXXXX)
	loop=$(mktemp -u /tmp/portown-loop.XXXXXX)
	: >"$results"
	timeout -k 10 "$timeout" qemu-system-x86_64 \
		-M pc -accel "${PORTOWN_ACCEL:-tcg}" -smp 2 -m 2048 \
		-nodefaults -display none -no-reboot \
		-kernel "$image" -initrd "$initrd" \
		-append "console=ttyS0,115200 panic=-1 oops=panic 8250.nr_uarts=8 $append" \
		"${con[@]}" -serial null -serial null -serial "file:$results" \
		-chardev null,id=dcd0 -chardev null,id=dcd1 -chardev null,id=dcd2 \
		-device pci-serial-2x,chardev1=dcd0,chardev2=dcd1 \
		-device pci-serial,chardev=dcd2 \
		-device qemu-xhci,id=xhci -chardev file,id=usbser0,path=/dev/null \
		-device usb-serial,id=ftdi0,bus=xhci.0,chardev=usbser0 \
		-chardev "socket,id=loop0,path=$loop,server=on,wait=off" \
		-device pci-serial,chardev=loop0 \
		-qmp "unix:$qmp,server=on,wait=off" \
		</dev/null &
	qpid=$!
	host_bench "$results" "$qmp" "$qpid" >"$results.host" 2>&1 &
	hpid=$!
	loopback_plug "$loop" "$qpid" >"$results.loop" 2>&1 &
	lpid=$!
	wait "$qpid" || rc=$?
	wait "$hpid" || true
	wait "$lpid" || true
	rm -f "$qmp" "$loop"
	return "$rc"
}

# The test bench's loopback plug in ttyS7's socket ($1): every byte the
# UART sends is sent back to it, as by a loopback plug wired RX to TX, so
# that what a test writes on the port comes back as its input.  QEMU does
# not wait for the plug (wait=off) and drops what the UART sends until it
# is in, which a test sees as no echo yet; the plug connects as soon as
# the socket is there, again if QEMU drops it, and ends with QEMU (pid $2).
loopback_plug() {
	local sock=$1 qpid=$2
	while kill -0 "$qpid" 2>/dev/null; do
		if [ -S "$sock" ]; then
			# an unnamed pipe read and written: an echo
			socat -d -d "UNIX-CONNECT:$sock" PIPE || true
		fi
		sleep 0.1
	done
}

# One QMP command ($2, JSON) on the monitor socket $1; prints the replies
# and fails unless the command returned.
qmp() {
	local out
	out=$(printf '{"execute":"qmp_capabilities"}\n%s\n' "$2" |
		socat -t2 - "UNIX-CONNECT:$1" 2>&1) || true
	printf '%s\n' "$out"
	[ "$(printf '%s\n' "$out" | grep -c '"return"')" -ge 2 ]
}

# The host's half of the test bench: follow the VM's results channel ($1)
# while QEMU (pid $3) runs and carry out the hardware events the tests ask
# for with a line "# host: EVENT ARG", through the QEMU monitor ($2):
#   dcd-drop dcd0|dcd1|dcd2	the UART's modem lines fall, carrier (DCD) with
#			them: its chardev becomes one whose TIOCMGET reads
#			every line low, so QEMU's 16550 raises a modem-status
#			interrupt with DCD off
#   usb-unplug ftdi0	the USB-serial adapter is pulled out
#   usb-plug ftdi0	and plugged back in
host_bench() {
	local results=$1 sock=$2 qpid=$3 line ev arg
	tail --pid="$qpid" -n +1 -F "$results" 2>/dev/null | while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in '# host: '*) ;; *) continue ;; esac
		read -r ev arg <<<"${line#'# host: '}"
		log "host bench: $ev $arg"
		case $ev:$arg in
		dcd-drop:dcd[012])
			qmp "$sock" '{"execute":"chardev-change","arguments":{"id":"'"$arg"'","backend":{"type":"serial","data":{"device":"/dev/null"}}}}' ;;
		usb-unplug:ftdi0)
			qmp "$sock" '{"execute":"device_del","arguments":{"id":"ftdi0"}}' ;;
		usb-plug:ftdi0)
			# the chardev is free once the unplugged device is finalised
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				qmp "$sock" '{"execute":"device_add","arguments":{"driver":"usb-serial","id":"ftdi0","bus":"xhci.0","chardev":"usbser0"}}' && break
				sleep 0.5
			done ;;
		hello:) ;;
		*) log "host bench: unknown request" ;;
		esac || log "host bench: $ev $arg failed"
	done
}

# USB and USB-serial drivers of a stock kernel (modules there), and
# n_hdlc, a line discipline of the kernel's own (as ppp's is), in loading
# order, copied to $2 uncompressed, with the order in $2/order.
USB_MODULES="usb-common usbcore xhci-hcd xhci-pci-renesas xhci-pci usbserial ftdi_sio n_hdlc"
copy_kmods() {
	local moddir=$1 out=$2 m f d left next placed ready
	local -A deps=()
	mkdir -p "$out"
	: >"$out/order"
	[ -n "$moddir" ] || return 0
	left=
	for m in $USB_MODULES; do
		f=$(find "$moddir/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
		[ -n "$f" ] || continue
		case $f in
		*.xz) xz -dc "$f" >"$out/$m.ko" ;;
		*) cp "$f" "$out/$m.ko" ;;
		esac
		deps[$m]=$(modinfo -F depends "$out/$m.ko" | tr ',_' ' -')
		left="$left $m"
	done
	# Each after what it depends on: the order differs between series
	# (xhci-pci needs xhci-pci-renesas on 6.1, the other way round on 6.12).
	while [ -n "$left" ]; do
		next='' placed=''
		for m in $left; do
			ready=1
			for d in ${deps[$m]}; do
				case " $left " in *" $d "*) ready= ;; esac
			done
			if [ -n "$ready" ]; then
				echo "$m" >>"$out/order"
				placed=1
			else
				next="$next $m"
			fi
		done
		[ -n "$placed" ] || { log "kernel modules that depend on each other:$left"; return 1; }
		left=$next
	done
}
