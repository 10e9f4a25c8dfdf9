#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# run-tier.sh kunit|stress: the debug kernel tier alone (`make kunit`,
# `make stress`). Builds the debug test kernel if needed (cached), portres.ko
# against it (W=1), boots it under QEMU and counts:
#   kunit:  the module's KUnit suites (they run at insmod), nothing else;
#   stress: the tests of tests/selftests/ORDER.debug (stress, fault
#           injection) plus the KUnit cases.
# Then the splat scan (KASAN, lockdep, sleeping in atomic, kmemleak after the
# final rmmod). Last line "N passed, N failed"; non-zero exit on any failure.
set -euo pipefail
. "$(dirname "$0")/../qemu/lib.sh"
. "$(dirname "$0")/../qemu/checks.sh"
mode=${1:?usage: run-tier.sh kunit|stress}
[[ $mode == kunit || $mode == stress ]] || die "usage: run-tier.sh kunit|stress"
Q=$PORTRES_ROOT/tests/qemu
cd "$PORTRES_ROOT"
portres_lock
"$Q/deps.sh" || die "cannot install the packages the tests need"


k=debug
klog=$PORTRES_LOGS/$k
rm -rf "$klog"
mkdir -p "$klog"
echo "== debug kernel ($mode)"
tests/debug-kernel/build.sh >/dev/null || die "debug kernel build failed"
"$Q/build-module.sh" $k >/dev/null || die "module build (W=1) failed"
pass "module build (W=1)"

sel=$PORTRES_BUILD/selftests
order=$PORTRES_BUILD/$k/ORDER.$mode
if [[ $mode == kunit ]]; then
	echo "# make kunit: no selftests, KUnit runs at insmod" >"$order"
else
	make -k -C tests/selftests -j"$PORTRES_JOBS" O="$sel" >"$klog/selftests-build.log" 2>&1 ||
		fail "selftests build (log: $klog/selftests-build.log)"
	cp tests/selftests/ORDER.debug "$order"
fi
img=$PORTRES_BUILD/$k/initramfs-$mode.cpio.gz
PORTRES_TIMEOUT_SCALE=${PORTRES_DEBUG_SCALE:-4} \
	"$Q/initramfs.sh" -o "$img" -k "$PORTRES_BUILD/$k/portres.ko" -t "$sel" -r "$order" >/dev/null
tmo=$(awk '$1 !~ /^#/ && NF { s += $2 + 15 } END { print s + 900 }' "$order")

start=$SECONDS
brc=0
PORTRES_BOOT_TIMEOUT=$tmo "$Q/boot.sh" $k "$img" "$klog/console.log" "$klog/tests.log" \
	2>"$klog/boot.err" || brc=$?
echo "  guest ran $((SECONDS - start))s (qemu exit $brc)"
((brc == 0)) || fail "boot: qemu exit $brc (124: hung, killed after ${tmo}s)"
count "the test results (parse-results.sh)" "$("$Q/parse-results.sh" "$order" "$klog/tests.log")"
count "the KUnit results (parse-kunit.sh)" "$("$Q/parse-kunit.sh" "$klog/console.log")"
if [[ $mode == stress ]]; then
	grep -a '^# .*\(operations\|succeeded/attempted\|rounds\|allocation points\|random faults\)' \
		"$klog/tests.log" | grep -av '^# *\(RUN\|OK\|FAIL\) ' | sed 's/^/    /' || true
fi
if splat=$("$Q/splats.sh" "$klog/console.log"); then
	pass "no kernel splats on the console"
else
	fail "kernel splats on the console ($klog/console.log):"
	echo "$splat"
fi
echo "  logs: $klog/"
echo "$passed passed, $failed failed"
((failed == 0))
