#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# parse-kunit.sh <console-log>: count the KUnit results (KTAP) that
# portres.ko's suites print on the console when the module first loads on
# the debug test kernel (between PORTRES-BOOTED and PORTRES-INSMOD-*).
# Every test case ("    ok N name" / "    not ok N name", one level
# in) is one check; "# SKIP" counts as failed. One extra failure when no
# KTAP appeared, a suite is "not ok" without a failed case, or a plan
# ("1..N") was not met (the module crashed or hung mid-suite).
# Prints the failures and a summary; the last line is "@@count <pass> <fail>".
set -euo pipefail

log=${1:?usage: parse-kunit.sh <console-log>}
[[ -f $log ]] || { echo "parse-kunit.sh: no console log $log" >&2; exit 2; }

tr -d '\r' <"$log" | awk '
function fail(what) { nfail++; print "    FAIL " what }
/PORTRES-BOOTED/ { on = 1; next }
/PORTRES-INSMOD-(OK|FAILED)/ { if (on) done = 1; on = 0; next }
!on { next }
{
	# Kernel lines: strip the printk timestamp; keep KTAP indentation.
	if (!sub(/^\[ *[0-9]+\.[0-9]+\] /, "")) next
}
/^KTAP version/ { ktap = 1; next }
/^1\.\.[0-9]+/ { nsuites_plan = substr($1, 4) + 0; next }
/^    # Subtest: / { suite = $3; suites[++ns] = suite; next }
/^    1\.\.[0-9]+/ { plan[suite] = substr($1, 4) + 0; next }
/^    (not )?ok [0-9]+ / {
	name = $0; sub(/^    (not )?ok [0-9]+ /, "", name)
	got[suite]++
	if ($1 == "not") { bad[suite]++; fail(suite "." name) }
	else if (tolower(name) ~ /#[ \t]*skip/) {
		bad[suite]++; fail(suite "." name "  (SKIP counts as a failure)")
	} else { npass++; good[suite]++ }
	next
}
/^    # .*(EXPECTATION|ASSERTION) FAILED/ { diag[suite] = diag[suite] "      " $0 "\n"; next }
/^    # +(Expected|but|    )/ { diag[suite] = diag[suite] "      " $0 "\n"; next }
/^(not )?ok [0-9]+ / {
	s = $0; sub(/^(not )?ok [0-9]+ /, "", s)
	suite_done[s] = 1
	if ($1 == "not" && !bad[s]) fail("suite " s " failed without a failed case")
	next
}
END {
	if (!ktap) {
		fail("no KUnit output at module load (is CONFIG_KUNIT set in the debug kernel?)")
	} else {
		for (i = 1; i <= ns; i++) {
			s = suites[i]
			printf "  kunit %-24s %d/%d ok\n", s, good[s] + 0, got[s] + 0
			if (diag[s] != "") printf "%s", diag[s]
			if (s in plan && plan[s] != got[s])
				fail("suite " s ": planned 1.." plan[s] " but printed " got[s] " results")
			else if (!suite_done[s])
				fail("suite " s " never finished")
		}
		if (nsuites_plan != ns)
			fail("planned " nsuites_plan " KUnit suites, saw " ns)
	}
	printf "  kunit: %d cases passed, %d failed\n", npass, nfail
	print "@@count " npass + 0 " " nfail + 0
}'
