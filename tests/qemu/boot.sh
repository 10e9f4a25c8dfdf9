#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# boot.sh <kver> <initramfs> <console-log> [<tests-log>]
# Boot the kernel of tier <kver> (lib.sh: portres_kimage) under QEMU (TCG: the host has no KVM) with the given
# initramfs. The kernel console (ttyS0) goes to <console-log>, or to the
# terminal if it is "-"; the guest's second port (ttyS1, test output) goes to
# <tests-log> (default: /dev/null). The guest ends with reboot -f, which
# -no-reboot turns into a QEMU exit; PORTRES_BOOT_TIMEOUT (s, default 900)
# bounds a hung guest. Extra kernel arguments: PORTRES_APPEND; extra QEMU
# arguments (split at spaces, e.g. a -drive): PORTRES_QEMU_EXTRA.
# Exit status: QEMU's, 124 on timeout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: boot.sh <kver> <initramfs> <console-log> [<tests-log>]}
initrd=${2:?usage: boot.sh <kver> <initramfs> <console-log> [<tests-log>]}
log=${3:?usage: boot.sh <kver> <initramfs> <console-log> [<tests-log>]}
tlog=${4:-/dev/null}
kernel=$(portres_kimage "$kver")
tmo=${PORTRES_BOOT_TIMEOUT:-900}
mem=${PORTRES_QEMU_MEM:-1024}
# Two vCPUs run by one host thread (thread=single), for every kernel: under
# multi-threaded TCG a vCPU was seen executing an int3 that text_poke_bp
# (static keys at boot, ftrace when hooks attach) had already removed, and
# the guest died with "Oops: int3": an emulation race, never seen
# single-threaded. PORTRES_QEMU_ACCEL overrides it (e.g. tcg,thread=multi).
accel=${PORTRES_QEMU_ACCEL:-tcg,thread=single}
if [[ $kver == debug ]]; then
	# The debug test kernel: KASAN's shadow and lockdep want more memory.
	mem=${PORTRES_QEMU_MEM:-2048}
fi

[[ -e $kernel ]] || die "no kernel image $kernel"
[[ -r $kernel ]] || die "$kernel is not readable (Debian makes it root-only: run as root)"
[[ -f $initrd ]] || die "no initramfs $initrd"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run tests/qemu/deps.sh)"

if [[ $log == - ]]; then
	console=(-serial stdio)
else
	mkdir -p "$(dirname "$log")"
	: >"$log"
	console=(-serial "file:$log")
fi
[[ $tlog == /dev/null ]] || { mkdir -p "$(dirname "$tlog")"; : >"$tlog"; }

# panic=-1 + -no-reboot: a panic ends the VM at once instead of hanging.
# no_timer_check: a host busy with builds can starve the emulated timer
# during boot, and the IO-APIC timer check then panics the guest.
append="console=ttyS0,115200 no_timer_check panic=-1 printk.time=1 loglevel=7 ${PORTRES_APPEND:-}"
extra=()
[[ -z ${PORTRES_QEMU_EXTRA:-} ]] || read -ra extra <<<"$PORTRES_QEMU_EXTRA"
start=$SECONDS
rc=0
timeout -k 10 "$tmo" qemu-system-x86_64 \
	-accel "$accel" -smp 2 -m "$mem" \
	-nographic -nodefaults -no-user-config -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	"${console[@]}" -serial "file:$tlog" \
	-monitor none -net none "${extra[@]}" </dev/null || rc=$?
secs=$((SECONDS - start))
if ((rc == 124)); then
	echo "boot.sh: $kver guest timed out after ${tmo}s" >&2
else
	echo "boot.sh: $kver guest ran ${secs}s (qemu exit $rc)" >&2
fi
exit $rc
