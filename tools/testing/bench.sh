#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot a stock kernel in QEMU, measure portown against the
# tools and paths it replaces or sits on (tests/bench/portown_bench.c,
# tools/testing/vm/bench.sh), and print the figures as ratios of
# interleaved repetitions (min / median / max, n).  Writes
# $PORTOWN_BUILD/bench/results.json and who-holds.svg.
#
# The exit status is non-zero only when the bench could not run: the VM
# failed or timed out, a measurement failed or is missing, or the kernel
# reported a splat on the console.  Figures are never judged.
#
# Environment:
#   PORTOWN_BENCH_KERNEL	one of the test bed's kernels (default stock-6.1)
#   PORTOWN_BENCH_QUICK=1	one repetition, small counts (CI; < 2 min in the VM)
#   PORTOWN_BENCH_PUBLISH=1	after a complete full run, copy the figures and the
#			picture into Documentation/dev-tools/ (portown-bench.rst,
#			portown-who-holds.svg)
#   PORTOWN_CACHE, PORTOWN_BUILD, PORTOWN_ACCEL as for make check
#
# check.sh may source this file and call bench_run KERNEL DIR (see below).

# shellcheck source=tools/testing/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tools/testing/results.sh
. "$TESTING/results.sh"

# What the bench needs beyond make check: Debian's fuser and lsof, which
# it measures against, and gnuplot for the picture.
BENCH_PACKAGES=(psmisc lsof gnuplot-nox)
BENCH_PROGRAMS=(/usr/bin/fuser /usr/bin/lsof)
# One vCPU: under single-threaded TCG a second one only adds noise (the
# spread of a ratio across repetitions was 0.5 to 2.6 with two, 0.95 to
# 1.1 with one).
BENCH_APPEND="nr_cpus=1"

bench_deps() {
	ensure_packages "${BENCH_PACKAGES[@]}"
}

# CPU seconds of this shell's children that have ended (QEMU, once boot_vm
# returned), from the times builtin, which must run in this shell (a
# command substitution's subshell has no children of its own): written
# to file $1, read with cpu_of.
child_cpu() {
	times >"$1"
}
cpu_of() {
	awk 'NR == 2 {
		s = 0
		for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] }
		print s
	}' "$1"
}
# CPU seconds the whole host has been busy (/proc/stat, in USER_HZ).
host_busy() {
	awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { print ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# The commit the module was built from, "-dirty" when its sources
# (not the documentation or the test bed) differ from it.
module_version() {
	local v
	v=$(git -C "$PORTOWN_TOP" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
	git -C "$PORTOWN_TOP" diff --quiet HEAD -- Kbuild Makefile drivers include || v=$v-dirty
	echo "$v"
}

# bench_run KERNEL DIR: the whole bench on one kernel, its output in DIR
# (results.json, who-holds.svg, results.txt, portown-bench.rst,
# console.log, results.raw).
# Quick with PORTOWN_BENCH_QUICK=1.  Prints the figures; returns non-zero
# only when the bench could not run.
bench_run() {
	local k=$1 dir=$2 quick=${PORTOWN_BENCH_QUICK:-0} timeout payload tb rc=0 err=0
	local load0 share others busy0
	rm -rf "$dir"
	mkdir -p "$dir"
	payload=$dir/payload
	mkdir -p "$payload/modules" "$payload/vm" "$payload/bench"

	bench_deps
	prepare_kernel "$k"
	log "bench: building portown for $K_RELEASE"
	build_modules "$K_KDIR" "$dir/mod" "$K_ROOT" ||
		{ tail -n 30 "$dir/mod/build.log" >&2; log "bench: the module does not build"; return 1; }
	cp "$dir/mod/drivers/portown/portown.ko" "$payload/modules/"
	copy_kmods "$K_MODULES" "$payload/kmod"
	cp "$TESTING"/vm/*.sh "$payload/vm/"
	build_tools "$dir" || { cat "$dir/tools-build.log" >&2; log "bench: the tools do not build"; return 1; }
	cp -a "$dir/bin" "$payload/bin"
	gcc -static -O2 -Wall -Wextra -Werror -I"$PORTOWN_TOP/include/uapi" \
		-o "$payload/bench/portown_bench" "$PORTOWN_TOP/tests/bench/portown_bench.c" ||
		{ log "bench: portown_bench does not build"; return 1; }
	printf 'PORTOWN_JOB=bench\nPORTOWN_KERNEL=%s\nPORTOWN_KIND=stock\nPORTOWN_CANARY=\nPORTOWN_BENCH_QUICK=%s\n' \
		"$k" "$quick" >"$payload/env"
	(VM_PROGRAMS+=("${BENCH_PROGRAMS[@]}") && pack_initramfs "$payload" "$dir/initramfs.gz")

	if [ "$quick" = 1 ]; then timeout=400; else timeout=1500; fi
	choose_accel "$K_IMAGE"
	log "bench: booting $K_RELEASE in QEMU ($([ "$quick" = 1 ] && echo quick || echo full), timeout ${timeout}s)"
	load0=$(cut -d' ' -f1 /proc/loadavg)
	child_cpu "$dir/cpu.before"
	busy0=$(host_busy)
	tb=$(date +%s.%N)
	boot_vm "$K_IMAGE" "$dir/initramfs.gz" "$dir/console.log" "$dir/results.raw" "$BENCH_APPEND" "$timeout" || rc=$?
	child_cpu "$dir/cpu.after"
	# QEMU's share of a core, and how many cores the rest of the host kept busy
	read -r share others < <(awk -v c0="$(cpu_of "$dir/cpu.before")" \
		-v c1="$(cpu_of "$dir/cpu.after")" -v b0="$busy0" -v b1="$(host_busy)" \
		-v t0="$tb" -v t1="$(date +%s.%N)" \
		'BEGIN { printf "%.2f %.2f\n", (c1 - c0) / (t1 - t0), (b1 - b0 - (c1 - c0)) / (t1 - t0) }')
	BENCH_VM_SECONDS=$(($(date +%s) - ${tb%.*}))
	log "bench: VM ran ${BENCH_VM_SECONDS}s (status $rc); QEMU used $share of a core, the rest of the host $others of $JOBS"
	touch "$dir/console.log" "$dir/results.raw"
	[ "$rc" = 124 ] && { log "bench: the VM timed out after ${timeout}s"; err=1; }

	local hits
	hits=$(grep -aE "$SPLAT_RE" "$dir/console.log" | grep -av '^portown-vm:' || true)
	if [ -n "$hits" ]; then
		log "bench: kernel reports on the console:"
		printf '%s\n' "$hits" | head -20 >&2
		err=1
	fi
	python3 "$TESTING/bench_report.py" --raw "$dir/results.raw" --out "$dir" \
		--kernel "$k" --release "$K_RELEASE" --accel "${PORTOWN_ACCEL:-tcg}" \
		--vm-seconds "$BENCH_VM_SECONDS" --quick "$quick" \
		--cpu-share "$share" --others "$others" --cores "$JOBS" \
		--load "$load0 $(cut -d' ' -f1 /proc/loadavg)" \
		--module "$(module_version)" \
		--branch "$(git -C "$PORTOWN_TOP" rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)" ||
		err=1
	if [ -s "$dir/who-holds.dat" ]; then
		gnuplot "$dir/who-holds.gp" >"$dir/gnuplot.log" 2>&1 ||
			{ cat "$dir/gnuplot.log" >&2; log "bench: gnuplot failed"; err=1; }
	else
		log "bench: no who-holds figures to draw"
		err=1
	fi
	[ "$err" = 0 ] && log "bench: figures in $dir/results.json, picture $dir/who-holds.svg"
	return "$err"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	T0=$(date +%s)
	ensure_deps
	status=0
	bench_run "${PORTOWN_BENCH_KERNEL:-stock-6.1}" "$PORTOWN_BUILD/bench" || status=$?
	log "bench: total $(($(date +%s) - T0))s, VM ${BENCH_VM_SECONDS:-0}s"
	if [ -n "${PORTOWN_BENCH_PUBLISH:-}" ]; then
		if [ "$status" = 0 ] && [ "${PORTOWN_BENCH_QUICK:-0}" != 1 ]; then
			cp "$PORTOWN_BUILD/bench/portown-bench.rst" "$PORTOWN_TOP/Documentation/dev-tools/"
			cp "$PORTOWN_BUILD/bench/who-holds.svg" \
				"$PORTOWN_TOP/Documentation/dev-tools/portown-who-holds.svg"
			log "bench: figures copied to Documentation/dev-tools/"
		else
			log "bench: not publishing the figures of a quick or incomplete run"
		fi
	fi
	exit "$status"
fi
