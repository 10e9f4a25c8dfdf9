# SPDX-License-Identifier: GPL-2.0
# Sourced by the scripts that count checks (run.sh, debug-kernel/run-tier.sh,
# qemu/twoboot.sh, packaging/run.sh and, inside its root, packaging/chroot.sh):
# one "  PASS ..."/"  FAIL ..." line per check and the two counts. A script
# run by another ends with "@@count <passed> <failed>", which count() adds.
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "  PASS $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL $*"; }
indent() { sed 's/^/      /'; }

# Its locals have names the checked commands do not use (packaging's "out").
check() { # check WHAT CMD...: quiet on success, the output's tail on failure
	local _check_what=$1 _check_out
	shift
	if _check_out=$("$@" 2>&1); then
		pass "$_check_what"
	else
		fail "$_check_what"
		tail -n 30 <<<"$_check_out" | indent
	fi
}

# Stop here (a script run by another): what is not run is one more failure.
give_up() {
	fail "$*"
	echo "@@count $passed $failed"
	exit 0
}

# count WHAT OUTPUT: print another script's output and add its "@@count"
# lines to ours (count_failed: the failures among them); an output without
# one is a failure of WHAT.
count() {
	local _count_what=$1 _count_res=$2 p f got=0
	count_failed=0
	grep -v '^@@count ' <<<"$_count_res" || true
	while read -r _ p f; do
		passed=$((passed + p)) failed=$((failed + f))
		count_failed=$((count_failed + f)) got=1
	done < <(grep '^@@count ' <<<"$_count_res")
	if ((!got)); then
		fail "$_count_what gave no result"
		tail -n 20 <<<"$_count_res" | indent
	fi
}

# guest_checks WHAT ORDER TESTS-LOG CONSOLE-LOG: one guest boot's results
# (parse-results.sh, each line told apart by WHAT) and its splat check.
guest_checks() {
	local what=$1 res p f splat
	res=$("$Q/parse-results.sh" "$2" "$3")
	grep -v '^@@count ' <<<"$res" | sed "s/^  \(PASS\|FAIL\) /&$what: /" || true
	read -r _ p f < <(grep '^@@count ' <<<"$res")
	passed=$((passed + p)) failed=$((failed + f))
	if splat=$("$Q/splats.sh" "$4"); then
		pass "$what: no kernel splats"
	else
		fail "$what: kernel splats ($4):"
		echo "$splat"
	fi
}
