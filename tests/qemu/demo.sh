#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot the 6.12 kernel under QEMU, load portres.ko and run the
# seed flow so a person can watch each step: userspace/examples/demo.sh if it
# exists (the example programs are on its PATH), else every example program in
# turn. The guest console streams to the terminal (kernel noise filtered with
# quiet loglevel=3) and is kept in tests/build/logs/demo.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
Q=$PORTRES_ROOT/tests/qemu
portres_lock

"$Q/deps.sh"
# The demo needs only 6.12; take it even if 6.1 is missing.
k=$("$Q/kernels.sh" 2>/dev/null || true)
k=$(grep '^6\.12\.' <<<"$k" | head -n1) || true
[[ -n $k ]] || die "no 6.12 kernel found (tests/qemu/kernels.sh; run tests/qemu/deps.sh)"
note "building portres.ko for $k"
"$Q/build-module.sh" "$k" >/dev/null
note "building the examples (static)"
ex=$PORTRES_BUILD/examples
rm -rf "$ex"
"$Q/build-examples.sh" "$ex"
script=()
[[ -f $PORTRES_ROOT/userspace/examples/demo.sh ]] && script=(-s "$PORTRES_ROOT/userspace/examples/demo.sh")
[[ -n ${script[*]} ]] || compgen -G "$ex/*" >/dev/null ||
	die "nothing to demo: no userspace/examples/demo.sh and no userspace/examples/*.c"
img=$PORTRES_BUILD/$k/demo.cpio.gz
"$Q/initramfs.sh" -m demo -o "$img" -k "$PORTRES_BUILD/$k/portres.ko" -e "$ex" "${script[@]}" >/dev/null

mkdir -p "$PORTRES_LOGS"
log=$PORTRES_LOGS/demo.log
note "booting $k (software emulation, a few seconds)"
# The guest speaks CRLF and the firmware clears the screen: strip both so the
# terminal and the log show plain lines. Markers become short status lines.
PORTRES_APPEND="quiet loglevel=3" "$Q/boot.sh" "$k" "$img" - |
	sed -u -e 's/\r$//' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' \
		-e '/^SeaBIOS (version/d' -e '/^Booting from ROM/d' -e '/\] reboot: /d' \
		-e '/^PORTRES-BOOTED/s/^PORTRES-BOOTED kernel=/[guest] booted Linux /' \
		-e 's/^PORTRES-INSMOD-OK$/[guest] insmod portres.ko: ok/' \
		-e 's/^PORTRES-INSMOD-FAILED rc=/[guest] insmod portres.ko FAILED, exit /' \
		-e 's/^PORTRES-DEMO-EXIT rc=/[guest] demo finished, exit /' \
		-e '/^PORTRES-DONE$/d' | tee "$log"

grep -q '^\[guest\] demo finished, exit 0$' "$log" || die "the demo failed (log: $log)"
