#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sparse.sh <kver>: run sparse (C=2: check every file, no rebuild needed) over
# the tree build-module.sh left in tests/build/<kver>/src. Any sparse
# warning or error is a failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage: sparse.sh <kernel-version>}
kdir=$(portres_kdir "$kver")
src=$PORTRES_BUILD/$kver/src
log=$PORTRES_LOGS/$kver/sparse.log
[[ -d $src ]] || die "no built tree $src (run build-module.sh $kver first)"
command -v sparse >/dev/null || die "sparse not installed (run tests/qemu/deps.sh)"
mkdir -p "${log%/*}"

# The kernel says which sparse it accepts (scripts/checker-valid.sh, 6.15+);
# where bookworm's is too old, use sid's (sparse-sid.sh).
check=sparse
valid=$(find -L "$kdir" "$kdir/source" -maxdepth 2 -path '*/scripts/checker-valid.sh' 2>/dev/null | head -n1 || true)
if [[ -n $valid && $(sh "$valid" sparse 2>/dev/null) != 1 ]]; then
	check=$("$(dirname "$0")/sparse-sid.sh") || die "no sparse new enough for $kver"
fi

if ! make -C "$kdir" M="$src" W=1 C=2 CHECK="$check" -j"$PORTRES_JOBS" modules >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "sparse run failed for $kver (log: $log)"
fi
# A kernel that finds sparse unfit warns and checks nothing: that is a failure.
if grep -E 'sparse is not available|: (warning|error):' "$log" >&2; then
	die "sparse found problems for $kver (log: $log)"
fi
