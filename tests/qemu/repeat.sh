#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# repeat.sh [<kernel> [<runs>]]: boot one kernel tier <runs> times (default:
# the newest installed 6.12, 10 runs) with the same module and selftests,
# and check that every run passes (parse-results.sh) and gives the same
# results: the same TAP lines, every test begun and ended, PORTRES-DONE last. Proves that no line is lost
# between guest and host. Last line: "N passed, N failed" (one check a run).
# Logs: tests/build/logs/repeat-<kernel>/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
Q=$PORTRES_ROOT/tests/qemu

kver=${1:-$("$Q/kernels.sh" 2>/dev/null | grep -m1 '^6\.12\.')}
runs=${2:-10}
[[ $kver == *:* ]] && kver=$("$Q/debian-kernel.sh" "${kver%%:*}" "${kver#*:}")
portres_lock
logs=$PORTRES_LOGS/repeat-$kver
rm -rf "$logs"
mkdir -p "$logs"
sel=$PORTRES_BUILD/selftests
order=$PORTRES_ROOT/tests/selftests/ORDER

make -s -k -C "$PORTRES_ROOT/tests/selftests" -j"$PORTRES_JOBS" O="$sel" >"$logs/build.log" 2>&1 ||
	die "selftests build failed ($logs/build.log)"
"$Q/build-examples.sh" "$PORTRES_BUILD/examples" >>"$logs/build.log" 2>&1 ||
	die "examples build failed ($logs/build.log)"
ko=$("$Q/build-module.sh" "$kver")
img=$PORTRES_BUILD/$kver/initramfs.cpio.gz
PORTRES_TEST_TIMEOUT=120 "$Q/initramfs.sh" -o "$img" -k "$ko" -t "$sel" -r "$order" -e "$PORTRES_BUILD/examples" >/dev/null

# What a run said, without what may differ between runs (times, addresses).
summary() {
	tr -d '\r' <"$1" | grep -E '^(ok|not ok) |^PORTRES-(BEGIN|END|DONE|RMMOD|INSMOD)' |
		sed -E 's/ secs=[0-9]+//'
}

passed=0 failed=0
for i in $(seq 1 "$runs"); do
	rc=0
	"$Q/boot.sh" "$kver" "$img" "$logs/console.$i.log" \
		"$logs/tests.$i.log" 2>>"$logs/boot.err" || rc=$?
	summary "$logs/tests.$i.log" >"$logs/summary.$i"
	lines=$(wc -l <"$logs/summary.$i")
	if ((rc)); then
		echo "  FAIL run $i: qemu exited with $rc"
		failed=$((failed + 1))
	elif [[ $(tail -n1 "$logs/summary.$i") != PORTRES-DONE ]]; then
		echo "  FAIL run $i: no PORTRES-DONE at the end ($lines lines)"
		failed=$((failed + 1))
	elif ! res=$("$Q/parse-results.sh" "$order" "$logs/tests.$i.log") ||
		! grep -q '^@@count [0-9]* 0$' <<<"$res"; then
		echo "  FAIL run $i: a test failed:"
		grep -E '^ *FAIL ' <<<"$res" | head -n 20 | sed 's/^/      /'
		failed=$((failed + 1))
	elif ((i > 1)) && ! cmp -s "$logs/summary.1" "$logs/summary.$i"; then
		echo "  FAIL run $i differs from run 1:"
		diff "$logs/summary.1" "$logs/summary.$i" | head -n 10 | sed 's/^/      /'
		failed=$((failed + 1))
	else
		echo "  PASS run $i: $lines result and marker lines$( ((i > 1)) && echo ', as run 1')"
		passed=$((passed + 1))
	fi
done
echo "$passed passed, $failed failed"
((failed == 0))
