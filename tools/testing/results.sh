# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by check.sh: turn what a test VM printed into records
# ("KERNEL<TAB>pass|fail|skip<TAB>NAME" lines in $RUN/results), and hold
# them against what is expected.  Nothing here trusts a test program's
# exit status alone: every TAP line, the harness's own totals, the KUnit
# plans, the kernel's messages by level and the expected-results manifest
# must all agree.

# Kernel messages of level warning or worse that may appear, by step.
KMSG_ALLOW=$PORTOWN_TOP/tests/kmsg-allowlist
# Every result a run must record, per kernel.
MANIFEST=$PORTOWN_TOP/tests/expected-results

# Patterns of kernel reports that fail a run wherever they appear on the
# console, whatever their level: the second net after the levels.  The
# tty core's own consistency messages are among them.
SPLAT_RE='WARNING:|BUG:|Oops|general protection fault|UBSAN:|Kernel panic|Call Trace:|blocked for more than|unreferenced object|suspected memory leak|INFO: |sleeping function called|self-detected stall|detected stalls|possible circular locking|inconsistent lock state|bad tty->count|port count = |bad port count|bad slave count|Falling back ldisc|wait queue active|ldisc open failed|tty->pgrp == NULL|canary:'

# record KERNEL pass|fail|skip NAME
record() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RUN/results"
	[ "$2" = fail ] && log "FAIL $1: $3"
	return 0
}

# Turn one VM's results channel into records.
parse_results() {
	local kernel=$1 tap=$2
	tr -d '\r' <"$tap" | awk -v OFS='\t' -v K="$kernel" -v FIG="$RUN/figures" \
		-v KMSG="$RUN/$kernel/kmsg" '
	function emit(st, name) { print K, st, name }
	# One TAP result line; returns its status.  "not ok" always fails,
	# even with a SKIP directive.
	function result(prefix,   line, name, st) {
		line = $0; sub(/^[ \t]+/, "", line)
		name = line; sub(/^(not )?ok [0-9]+ (- )?/, "", name)
		if (line ~ /^not ok/) st = "fail"
		else if (name ~ /# [Ss][Kk][Ii][Pp]/) st = "skip"
		else st = "pass"
		sub(/[ \t]*#.*$/, "", name)
		emit(st, prefix name)
		return st
	}
	function suite_end() {
		if (suite == "") return
		if (cases != splan)
			emit("fail", "kunit suite: " suite ": " cases " cases reported, " splan " planned")
		if (!sres) emit("fail", "kunit suite: " suite ": no result line")
		suite = ""
	}
	/^# selftest: / {
		sec = "selftest"; prog = $3; planned = 0; seen = 0; failed = 0
		totals = ""; delete n
		next
	}
	/^# selftest-exit: / {
		if (seen < planned) emit("fail", prog ": " planned - seen " tests never reported")
		if (seen > planned) emit("fail", prog ": " seen " results for a plan of " planned)
		if ($4 != 0 && !failed) emit("fail", prog ": exited with status " $4)
		if (planned == 0 && seen == 0) emit("fail", prog ": printed no TAP")
		else if (totals == "") emit("fail", prog ": the harness printed no Totals line")
		else if (totals != n["pass"] + 0 "/" n["fail"] + 0 "/" n["skip"] + 0)
			emit("fail", prog ": Totals say pass/fail/skip " totals ", the results " \
			     n["pass"] + 0 "/" n["fail"] + 0 "/" n["skip"] + 0)
		sec = ""; next
	}
	sec == "selftest" && /^# Totals: / {
		split($3, p, ":"); split($4, f, ":"); split($7, s, ":")
		totals = p[2] + 0 "/" f[2] + 0 "/" s[2] + 0
		next
	}
	/^# kunit-begin/ { sec = "kunit"; suites = 0; next }
	/^# kunit-error: / { emit("fail", "kunit: " substr($0, 15)); next }
	/^# kunit-suite: / { suite_end(); suites++; insuite = 1; next }
	sec == "kunit" && /^    # Subtest: / { suite = $3; cases = 0; splan = -1; sres = 0; next }
	sec == "kunit" && /^    1\.\.[0-9]+/ { splan = substr($1, 4) + 0; next }
	sec == "kunit" && /^    (not )?ok [0-9]+ / {
		cases++; result("kunit: " suite "."); next
	}
	sec == "kunit" && /^(not )?ok [0-9]+ / {
		sres = 1
		if (result("kunit suite: ") == "fail" && suite == "")
			emit("fail", "kunit suite: a result outside any suite")
		next
	}
	/^# kunit-end/ {
		suite_end()
		if (suites == 0) emit("fail", "kunit: no suite reported")
		sec = ""; next
	}
	/^# kmsg: / { sub(/^# kmsg: /, ""); print >KMSG; next }
	/^# final-unload: / {
		if ($3 == "ok") emit("pass", "final unload: portown.ko unloads at the end")
		else emit("fail", "final unload: portown.ko cannot be unloaded at the end (" \
			  substr($0, 23) ")")
		next
	}
	/^# kmemleak: / {
		if ($3 ~ /^[0-9]+$/ && $3 == 0) emit("pass", "kmemleak: no leak after the tests")
		else if ($3 ~ /^[0-9]+$/) emit("fail", "kmemleak: " $3 " suspected leaks (see console log)")
		else emit("fail", "kmemleak: no count (" substr($0, 13) ")")
		next
	}
	/^# figure: / { print K "\t" $3 "\t" $4 >>FIG; next }
	/^# portown-vm: done/ { done = 1; next }
	sec == "selftest" && /^1\.\.[0-9]+/ { planned = substr($0, 4) + 0; next }
	sec == "selftest" && /^(not )?ok [0-9]+ / {
		seen++
		st = result(prog ": ")
		n[st]++
		if (st == "fail") failed = 1
		next
	}
	END { if (!done) emit("fail", "VM did not finish: timeout, panic or crash (see console log)") }
	' >>"$RUN/results"
}

# Messages of level 0-4 (emerg to warning) the VM read from the ring
# buffer, step by step: each must be in the allowlist for its step.
check_kmsg() {
	local kernel=$1 file=$2 bad
	touch "$file"
	bad=$(awk '
		NR == FNR {
			if ($0 ~ /^[ \t]*(#|$)/) next
			step[++n] = $1; re = $0; sub(/^[^ \t]+[ \t]+/, "", re); pat[n] = re
			next
		}
		{
			s = $1; msg = $0; sub(/^[^ ]+ /, "", msg)
			text = msg; sub(/^<[0-9]+>(\[[^]]*\] ?)?/, "", text)
			for (i = 1; i <= n; i++)
				if ((step[i] == "*" || step[i] == s) && text ~ pat[i]) next
			print s ": " msg
		}' "$KMSG_ALLOW" "$file")
	if [ -n "$bad" ]; then
		while IFS= read -r line; do
			record "$kernel" fail "kernel messages: ${line:0:140}"
		done < <(printf '%s\n' "$bad" | head -10)
	else
		record "$kernel" pass "kernel messages: none of level warning or worse outside the allowlist"
	fi
}

# Every kernel report in a console log fails the run.
check_console() {
	local kernel=$1 console=$2 hits
	hits=$(grep -aE "$SPLAT_RE" "$console" | grep -av '^portown-vm:' || true)
	if [ -n "$hits" ]; then
		record "$kernel" fail "kernel log: $(printf '%s\n' "$hits" | head -1 | cut -c1-100)"
		printf '%s\n' "$hits" | head -20 >&2
	else
		record "$kernel" pass "kernel log: no WARN, BUG, Oops, KASAN, UBSAN, lockdep, tty core or kmemleak report"
	fi
}

# The KUnit suites as one KTAP document (each debugfs results file is a
# document of its own), through the kernel's own parser for a readable
# summary and a second verdict.
kunit_report() {
	local kernel=$1 dir=$2 src=$3
	tr -d '\r' <"$dir/results.tap" |
		sed -n '/^# kunit-begin/,/^# kunit-end/p' | awk '
		/^# kunit-suite: / { n++; next }
		/^# kunit-/ || /^KTAP version/ || /^1\.\.1$/ { next }
		/^ok 1 / || /^not ok 1 / { sub(/ 1 /, " " n " ") }
		{ body = body $0 "\n" }
		END { if (n) printf "KTAP version 1\n1..%d\n%s", n, body }' >"$dir/kunit.ktap"
	[ -s "$dir/kunit.ktap" ] || return 0
	if python3 "$src/tools/testing/kunit/kunit.py" parse "$dir/kunit.ktap" >"$dir/kunit.txt" 2>&1; then
		record "$kernel" pass "kunit.py parse: suites pass"
	else
		record "$kernel" fail "kunit.py parse: $(grep -a 'Testing complete' "$dir/kunit.txt" || echo 'failed')"
	fi
}

# Hold kernel $1's records against the manifest.  $2: the test programs
# that ran (empty: all); $3: 1 when lint ran.  Every expected name must
# be recorded once with its expected status, and nothing else.
check_manifest() {
	local kernel=$1 tests=$2 lint=$3 out
	out=$(awk -F'\t' -v K="$kernel" -v T=" $tests " -v LINT="$lint" '
		function inscope(name,   prog) {
			if (name ~ /^lint/) return LINT == 1
			prog = name; sub(/:.*/, "", prog)
			if (prog ~ /_test$/ && T != "  ") return index(T, " " prog " ") > 0
			return 1
		}
		NR == FNR {
			if ($0 ~ /^[ \t]*(#|$)/) next
			if (NF < 3 || ($2 != "pass" && $2 != "skip")) {
				print "bad line " FNR " in tests/expected-results"; next
			}
			if ($2 == "skip" && $4 !~ /^# ./) {
				print "line " FNR ": a skip needs its reason"; next
			}
			nk = split($1, ks, ",")
			for (i = 1; i <= nk; i++)
				if (ks[i] == "all" && K != "host" && K != "pkg" || ks[i] == K) {
					if (inscope($3)) want[$3] = $2
				}
			next
		}
		$1 != K { next }
		# a failed check of the bed itself (kernel log, final unload, ...)
		# reports its failure under another name than its pass
		$2 == "fail" {
			fam = $3; sub(/:.*/, "", fam)
			if (fam !~ /_test$/ && fam !~ /^kunit( suite)?$/) failed[fam] = 1
			st[$3] = "fail"
			next
		}
		{ got[$3]++; st[$3] = $2 }
		END {
			for (name in got) {
				if (got[name] > 1) print name ": recorded " got[name] " times"
				if (!(name in want)) print name ": not in the manifest"
				else if (want[name] != st[name])
					print name ": " st[name] ", the manifest says " want[name]
			}
			for (name in want) {
				fam = name; sub(/:.*/, "", fam)
				if (!(name in got) && !(name in st) && !(fam in failed))
					print name ": expected, never reported"
			}
		}' "$MANIFEST" "$RUN/results")
	if [ -n "$out" ]; then
		while IFS= read -r line; do
			record "$kernel" fail "manifest: ${line:0:140}"
		done < <(printf '%s\n' "$out" | sort | head -20)
	else
		record "$kernel" pass "manifest: every expected result, once, nothing else"
	fi
}

# The summary: per kernel the records and the distinct names among them,
# the outcomes and the times; then the failures, the reliability stage's
# figures and the closing line.
summary() {
	local kernels=$1 k
	echo
	printf '%-12s %7s %8s %7s %7s %8s %10s %8s  %s\n' kernel records distinct passed failed \
		skipped "prepare/s" "vm/s" release
	for k in host $kernels; do
		awk -F'\t' -v K="$k" -v T="$(awk -F'\t' -v K="$k" '$1 == K { print $2 "\t" $3 "\t" $4 }' \
			"$RUN/times" 2>/dev/null)" '
			$1 == K { n[$2]++; r++; if (!seen[$3]++) d++ }
			END {
				split(T, t, "\t")
				printf "%-12s %7d %8d %7d %7d %8d %10s %8s  %s\n", K, r, d, n["pass"],
					n["fail"], n["skip"], (t[1] == "" ? "-" : t[1]),
					(t[2] == "" ? "-" : t[2]), (t[3] == "" ? "-" : t[3])
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
		printf '%-12s %10s %8s %8s %9s %10s %8s\n' kernel operations unloads loads \
			stress/s "fuzzed" fuzz/s
		for k in $kernels; do
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
}
