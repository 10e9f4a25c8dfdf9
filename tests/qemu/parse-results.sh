#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# parse-results.sh <ORDER> <tests-log>: turn one guest run into checks.
# Every TAP result line ("ok ..."/"not ok ..." at column 0) is one check; an
# "ok" with a "# SKIP" directive counts as failed (a skipped test proves
# nothing). Guest-level checks: insmod, unload (rmmod at the end), and, only
# when something is wrong, one extra failed check per test binary (missing,
# never finished, timed out, non-zero exit without a "not ok", no TAP, plan
# mismatch). A guest that says PORTRES-AWAIT-KILL (twoboot.sh's hard-kill
# boot) is done once it says so: the host kills it, so no rmmod and no
# PORTRES-DONE are expected. Prints a human summary; the last line is
# "@@count <pass> <fail>".
set -euo pipefail

order=${1:?usage: parse-results.sh <ORDER> <tests-log>}
tlog=${2:?usage: parse-results.sh <ORDER> <tests-log>}

# Same ORDER syntax the guest reads: "<binary> [timeout]", '#' comments.
names=$(awk '$1 !~ /^#/ && NF { print $1 }' "$order")

tr -d '\r' <"$tlog" | awk -v names="$names" '
function pass(what) { npass++ }
function fail(what) { nfail++; print "  FAIL " what }
# Failures of a test are printed under its summary line, so hold them.
function tfail(t, what) { nfail++; msgs[t] = msgs[t] "    FAIL " what "\n" }
BEGIN { n = split(names, order, "\n"); cur = "" }
/^PORTRES-BOOTED / { booted = 1; next }
/^PORTRES-INSMOD-OK/ { insmod = "ok"; next }
/^PORTRES-INSMOD-FAILED/ { insmod = $2; next }
/^PORTRES-MISSING / { missing[$2] = 1; next }
/^PORTRES-BEGIN / { cur = $2; began[cur] = 1; next }
/^PORTRES-END / {
	t = $2; ended[t] = 1; rc[t] = substr($3, 4); secs[t] = substr($4, 6)
	if ($5 == "TIMEOUT") timedout[t] = 1
	cur = ""; next
}
/^PORTRES-RMMOD / { rmmod = substr($2, 4); next }
/^PORTRES-DONE/ { done = 1; next }
/^PORTRES-AWAIT-KILL/ { awaitkill = 1; next }
cur == "" { next }
/^1\.\.[0-9]+/ {
	plan[cur] = substr($1, 4) + 0
	if (tolower($0) ~ /#[ \t]*skip/) wholeskip[cur] = 1
	next
}
/^(not )?ok([ \t]|$)/ {
	results[cur]++
	line = $0
	if (line ~ /^not ok/) {
		bad[cur]++; tfail(cur, line)
	} else if (tolower(line) ~ /#[ \t]*skip/) {
		bad[cur]++; tfail(cur, line "  (SKIP counts as a failure)")
	} else {
		good[cur]++; pass()
	}
	next
}
END {
	if (insmod == "ok") pass("insmod portres.ko")
	else if (insmod != "") fail("insmod portres.ko failed (" insmod "); tests not run")
	else fail("guest never reached insmod")
	for (i = 1; i <= n; i++) {
		t = order[i]
		if (t == "" || (t in seen)) continue
		seen[t] = 1
		if (missing[t]) { fail(t ": not in the initramfs (not built?)"); continue }
		if (!began[t]) { if (insmod == "ok") fail(t ": never started (guest stopped early)"); continue }
		if (!ended[t]) { fail(t ": never finished (guest crashed or hung during it; see console log)"); continue }
		# At most one binary-level failure, the most telling one.
		if (timedout[t]) tfail(t, "timed out after " secs[t] "s (exit " rc[t] ")")
		else if (rc[t] != 0 && !bad[t]) tfail(t, "exited with status " rc[t] " without a \"not ok\" line")
		else if (wholeskip[t]) tfail(t, "skipped as a whole (1..0 # SKIP)")
		else if (!results[t]) tfail(t, "printed no TAP result lines")
		else if (t in plan && plan[t] != results[t])
			tfail(t, "planned 1.." plan[t] " but printed " results[t] " results")
		printf "  %-28s %d/%d ok  (%ss, exit %s)\n", t, good[t] + 0, results[t] + 0, secs[t], rc[t]
		printf "%s", msgs[t]
	}
	if (awaitkill) {
		pass("guest done, waiting to be killed (PORTRES-AWAIT-KILL)")
		print "@@count " npass + 0 " " nfail + 0
		exit
	}
	if (insmod == "ok") {
		if (rmmod == "0") pass("rmmod portres at the end")
		else if (rmmod != "") fail("rmmod portres at the end failed (exit " rmmod ")")
		else if (done) fail("guest never reached the final rmmod")
	}
	if (done) pass("guest finished (PORTRES-DONE)")
	else fail("guest did not finish: no PORTRES-DONE (panic, hang or timeout; see console log)")
	print "@@count " npass + 0 " " nfail + 0
}'
