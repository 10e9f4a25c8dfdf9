#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-module.sh <kver>: build portres.ko for one kernel with W=1 in a private
# copy of the sources (so kernels never share objects), into
# tests/build/<kver>/portres.ko. Any "warning:" in the build log is a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: build-module.sh <kernel-version>}
kdir=$(portres_kdir "$kver")
[[ -d $kdir ]] || die "no build dir $kdir (is linux-headers-$kver installed?)"

out=$PORTRES_BUILD/$kver
src=$out/src
log=$PORTRES_LOGS/$kver/build.log
mkdir -p "$out" "${log%/*}"
rm -rf "$src" "$out/portres.ko"
mkdir -p "$src"
for f in Kbuild Makefile module uapi; do
	[[ -e $PORTRES_ROOT/$f ]] || die "missing $f in $PORTRES_ROOT"
done
# Sources only: objects and .cmd files of an in-tree `make module` must not
# leak in (stale objects would skip the W=1 compile).
(cd "$PORTRES_ROOT" && cp Kbuild Makefile "$src/" &&
	cp --parents packaging/debian/changelog "$src/" &&
	find module uapi -type f \( -name '*.[chS]' -o -name Kbuild -o -name Makefile \) \
		-exec cp --parents {} "$src/" \;)

if ! make -C "$kdir" M="$src" W=1 -j"$PORTRES_JOBS" modules >"$log" 2>&1; then
	grep -E -i 'error|warning' "$log" | head -n 40 >&2 || tail -n 40 "$log" >&2
	die "module build failed for $kver (log: $log)"
fi
# Case-insensitive: modpost says "WARNING: modpost: ...".
if grep -i 'warning:' "$log" >&2; then
	die "module build for $kver has warnings (log: $log)"
fi
[[ -f $src/portres.ko ]] || die "build for $kver produced no portres.ko (log: $log)"
cp "$src/portres.ko" "$out/portres.ko"
echo "$out/portres.ko"
