#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sparse-sid.sh: print the path of a sparse new enough for the newest
# kernels. 7.x's scripts/checker-valid.sh wants __typeof_unqual__, which
# bookworm's sparse 0.6.4 lacks (the kernel then turns C=2 off with a
# warning), so sid's source package is downloaded (its own apt
# configuration, see portres_apt_suite) and built once into
# $(portres_cache)/sparse-<version>/. Only the sparse binary is built.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

portres_apt_suite sid
ver=$(apt-cache "${apt_opts[@]}" showsrc sparse 2>/dev/null |
	sed -n 's/^Version: //p' | sort -V | tail -n1)
[[ -n $ver ]] || die "sid offers no sparse source package"
dir=$(portres_cache)/sparse-$ver
if [[ ! -f $dir/done ]]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && apt-get "${apt_opts[@]}" -q source --download-only "sparse=$ver") \
		>"$dir/download.log" 2>&1 || { tail -n 5 "$dir/download.log" >&2; die "downloading sparse $ver failed"; }
	tar -xf "$dir"/sparse_*.orig.tar.* -C "$dir"
	src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name 'sparse*' | head -n1)
	[[ -n $src ]] || die "sparse $ver: no source directory in its tarball"
	make -C "$src" -j"$PORTRES_JOBS" sparse >"$dir/build.log" 2>&1 ||
		{ tail -n 20 "$dir/build.log" >&2; die "building sparse $ver failed (log: $dir/build.log)"; }
	ln -s "${src#"$dir"/}/sparse" "$dir/sparse"
	touch "$dir/done"
fi
echo "$dir/sparse"
