#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, lint, build the module and the test
# programs for every kernel, boot each kernel in QEMU, run the tests, and
# fail on any failed test or any kernel splat.  Ends with the line
# "N passed, N failed, N skipped".
#
# Environment:
#   PORTOWN_KERNELS	subset of "stock-5.10 stock-6.1 stock-6.12 rt-6.12
#			stock-bpo debug-6.12"
#   PORTOWN_LANES	how many kernels are tested at once (default: one
#			per host core, at most 2; each VM runs on one core)
#   PORTOWN_TESTS	the test programs to run (default: all)
#   PORTOWN_CANARY	one canary of the bed (see canaries.sh): the run
#			must fail
#   PORTOWN_CANARIES	also run these canaries ("all" for every one)
#			after the tests, as make check-canaries does
#   PORTOWN_SOAK_SECONDS	run only the reliability stage (stress_test and
#			fuzz_test), for about this long on each kernel
#			("make soak")
#   PORTOWN_CACHE	cache for downloads and kernels (/var/cache/portown)
#   PORTOWN_BUILD	per-run output (build/ in the tree)
#   PORTOWN_NO_LINT	skip make lint (for quick local iterations)
#   PORTOWN_BENCH=0	skip the quick bench, which a whole check runs (no
#			PORTOWN_KERNELS, PORTOWN_TESTS, canary or soak) as
#			one more job in the lanes, so that make bench keeps
#			working; its figures are never judged
#   PORTOWN_PKG=0	skip the package test (tools/testing/pkg.sh), which
#			a whole check runs likewise

# shellcheck source=tools/testing/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tools/testing/results.sh
. "$TESTING/results.sh"

KERNELS=${PORTOWN_KERNELS:-$ALL_KERNELS}
RUN=$PORTOWN_BUILD/check
T0=$(date +%s)

rm -rf "$RUN"
mkdir -p "$RUN"
: >"$RUN/results"

# Static test programs, built once: they run on every kernel.
build_tests() {
	local src=$1 out=$2 c
	mkdir -p "$out"
	for c in "$PORTOWN_TOP"/tests/selftests/*.c; do
		if gcc -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered \
			-I"$src/tools/testing/selftests" -I"$PORTOWN_TOP/include/uapi" \
			-o "$out/$(basename "$c" .c)" "$c" 2>"$RUN/build-tests.log"; then
			record host pass "build: $(basename "$c")"
		else
			record host fail "build: $(basename "$c") (see $RUN/build-tests.log)"
			cat "$RUN/build-tests.log" >&2
		fi
	done
}

# The reliability stage's size on kernel $1: STRESS_SECONDS of stress_test,
# FUZZ_CALLS fuzzed ioctls (or FUZZ_SECONDS of them), and TESTS, the test
# programs to run (empty: all).  The debug and RT kernels get the whole
# stage, the stock ones a shorter one; a soak only the stage, as long as
# asked.
stage_sizes() {
	TESTS=${PORTOWN_TESTS:-} FUZZ_SECONDS=0
	case $1 in
	debug-* | rt-*) STRESS_SECONDS=60 FUZZ_CALLS=1000000 ;;
	*) STRESS_SECONDS=15 FUZZ_CALLS=100000 ;;
	esac
	if [ -n "${PORTOWN_SOAK_SECONDS:-}" ]; then
		STRESS_SECONDS=$(((PORTOWN_SOAK_SECONDS + 1) / 2))
		FUZZ_SECONDS=$STRESS_SECONDS FUZZ_CALLS=0
		TESTS="stress_test fuzz_test"
	fi
}

run_kernel() {
	local k=$1 src=$2 dir=$RUN/$1 t0 kind timeout
	mkdir -p "$dir"
	t0=$(date +%s)
	log "$k: preparing the kernel"
	if ! (prepare_kernel "$k" && declare -p K_IMAGE K_KDIR K_RELEASE K_MODULES K_ROOT >"$dir/kernel.env") \
		>"$dir/prepare.log" 2>&1; then
		cat "$dir/prepare.log" >&2
		record "$k" fail "kernel: cannot prepare $k (see $dir/prepare.log)"
		return
	fi
	# shellcheck disable=SC1091
	. "$dir/kernel.env"
	if [ "$k" = debug-6.12 ]; then
		kind=debug timeout=1800
		if config_has_fragment "$K_KDIR/.config" "$TESTING/qemu/debug.config"; then
			record "$k" pass "kernel: config has every option of debug.config"
		else
			record "$k" fail "kernel: config lacks options of debug.config"
		fi
	else
		kind=stock timeout=600
	fi

	log "$k: building the module for $K_RELEASE${K_ROOT:+ in the build root of its release}"
	if build_modules "$K_KDIR" "$dir/mod" "$K_ROOT"; then
		if grep -aE 'warning:|error:' "$dir/mod/build.log" >&2; then
			record "$k" fail "build: portown.ko with W=1 has warnings"
		else
			record "$k" pass "build: portown.ko with W=1, no warnings"
		fi
	else
		tail -n 30 "$dir/mod/build.log" >&2
		record "$k" fail "build: portown.ko does not build (see $dir/mod/build.log)"
		return
	fi

	local payload=$dir/payload
	mkdir -p "$payload/modules"
	mkdir -p "$payload/vm"
	cp "$TESTING"/vm/*.sh "$payload/vm/"
	cp -a "$RUN/tests" "$payload/tests"
	cp -a "$RUN/bin" "$payload/bin"
	find "$dir/mod" -name '*.ko' -exec cp {} "$payload/modules/" \;
	copy_kmods "$K_MODULES" "$payload/kmod"
	stage_sizes "$k"
	timeout=$((timeout + 3 * (STRESS_SECONDS + FUZZ_SECONDS)))
	printf 'PORTOWN_JOB=check\nPORTOWN_KERNEL=%s\nPORTOWN_KIND=%s\nPORTOWN_CANARY=%s\n' \
		"$k" "$kind" "${PORTOWN_CANARY:-}" >"$payload/env"
	printf 'PORTOWN_STRESS_SECONDS=%s\nPORTOWN_FUZZ_CALLS=%s\nPORTOWN_FUZZ_SECONDS=%s\nPORTOWN_TESTS="%s"\n' \
		"$STRESS_SECONDS" "$FUZZ_CALLS" "$FUZZ_SECONDS" "$TESTS" >>"$payload/env"
	pack_initramfs "$payload" "$dir/initramfs.gz"

	choose_accel "$K_IMAGE"
	log "$k: booting in QEMU (timeout ${timeout}s)"
	local tb rc=0
	tb=$(date +%s)
	boot_vm "$K_IMAGE" "$dir/initramfs.gz" "$dir/console.log" "$dir/results.tap" "" "$timeout" || rc=$?
	[ "$rc" = 124 ] && record "$k" fail "VM: timed out after ${timeout}s (see $dir/console.log)"
	touch "$dir/results.tap" "$dir/console.log"
	parse_results "$k" "$dir/results.tap"
	[ "$kind" = debug ] && kunit_report "$k" "$dir" "$src"
	check_kmsg "$k" "$dir/kmsg"
	check_console "$k" "$dir/console.log"
	check_manifest "$k" "$TESTS" "$LINTED"
	printf '%s\t%s\t%s\t%s\n' "$k" "$((tb - t0))" "$(($(date +%s) - tb))" "$K_RELEASE" >>"$RUN/times"
	log "$k: done in $(($(date +%s) - t0))s (VM $(($(date +%s) - tb))s)"
}

ensure_deps
SRC=$(source_tree)

LINTED=0
if [ -z "${PORTOWN_NO_LINT:-}" ]; then
	LINTED=1
	log "lint"
	if "$TESTING/lint.sh" >"$RUN/lint.log" 2>&1; then
		record host pass "lint: checkpatch --strict, layers, sparse C=2, kernel-doc, shellcheck"
	else
		cat "$RUN/lint.log" >&2
		record host fail "lint: findings (see $RUN/lint.log)"
	fi
fi

build_tests "$SRC" "$RUN/tests"
if build_tools "$RUN"; then
	record host pass "build: portownctl and libportown, static"
else
	cat "$RUN/tools-build.log" >&2
	record host fail "build: tools (see $RUN/tools-build.log)"
fi
# libportown's own tests, on the host: no module needed
if make -C "$PORTOWN_TOP/tools" test >"$RUN/tools-test.log" 2>&1; then
	record host pass "tools: libportown's host tests (make -C tools test)"
else
	tail -n 30 "$RUN/tools-test.log" >&2
	record host fail "tools: libportown's host tests (see $RUN/tools-test.log)"
fi
# make bench in quick mode (tools/testing/bench.sh): it ran and measured
# every figure, or it did not.
run_bench() {
	local dir=$RUN/bench t0 rc=0
	mkdir -p "$dir"
	t0=$(date +%s)
	log "bench: quick mode on stock-6.1"
	PORTOWN_BENCH_QUICK=1 PORTOWN_BENCH_KERNEL=stock-6.1 PORTOWN_BUILD=$dir PORTOWN_OFFLINE=1 \
		"$TESTING/bench.sh" >"$dir/bench.out" 2>"$dir/bench.log" || rc=$?
	if [ "$rc" = 0 ]; then
		record bench pass "bench: make bench (quick) measures every figure"
	else
		tail -n 30 "$dir/bench.log" >&2
		record bench fail "bench: make bench (quick) did not complete (see $dir/bench.log)"
	fi
	printf '%s\t%s\t%s\t%s\n' bench 0 "$(($(date +%s) - t0))" "quick, stock-6.1" >>"$RUN/times"
	log "bench: done in $(($(date +%s) - t0))s"
}

# The packages, installed as a user installs them (tools/testing/pkg.sh):
# its records, under the name "pkg", checked against the manifest.
run_pkg() {
	local t0
	t0=$(date +%s)
	log "pkg: make deb, the packages installed in a Debian 12 root, DKMS, a boot"
	PORTOWN_PKG_RUN=$RUN "$TESTING/pkg.sh" >"$RUN/pkg.log" 2>&1 ||
		record pkg fail "pkg: tools/testing/pkg.sh stopped with an error (see $RUN/pkg.log)"
	check_manifest pkg "" 0
	printf '%s\t%s\t%s\t%s\n' pkg 0 "$(($(date +%s) - t0))" "stock-6.1, 6.12 headers" >>"$RUN/times"
	log "pkg: done in $(($(date +%s) - t0))s"
}

# The kernels in lanes: each lane tests its kernels one after the other,
# the lanes run at once.  The longest first, each to the lane with the
# least work so far.
weight() {
	case $1 in debug-*) echo 12 ;; rt-*) echo 3 ;; pkg) echo 4 ;; bench) echo 1 ;; *) echo 2 ;; esac
}

run_lanes() {
	local lanes=$1 i best name pid
	local -a kernels=() work=() pids=()
	shift
	for ((i = 0; i < lanes; i++)); do
		kernels[i]='' work[i]=0
	done
	for name in $(for k in "$@"; do printf '%s %s\n' "$(weight "$k")" "$k"; done |
		sort -rnsk1,1 | cut -d' ' -f2); do
		best=0
		for ((i = 1; i < lanes; i++)); do
			[ "${work[i]}" -lt "${work[best]}" ] && best=$i
		done
		kernels[best]="${kernels[best]} $name"
		work[best]=$((work[best] + $(weight "$name")))
	done
	for ((i = 0; i < lanes; i++)); do
		[ -n "${kernels[i]}" ] || continue
		log "lane $i:${kernels[i]}"
		(for k in ${kernels[i]}; do
			case $k in
			bench) run_bench ;;
			pkg) run_pkg ;;
			*) run_kernel "$k" "$SRC" ;;
			esac
		done) &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || record host fail "a lane of kernels ended with an error"
	done
}

# A whole check (no PORTOWN_KERNELS, PORTOWN_TESTS, canary or soak) also
# runs the quick bench and the package test, as jobs in the lanes; what
# they install on the host is installed first, once, so that the lanes
# never run apt at the same time.
EXTRA=
if [ -z "${PORTOWN_KERNELS:-}${PORTOWN_TESTS:-}${PORTOWN_CANARY:-}${PORTOWN_SOAK_SECONDS:-}" ]; then
	if [ "${PORTOWN_BENCH:-1}" != 0 ]; then EXTRA="$EXTRA bench"; fi
	if [ "${PORTOWN_PKG:-1}" != 0 ]; then EXTRA="$EXTRA pkg"; fi
fi
if [ -n "$EXTRA" ]; then
	ensure_packages "${EXTRA_PACKAGES[@]}"
	# the kernel both boot, fetched before the lanes share it
	prepare_kernel stock-6.1 >"$RUN/prepare-extra.log" 2>&1 ||
		{ cat "$RUN/prepare-extra.log" >&2; record host fail "kernel: cannot prepare stock-6.1"; }
fi
# shellcheck disable=SC2086 # a list of names
run_lanes "${PORTOWN_LANES:-$((JOBS < 2 ? 1 : 2))}" $KERNELS $EXTRA
check_manifest host "" "$LINTED"

summary "$KERNELS$EXTRA"
canaries=0
if [ -n "${PORTOWN_CANARIES:-}" ] && [ -z "${PORTOWN_CANARY:-}" ]; then
	echo
	"$TESTING/canaries.sh" || canaries=1
fi
echo
echo "logs: $RUN (console.log, results.tap per kernel); total $(($(date +%s) - T0))s"
awk -F'\t' '{ n[$2]++ } END { printf "%d passed, %d failed, %d skipped\n", n["pass"], n["fail"], n["skip"] }' "$RUN/results"
! grep -q $'\tfail\t' "$RUN/results" && [ "$canaries" = 0 ]
