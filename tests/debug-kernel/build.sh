#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh [--dir]: build the portres debug test kernel (PREEMPT_RT, KUnit, KASAN,
# lockdep, kmemleak, fault injection) from Debian's linux-source-6.12, once
# per machine. x86_64_defconfig + tests/debug-kernel/config.fragment, built
# in a cache outside the repository:
#   ${PORTRES_CACHE:-/var/cache/portres}/debug-kernel-<key>/linux
# where <key> hashes the fragment, the source tarball's name and size, and
# this script's recipe version. A matching, finished cache is reused as is
# (a second run is a no-op). Prints the kernel tree (bzImage at
# arch/x86/boot/bzImage; external modules build with make -C <tree> M=...).
# --dir: only print where the tree is (or would be); exit 1 if not built.
set -euo pipefail
. "$(dirname "$0")/../qemu/lib.sh"

recipe=1 # bump when the build steps below change
here=$PORTRES_ROOT/tests/debug-kernel
frag=$here/config.fragment
tarball=${PORTRES_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
[[ -f $frag ]] || die "no $frag"
[[ -f $tarball ]] || die "no $tarball (install linux-source-6.12: tests/qemu/deps.sh)"
key=$({ cat "$frag"; stat -c '%n %s' "$tarball"; echo "recipe $recipe"; } |
	sha256sum | cut -c1-16)
cache_root=${PORTRES_CACHE:-/var/cache/portres}
mkdir -p "$cache_root" 2>/dev/null || cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/portres
cache=$cache_root/debug-kernel-$key
tree=$cache/linux

if [[ ${1:-} == --dir ]]; then
	echo "$tree"
	[[ -f $cache/done ]]
	exit
fi
[[ -f $cache/done ]] && { echo "$tree"; exit 0; }

mkdir -p "$cache"
exec 8>"$cache/.lock"
flock -n 8 || { note "another build of $cache is under way; waiting"; flock 8; }
[[ -f $cache/done ]] && { echo "$tree"; exit 0; }

log=$cache/build.log
start=$SECONDS
note "building the debug kernel in $tree (about 10 minutes on 2 cores; log: $log)"
if [[ ! -f $cache/extracted ]]; then
	rm -rf "$tree" "$cache/.x"
	mkdir -p "$cache/.x"
	tar -xJf "$tarball" -C "$cache/.x" || die "cannot extract $tarball"
	mv "$cache/.x"/linux-source-* "$tree"
	rmdir "$cache/.x"
	touch "$cache/extracted"
fi

kmake() { make -C "$tree" -j"$PORTRES_JOBS" "$@" >>"$log" 2>&1; }
: >"$log"
{
	kmake x86_64_defconfig &&
		(cd "$tree" && scripts/kconfig/merge_config.sh -m .config "$frag") >>"$log" 2>&1 &&
		kmake olddefconfig
} || { tail -n 30 "$log" >&2; die "debug kernel configuration failed (log: $log)"; }

# Every "=y" of the fragment must have survived olddefconfig (a missing
# dependency silently drops an option).
lost=$(grep -E '^CONFIG_[A-Z0-9_]+=y$' "$frag" | while read -r want; do
	grep -qx "$want" "$tree/.config" || echo "$want"
done)
[[ -z $lost ]] || die "debug kernel config lost: $(echo $lost) (log: $log)"

kmake bzImage modules || { grep -E 'error|Error' "$log" | tail -n 30 >&2; die "debug kernel build failed (log: $log)"; }
kmake modules_prepare || die "modules_prepare failed (log: $log)"
[[ -f $tree/arch/x86/boot/bzImage && -f $tree/Module.symvers ]] ||
	die "debug kernel build left no bzImage or Module.symvers (log: $log)"
make -s -C "$tree" kernelrelease >"$cache/kernelrelease"
echo "$((SECONDS - start))" >"$cache/build-seconds"
touch "$cache/done"
note "debug kernel $(cat "$cache/kernelrelease") built in $((SECONDS - start))s"
echo "$tree"
