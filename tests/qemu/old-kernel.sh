#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# old-kernel.sh: `make module KDIR=<a kernel older than 6.1>` must stop at
# once with one line that says what is missing. The old kernel is Debian
# bullseye's 5.10 as its headers packages ship it (downloaded, never
# installed; cached), with the headers' absolute include moved to where
# they were extracted.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${PORTRES_OLD_SUITE:-bullseye}
portres_apt_suite "$suite"
abi=$(portres_apt_abi amd64)
[[ -n $abi ]] || die "$suite offers no linux-headers-amd64"
root=$(portres_cache)/old-kernels/$abi
kdir=$root/usr/src/linux-headers-$abi
if [[ ! -f $root/done ]]; then
	rm -rf "$root"
	mkdir -p "$root/debs"
	common=$(apt-cache "${apt_opts[@]}" depends "linux-headers-$abi" |
		sed -n 's/^ *Depends: \(linux-headers-[^ ]*-common\)$/\1/p' | head -n1)
	(cd "$root/debs" && apt-get "${apt_opts[@]}" -q download "linux-headers-$abi" "$common") \
		>"$root/download.log" 2>&1 || die "cannot download linux-headers-$abi"
	for deb in "$root"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
	rm -rf "$root/debs"
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$kdir/Makefile"
	touch "$root/done"
fi

out=$(make -s -C "$PORTRES_ROOT" module KDIR="$kdir" 2>&1) && {
	echo "make module KDIR=$kdir succeeded on $abi" >&2
	exit 1
}
echo "$out"
[[ $(wc -l <<<"$out") == 1 ]] || die "expected one line for $abi, got $(wc -l <<<"$out")"
grep -q 'needs Linux 6.1 or later' <<<"$out" || die "the line does not say what is missing"
