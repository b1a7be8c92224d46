#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print a draft of tests/expected-results from a full run's records
# (build/check/results): each name that passed or was skipped, with the
# kernels it was recorded on ("all" for every VM kernel).  For a person
# to review and commit after adding, renaming or dropping a test; a skip
# must then be given its reason by hand.
#
#   tools/testing/expected.sh build/check/results >tests/expected-results

set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 RESULTS" >&2; exit 2; }

# shellcheck disable=SC2016
awk -F'\t' -v OFS='\t' '
	# a name that passed or was skipped somewhere is expected wherever it
	# was recorded, also where it failed this time
	NR == FNR { if ($2 != "fail") ok[$3] = ok[$3] $2; next }
	!($3 in ok) { next }
	$1 != "host" && !($1 in vm) { vm[$1] = 1; nvm++ }
	{
		if (!($3 in ks)) { order[++n] = $3; ks[$3] = $1; cnt[$3] = ($1 != "host") }
		else { ks[$3] = ks[$3] "," $1; cnt[$3] += ($1 != "host") }
	}
	END {
		print "# SPDX-License-Identifier: GPL-2.0"
		print "#"
		print "# Every result make check must record, per kernel (see"
		print "# Documentation/dev-tools/portown-testing.rst).  KERNELS<TAB>STATUS<TAB>NAME"
		print "# [<TAB># why]: KERNELS is \"all\" (every VM kernel), \"host\" or a"
		print "# comma-separated list; STATUS is pass, or skip with its reason."
		for (i = 1; i <= n; i++) {
			name = order[i]
			k = (cnt[name] == nvm && ks[name] !~ /host/) ? "all" : ks[name]
			st = ok[name] ~ /pass/ ? "pass" : "skip"
			print k, st, name | "sort -t \"\t\" -k3"
		}
	}' "$1" "$1"
