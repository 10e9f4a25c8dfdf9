#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# list.sh [<kver>]: what `portresctl show` and `who` cost against the
# /proc/net/port_reservations text, with 1,000 and 10,000 persistent
# reservations, counted in guest instructions (one QEMU boot, -smp 1
# -icount shift=0,sleep=off: the guest's TSC advances by one per
# instruction). The guest runs tests/bench/list_bench.c (see there) from
# the selftests' initramfs; output lines "list_bench N NAME MEDIAN MIN MAX"
# on stdout. Default kernel: the installed 6.12. Builds in
# tests/build/listbench/ (needs the selftests build for portresctl and
# libportres.a). PORTRES_LISTBENCH_ROUNDS: counted rounds (default 7).
set -euo pipefail
. "$(dirname "$0")/../qemu/lib.sh"
Q=$PORTRES_ROOT/tests/qemu
kver=${1:-$(PORTRES_DEBUG_KERNEL=0 "$Q/kernels.sh" 2>/dev/null | grep '^6\.12\.' | head -n1)}
rounds=${PORTRES_LISTBENCH_ROUNDS:-7}
sel=$PORTRES_BUILD/selftests
out=$PORTRES_BUILD/listbench
logs=$PORTRES_LOGS/listbench-$kver
[[ -f $sel/userspace/libportres.a && -x $sel/portresctl ]] ||
	die "no $sel/userspace/libportres.a or portresctl: make -C tests/selftests O=$sel"
rm -rf "$out"
mkdir -p "$out/tests" "$logs"
gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$PORTRES_ROOT/uapi" \
	-I"$PORTRES_ROOT/userspace/include" -o "$out/tests/list_bench" \
	"$PORTRES_ROOT/tests/bench/list_bench.c" "$sel/userspace/libportres.a"
cp "$sel/portresctl" "$out/tests/portresctl"
cat >"$out/tests/list_bench_run" <<EOS
#!/bin/sh
echo "1..2"
list_bench 1000 $rounds && echo "ok 1 - 1000" || echo "not ok 1 - 1000"
list_bench 10000 $rounds && echo "ok 2 - 10000" || echo "not ok 2 - 10000"
EOS
chmod 755 "$out/tests/list_bench_run"
echo "list_bench_run 1800" >"$out/ORDER"
"$Q/build-module.sh" "$kver" >"$logs/build.log" 2>&1 || die "module build failed ($logs/build.log)"
"$Q/initramfs.sh" -o "$out/initramfs.cpio.gz" -k "$PORTRES_BUILD/$kver/portres.ko" \
	-t "$out/tests" -r "$out/ORDER" >"$logs/initramfs.log" 2>&1 || die "initramfs failed"
PORTRES_QEMU_EXTRA="-smp 1 -icount shift=0,sleep=off" PORTRES_BOOT_TIMEOUT=2400 \
	"$Q/boot.sh" "$kver" "$out/initramfs.cpio.gz" "$logs/console.log" "$logs/tests.log" ||
	die "guest failed (logs in $logs)"
grep -q '^ok 2' "$logs/tests.log" || die "list_bench failed: $(grep -v '^PORTRES' "$logs/tests.log" | tail -n 5)"
tr -d '\r' <"$logs/tests.log" | grep '^list_bench '
