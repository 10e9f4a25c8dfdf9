#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the kernels to test, one per line:
#  - the newest installed bookworm 6.12 and 6.1 generic amd64 kernels that
#    have both a bootable image and a build dir (an installed release);
#  - <suite>:<flavour> for the newest kernels of other Debian suites, which
#    run.sh fetches with debian-kernel.sh: sid (mainline), trixie-backports
#    and its PREEMPT_RT flavour;
#  - "debug", the debug test kernel (tests/debug-kernel/), built on first use.
# PORTRES_KERNELS="ver|suite:flavour ..." overrides the list (for local
# iteration); PORTRES_DEBUG_KERNEL=0 leaves the debug kernel out.
set -euo pipefail

if [[ -n ${PORTRES_KERNELS:-} ]]; then
	tr ' ' '\n' <<<"$PORTRES_KERNELS" | sed '/^$/d'
	exit 0
fi

newest() {
	local series=$1 v vers=()
	for img in /boot/vmlinuz-"$series".*; do
		[[ -e $img ]] || continue
		v=${img#/boot/vmlinuz-}
		# Generic flavour only (6.1.0-56-amd64, 6.12.117+deb12-amd64), not -rt/-cloud.
		[[ $v =~ ^${series//./\\.}\.[0-9]+[^-]*(-[0-9]+)?-amd64$ ]] || continue
		[[ -d /lib/modules/$v/build ]] || continue
		vers+=("$v")
	done
	((${#vers[@]})) || return 1
	printf '%s\n' "${vers[@]}" | sort -V | tail -n1
}

rc=0
for series in 6.12 6.1; do
	newest "$series" || {
		echo "error: no installed $series amd64 kernel with /boot/vmlinuz-* and /lib/modules/*/build" \
			"(run tests/qemu/deps.sh)" >&2
		rc=1
	}
done
printf '%s\n' sid:amd64 trixie-backports:amd64 trixie-backports:rt-amd64
[[ ${PORTRES_DEBUG_KERNEL:-1} == 0 ]] || echo debug
exit $rc
