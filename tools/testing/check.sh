#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, lint, build the module and the test
# programs for every kernel, boot each kernel in QEMU, run the tests, and
# fail on any failed test or any kernel splat.  Ends with the line
# "N passed, N failed, N skipped".
#
# Environment:
#   PORTOWN_KERNELS	subset of "stock-6.1 stock-6.12 rt-6.12 debug-6.12"
#   PORTOWN_CANARY	"selftest": one selftest must fail;
#			"warn": the module warns on load
#   PORTOWN_SOAK_SECONDS	run only the reliability stage (stress_test and
#			fuzz_test), for about this long on each kernel
#			("make soak")
#   PORTOWN_CACHE	cache for downloads and kernels (/var/cache/portown)
#   PORTOWN_BUILD	per-run output (build/ in the tree)
#   PORTOWN_NO_LINT	skip make lint (for quick local iterations)

# shellcheck source=tools/testing/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KERNELS=${PORTOWN_KERNELS:-$ALL_KERNELS}
RUN=$PORTOWN_BUILD/check
T0=$(date +%s)

rm -rf "$RUN"
mkdir -p "$RUN"
: >"$RUN/results"

# record KERNEL pass|fail|skip NAME
record() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RUN/results"
	[ "$2" = fail ] && log "FAIL $1: $3"
	return 0
}

# Patterns of kernel reports that fail a run, whatever the tests said.
SPLAT_RE='WARNING:|BUG:|Oops|general protection fault|UBSAN:|Kernel panic|Call Trace:|blocked for more than|unreferenced object|suspected memory leak|INFO: |sleeping function called|self-detected stall'

# Turn one VM's results channel into records.
parse_results() {
	local kernel=$1 tap=$2
	tr -d '\r' <"$tap" | awk -v OFS='\t' -v K="$kernel" -v FIG="$RUN/figures" '
	function emit(st, name) { print K, st, name }
	function result(prefix,   line, name, st) {
		line = $0; sub(/^[ \t]+/, "", line)
		name = line; sub(/^(not )?ok [0-9]+ (- )?/, "", name)
		if (name ~ /# SKIP/) st = "skip"
		else if (line ~ /^not ok/) st = "fail"
		else st = "pass"
		emit(st, prefix name)
		return st
	}
	/^# selftest: / { sec = "selftest"; prog = $3; planned = 0; seen = 0; failed = 0; next }
	/^# selftest-exit: / {
		if (seen < planned) emit("fail", prog ": " planned - seen " tests never reported")
		if ($4 != 0 && !failed) emit("fail", prog ": exited with status " $4)
		if (planned == 0 && seen == 0) emit("fail", prog ": printed no TAP")
		sec = ""; next
	}
	/^# kunit-begin/ { sec = "kunit"; kcases = 0; next }
	/^# kunit-end/ {
		if (kcases == 0) emit("fail", "kunit: no test case ran")
		sec = ""; next
	}
	/^# kmemleak: / {
		if ($3 > 0) emit("fail", "kmemleak: " $3 " suspected leaks (see console log)")
		else emit("pass", "kmemleak: no leak after the tests")
		next
	}
	/^# figure: / { print K "\t" $3 "\t" $4 >>FIG; next }
	/^# portown-vm: done/ { done = 1; next }
	sec == "selftest" && /^1\.\.[0-9]+/ { planned = substr($0, 4) + 0; next }
	sec == "selftest" && /^(not )?ok [0-9]+ / {
		seen++
		if (result(prog ": ") == "fail") failed = 1
		next
	}
	sec == "kunit" && /^    (not )?ok [0-9]+ / { kcases++; result("kunit: "); next }
	sec == "kunit" && /^not ok [0-9]+ / && kcases == 0 { result("kunit suite: "); next }
	END { if (!done) emit("fail", "VM did not finish: timeout, panic or crash (see console log)") }
	' >>"$RUN/results"
}

# Every kernel report in a console log fails the run.
check_console() {
	local kernel=$1 console=$2 hits
	hits=$(grep -aE "$SPLAT_RE" "$console" | grep -av 'portown-vm:' || true)
	if [ -n "$hits" ]; then
		record "$kernel" fail "kernel log: $(printf '%s\n' "$hits" | head -1 | cut -c1-100)"
		printf '%s\n' "$hits" | head -20 >&2
	else
		record "$kernel" pass "kernel log: no WARN, BUG, Oops, KASAN, UBSAN, lockdep or kmemleak report"
	fi
}

# The KUnit KTAP, through the kernel's own parser for a readable summary.
kunit_report() {
	local kernel=$1 dir=$2 src=$3
	tr -d '\r' <"$dir/results.tap" |
		sed -n '/^# kunit-begin/,/^# kunit-end/{/^# kunit-/d;p}' >"$dir/kunit.ktap"
	[ -s "$dir/kunit.ktap" ] || return 0
	if python3 "$src/tools/testing/kunit/kunit.py" parse "$dir/kunit.ktap" >"$dir/kunit.txt" 2>&1; then
		record "$kernel" pass "kunit.py parse: suites pass"
	else
		record "$kernel" fail "kunit.py parse: $(grep -a 'Testing complete' "$dir/kunit.txt" || echo 'failed')"
	fi
}

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
	TESTS='' FUZZ_SECONDS=0
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
	if ! (prepare_kernel "$k" && declare -p K_IMAGE K_KDIR K_RELEASE K_MODULES >"$dir/kernel.env") \
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

	log "$k: building the module for $K_RELEASE"
	if build_modules "$K_KDIR" "$dir/mod"; then
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
	check_console "$k" "$dir/console.log"
	printf '%s\t%s\t%s\n' "$k" "$((tb - t0))" "$(($(date +%s) - tb))" >>"$RUN/times"
	log "$k: done in $(($(date +%s) - t0))s (VM $(($(date +%s) - tb))s)"
}

ensure_deps
SRC=$(source_tree)

if [ -z "${PORTOWN_NO_LINT:-}" ]; then
	log "lint"
	if "$TESTING/lint.sh" >"$RUN/lint.log" 2>&1; then
		record host pass "lint: checkpatch --strict, sparse C=2, kernel-doc, shellcheck"
	else
		cat "$RUN/lint.log" >&2
		record host fail "lint (see $RUN/lint.log)"
	fi
fi

build_tests "$SRC" "$RUN/tests"
if build_tools "$RUN"; then
	record host pass "build: portownctl and libportown, static"
else
	cat "$RUN/tools-build.log" >&2
	record host fail "build: tools (see $RUN/tools-build.log)"
fi
for k in $KERNELS; do
	run_kernel "$k" "$SRC"
done

# Summary: a table per kernel, the failures, and the closing line.
echo
printf '%-12s %7s %7s %8s %10s %8s\n' kernel passed failed skipped "prepare/s" "vm/s"
for k in host $KERNELS; do
	awk -F'\t' -v K="$k" -v T="$(awk -F'\t' -v K="$k" '$1 == K { print $2 "\t" $3 }' "$RUN/times" 2>/dev/null)" '
		$1 == K { n[$2]++ }
		END {
			split(T, t, "\t")
			printf "%-12s %7d %7d %8d %10s %8s\n", K, n["pass"], n["fail"], n["skip"],
				(t[1] == "" ? "-" : t[1]), (t[2] == "" ? "-" : t[2])
		}' "$RUN/results"
done
if grep -q $'\tfail\t' "$RUN/results"; then
	echo
	echo "failed:"
	awk -F'\t' '$2 == "fail" { print "  " $1 ": " $3 }' "$RUN/results"
fi
if [ -s "$RUN/figures" ]; then
	echo
	echo "reliability stage:"
	printf '%-12s %10s %8s %8s %9s %10s %8s\n' kernel operations unloads loads stress/s \
		"fuzzed" fuzz/s
	for k in $KERNELS; do
		awk -F'\t' -v K="$k" '
			$1 == K { v[$2] = $3; seen = 1 }
			END {
				if (seen)
					printf "%-12s %10s %8s %8s %9s %10s %8s\n", K,
						v["stress_operations"], v["stress_unloads"],
						v["stress_loads"], v["stress_seconds"],
						v["fuzz_calls"], v["fuzz_seconds"]
			}' "$RUN/figures"
	done
fi
echo
echo "logs: $RUN (console.log, results.tap per kernel); total $(($(date +%s) - T0))s"
awk -F'\t' '{ n[$2]++ } END { printf "%d passed, %d failed, %d skipped\n", n["pass"], n["fail"], n["skip"] }' "$RUN/results"
! grep -q $'\tfail\t' "$RUN/results"
