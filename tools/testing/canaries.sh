#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-canaries: prove that each detector of the test bed turns
# make check red on its own.  Each canary is a run of check.sh with
# PORTOWN_CANARY set, on the kernel that has the detector, with a few
# test programs; it passes when that run failed, some failure is the one
# the canary provokes, and every failure is one the canary explains.
# Ends with "N canaries tripped, N did not"; exits non-zero unless all
# tripped.
#
# Environment:
#   PORTOWN_CANARIES	the canaries to run (default: all of them)

# shellcheck source=tools/testing/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# NAME  KERNEL  the failures it must provoke (ERE on "NAME" of fail records)
CANARIES=(
	"selftest	stock-6.12	^module_test: "
	"warn	stock-6.12	^kernel (messages|log): .*(canary|WARNING|Call Trace|portown_test_warn)"
	"lockdep	debug-6.12	^kernel (messages|log): "
	"atomic_sleep	debug-6.12	^kernel (messages|log): "
	"leak	debug-6.12	^(kmemleak: [0-9]+ suspected|kernel log: .*(unreferenced object|suspected memory leak))"
	"kunit	debug-6.12	^(kunit(: portown_registry\\.| suite: portown_registry)|kunit\\.py parse|kernel messages: kunit: |kernel (messages|log): .*(canary|EXPECTATION|portown_registry|registry_lookup))"
	"missing	stock-6.12	^manifest: ntty_test: .*never reported"
	"skip	stock-6.12	^manifest: module_test: .*(skip|never reported)"
	"unload	stock-6.12	^final unload: "
)
# Which detector each one proves, for the table.
declare -A WHAT=(
	[selftest]="a failing selftest"
	[warn]="a non-fatal WARNING (kernel messages by level)"
	[lockdep]="a lockdep report"
	[atomic_sleep]="sleeping in atomic context"
	[leak]="a leak kmemleak finds"
	[kunit]="a failing case in the second KUnit suite"
	[missing]="a missing test binary (manifest)"
	[skip]="a skipped test (manifest)"
	[unload]="a module that cannot be unloaded at the end"
)

chosen=${PORTOWN_CANARIES:-all}
ok=0 bad=0
: >"$PORTOWN_BUILD/canaries"
for c in "${CANARIES[@]}"; do
	IFS=$'\t' read -r name kernel re <<<"$c"
	case " $chosen " in *" all "* | *" $name "*) ;; *) continue ;; esac
	out=$PORTOWN_BUILD/canary-$name
	log "canary $name on $kernel: ${WHAT[$name]}"
	rc=0
	PORTOWN_CANARY=$name PORTOWN_KERNELS=$kernel PORTOWN_NO_LINT=1 PORTOWN_BUILD=$out \
		PORTOWN_TESTS="module_test ntty_test" "$TESTING/check.sh" >"$out.log" 2>&1 || rc=$?
	fails=$(awk -F'\t' '$2 == "fail" { print $3 }' "$out/check/results" 2>/dev/null || true)
	hits=$(printf '%s\n' "$fails" | grep -cE "$re" || true)
	others=$(printf '%s\n' "$fails" | grep -vE "$re" | grep -v '^$' || true)
	if [ "$rc" != 0 ] && [ "$hits" -gt 0 ] && [ -z "$others" ]; then
		verdict=tripped
		ok=$((ok + 1))
	else
		verdict="DID NOT TRIP (exit $rc, $hits matching failures)"
		bad=$((bad + 1))
		[ -n "$others" ] && printf '  unexplained: %s\n' "$others" >&2
	fi
	printf '%-13s %-11s %-48s %s\n' "$name" "$kernel" "${WHAT[$name]}" "$verdict" |
		tee -a "$PORTOWN_BUILD/canaries"
done
echo "$ok canaries tripped, $bad did not"
[ "$bad" = 0 ]
