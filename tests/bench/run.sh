#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: one QEMU boot (TCG, 2 vCPUs) of Debian's 6.12 kernel running
# tests/bench/portres_bench.c, which alternates the configurations (module
# absent / loaded, no reservation / 10,000 reservations outside the
# ephemeral range / 10,000 spread through it / the same ports as plain
# ip_local_reserved_ports) round after round and prints medians and ratios.
# The result goes to the terminal and to tests/bench/RESULTS.md.
#
# Builds in tests/build/bench/ (its own lock, so it can run beside make test).
# Knobs: PORTRES_BENCH_ROUNDS (counted rounds, default 13),
# PORTRES_BENCH_MS (target ms per measurement, default 200),
# PORTRES_BENCH_NICE (nice value for QEMU when run as root, default -5: the
# host may be busy with builds, and TCG timings follow the host's load),
# PORTRES_BENCH_RESULTS (output file, default tests/bench/RESULTS.md),
# PORTRES_QEMU_MEM (default here 2048), PORTRES_KERNELS (to pick another 6.12).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export PORTRES_BUILD=${PORTRES_BENCH_BUILD:-$root/tests/build/bench}
. "$root/tests/qemu/lib.sh"
Q=$PORTRES_ROOT/tests/qemu
cd "$PORTRES_ROOT"
portres_lock
start=$SECONDS

rounds=${PORTRES_BENCH_ROUNDS:-13}
ms=${PORTRES_BENCH_MS:-200}
nice=()
if ((EUID == 0)) && [[ ${PORTRES_BENCH_NICE:--5} != 0 ]]; then
	nice=(nice -n "${PORTRES_BENCH_NICE:--5}")
fi
results=${PORTRES_BENCH_RESULTS:-$PORTRES_ROOT/tests/bench/RESULTS.md}

"$Q/deps.sh" || die "cannot install the packages the bench needs"
k=$(PORTRES_DEBUG_KERNEL=0 "$Q/kernels.sh" 2>/dev/null || true)
k=$(grep '^6\.12\.' <<<"$k" | head -n1) || true
[[ -n $k ]] || die "no 6.12 kernel found (tests/qemu/kernels.sh; run tests/qemu/deps.sh)"

note "building portres.ko for $k (in $PORTRES_BUILD)"
"$Q/build-module.sh" "$k" >/dev/null

guest=$PORTRES_BUILD/guest
rm -rf "$guest"
mkdir -p "$guest"
note "building portres_bench (static)"
gcc -static -O2 -Wall -Wextra -Werror -I"$PORTRES_ROOT/uapi" \
	-o "$guest/portres_bench" tests/bench/portres_bench.c -lm
# The guest's /init runs what ORDER lists from /tests; this wrapper passes
# the knobs.
printf '#!/bin/sh\nexec /tests/portres_bench -r %d -t %d\n' "$rounds" "$ms" >"$guest/bench.sh"
chmod +x "$guest/bench.sh"
tmo=$((600 + rounds * 300))
echo "bench.sh $tmo" >"$guest/ORDER"
img=$PORTRES_BUILD/$k/bench.cpio.gz
"$Q/initramfs.sh" -o "$img" -k "$PORTRES_BUILD/$k/portres.ko" -t "$guest" \
	-r "$guest/ORDER" >/dev/null

logs=$PORTRES_LOGS/$k
mkdir -p "$logs"
note "booting $k under QEMU (TCG, 2 vCPUs): $rounds rounds + 1 warm-up; progress in $logs/bench.log"
brc=0
PORTRES_QEMU_MEM=${PORTRES_QEMU_MEM:-2048} PORTRES_BOOT_TIMEOUT=$((tmo + 300)) \
	"${nice[@]}" "$Q/boot.sh" "$k" "$img" "$logs/console.log" "$logs/bench.log" || brc=$?
tr -d '\r' <"$logs/bench.log" >"$logs/bench.txt"
if ! grep -q '^BENCH-MD-END' "$logs/bench.txt"; then
	grep -E 'BENCH-ERROR|PORTRES-END' "$logs/bench.txt" >&2 || true
	tail -n 20 "$logs/bench.txt" >&2
	die "the bench did not finish (qemu exit $brc; logs: $logs/)"
fi
splats=ok
if ! out=$("$Q/splats.sh" "$logs/console.log"); then
	splats="kernel splats on the console during the run:"$'\n'"$out"
fi

body=$(sed -n '/^BENCH-MD-BEGIN/,/^BENCH-MD-END/p' "$logs/bench.txt" | sed '1d;$d')
guest_secs=$(sed -n 's/^BENCH-DONE \([0-9.]*\) s$/\1/p' "$logs/bench.txt")
kernel=$(sed -n 's/^PORTRES-BOOTED kernel=//p' "$logs/bench.txt" | head -n1)
rev=$(git -C "$PORTRES_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=
if ! git -C "$PORTRES_ROOT" diff --quiet HEAD -- module Kbuild uapi 2>/dev/null; then
	dirty=" with uncommitted changes in module/ (the working tree was measured)"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
wall=$((SECONDS - start))

{
	echo "# portres benchmark results"
	echo
	echo "Made by \`make bench\` (tests/bench/run.sh, tests/bench/portres_bench.c); figures are real, from one run."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- kernel: Debian $kernel (the guest's \`uname -r\`)"
	echo "- machine: QEMU TCG (software emulation, no KVM), 2 vCPUs, ${PORTRES_QEMU_MEM:-2048} MiB; host CPU: ${cpu:-unknown}, $(nproc) cores"
	echo "- module: portres.ko built from commit $rev$dirty"
	echo "- one boot; $rounds counted rounds + 1 warm-up, ~${ms} ms per measurement; bench in the guest ${guest_secs:-?} s; \`make bench\` wall time ${wall} s"
	echo "- host load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other builds and test guests may share the host; QEMU ran at nice ${nice[2]:-0})"
	echo "- kernel console: $([[ $splats == ok ]] && echo "no splats" || echo "SPLATS, see below")"
	echo
	echo "Under TCG every guest instruction is emulated: absolute times are 10-50x those of real hardware and"
	echo "noise is larger than the 3-5 % targets; the configurations therefore alternate inside every round"
	echo "and each figure is the median over rounds of the round's fastest chunk (the noise table shows the spread)."
	echo
	echo "$body"
	if [[ $splats != ok ]]; then
		echo
		echo '```'
		echo "$splats"
		echo '```'
	fi
} >"$results"

echo
echo "$body"
echo
[[ $splats == ok ]] || echo "$splats"
note "results written to $results (make bench wall time ${wall} s)"
