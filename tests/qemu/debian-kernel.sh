#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# debian-kernel.sh <suite> <flavour>: the newest Debian kernel of <flavour>
# (amd64, rt-amd64) in <suite> (sid, trixie-backports), ready to boot and to
# build modules against. Prints its release (7.3.4+deb13-amd64).
#
# The host's apt sources are left alone: the suite gets its own apt
# configuration under the cache, and its packages are only downloaded and
# extracted, never installed:
#   linux-binary-<abi> (older: linux-image-<abi>-unsigned)  -> vmlinuz
#   linux-modules-<abi> + linux-base-<abi> (older: the image) -> the modules
#       the disk-using guests load (lib.sh PORTRES_GUEST_MODULES), depmod'ed
#   linux-headers-<abi>                                    -> .config, Module.symvers
#   linux-source-X.Y of the same version                   -> a build tree
# Debian's prebuilt kbuild tools want a newer glibc than bookworm's, so the
# tree is prepared here (olddefconfig, modules_prepare with the release as
# KERNELRELEASE, so that vermagic matches). Cached by release:
#   ${PORTRES_CACHE:-/var/cache/portres}/kernels/<abi>/{vmlinuz,build/,modules/}
# A tree prepared before modules/ was kept gets it added (one download).
# Exit status: 0 ready, 2 the archive does not offer such a kernel, 1 other
# failure; the reason is on stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: debian-kernel.sh <suite> <flavour>}
flavour=${2:?usage: debian-kernel.sh <suite> <flavour>}
cache=$(portres_cache)

portres_apt_suite "$suite"

# linux-headers-<flavour> depends on linux-headers-<abi>: that names the kernel.
meta=linux-headers-$flavour
abi=$(portres_apt_abi "$flavour")
if [[ -z $abi ]]; then
	echo "debian-kernel.sh: $suite offers no $meta: kernel skipped" >&2
	exit 2
fi
version=$(apt-cache "${apt_opts[@]}" show --no-all-versions "linux-headers-$abi" |
	sed -n 's/^Version: //p')
series=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$abi")

kdir=$cache/kernels/$abi
image=linux-binary-$abi
apt-cache "${apt_opts[@]}" show "$image" >/dev/null 2>&1 || image=linux-image-$abi-unsigned
apt-cache "${apt_opts[@]}" show "$image" >/dev/null 2>&1 || image=linux-image-$abi
# The modules: their own package (7.x), else in the image.
modpkgs=()
for p in "linux-modules-$abi" "linux-base-$abi"; do
	apt-cache "${apt_opts[@]}" show "$p" >/dev/null 2>&1 && modpkgs+=("$p=$version")
done
((${#modpkgs[@]})) || modpkgs=("$image=$version")

# keep_modules <root>: the guests' modules of the extracted package <root>
# into $kdir/modules (a /lib/modules/<abi> with only those).
keep_modules() {
	local m
	m=$(find "$1" -maxdepth 4 -type d -path "*/lib/modules/$abi" | head -n1)
	[[ -n $m && -f $m/modules.order ]] || die "$image: no lib/modules/$abi/modules.order"
	# The package has no modules.dep (its postinst runs depmod): make one,
	# where this depmod looks (<base>/lib/modules; newer packages ship
	# /usr/lib/modules).
	if [[ $m != "$1/lib/modules/$abi" ]]; then
		mkdir -p "$1/lib/modules"
		mv "$m" "$1/lib/modules/$abi"
		m=$1/lib/modules/$abi
	fi
	if ! depmod -b "$1" "$abi" >"$kdir/depmod.log" 2>&1 || [[ ! -s $m/modules.dep ]]; then
		tail -n 5 "$kdir/depmod.log" >&2
		die "depmod for $abi failed"
	fi
	rm -rf "$kdir/modules"
	# shellcheck disable=SC2086 # a list of names
	portres_copy_modules "$m" "$kdir/modules" $PORTRES_GUEST_MODULES >/dev/null
	cp "$m"/modules.{builtin,order,softdep} "$kdir/modules/" 2>/dev/null || true
	touch "$kdir/modules/done"
}

if [[ -f $kdir/done ]]; then
	if [[ ! -f $kdir/modules/done ]]; then
		note "adding the guests' modules to $kdir"
		rm -rf "$kdir/debs"
		mkdir -p "$kdir/debs"
		(cd "$kdir/debs" && apt-get "${apt_opts[@]}" -q download "${modpkgs[@]}") \
			>"$kdir/download.log" 2>&1 ||
			{ tail -n 5 "$kdir/download.log" >&2; die "cannot download ${modpkgs[*]}"; }
		for deb in "$kdir"/debs/*.deb; do
			dpkg-deb -x "$deb" "$kdir/debs/root"
		done
		keep_modules "$kdir/debs/root"
		rm -rf "$kdir/debs"
	fi
	echo "$abi"
	exit 0
fi
note "preparing Debian $suite $flavour kernel $abi ($version) in $kdir"
start=$SECONDS
rm -rf "$kdir"
mkdir -p "$kdir/debs"

[[ ${modpkgs[0]} == "$image=$version" ]] && modpkgs=()
(cd "$kdir/debs" && apt-get "${apt_opts[@]}" -q download \
	"$image=$version" "linux-headers-$abi=$version" "${modpkgs[@]}") >"$kdir/download.log" 2>&1 ||
	{ tail -n 5 "$kdir/download.log" >&2; die "cannot download $image and linux-headers-$abi"; }
for deb in "$kdir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$kdir/debs/root"
done
keep_modules "$kdir/debs/root"
vmlinuz=$(find "$kdir/debs/root" -name "vmlinuz-$abi" -o -name vmlinuz -path "*/$abi/*" | head -n1)
hdr=$kdir/debs/root/usr/src/linux-headers-$abi
[[ -n $vmlinuz && -f $hdr/.config && -f $hdr/Module.symvers ]] ||
	die "$image/linux-headers-$abi: no vmlinuz, .config or Module.symvers"

# The source, extracted once per version and shared by its flavours.
src=$cache/src/linux-$version
mkdir -p "$cache/src"
exec 6>"$cache/src/.lock-$version"
flock 6
if [[ ! -f $src/done ]]; then
	rm -rf "$src"
	mkdir -p "$src/debs"
	(cd "$src/debs" && apt-get "${apt_opts[@]}" -q download "linux-source-$series=$version") \
		>"$src/download.log" 2>&1 ||
		{ tail -n 5 "$src/download.log" >&2; die "cannot download linux-source-$series=$version"; }
	dpkg-deb --fsys-tarfile "$src"/debs/linux-source-*.deb |
		tar -xO --wildcards '*/linux-source-*.tar.xz' | tar -xJ -C "$src" ||
		die "cannot extract linux-source-$series"
	rm -rf "$src/debs"
	touch "$src/done"
fi
flock -u 6
tree=$(echo "$src"/linux-source-*)
[[ -f $tree/Makefile ]] || die "no kernel tree in $src"

build=$kdir/build
mkdir -p "$build"
cp "$hdr/.config" "$build/.config"
log=$kdir/prepare.log
{
	make -C "$tree" O="$build" olddefconfig &&
		make -C "$tree" O="$build" KERNELRELEASE="$abi" -j"$PORTRES_JOBS" modules_prepare
} >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "modules_prepare for $abi failed (log: $log)"; }
cp "$hdr/Module.symvers" "$build/Module.symvers"
[[ $(cat "$build/include/config/kernel.release") == "$abi" ]] ||
	die "the prepared tree says $(cat "$build/include/config/kernel.release"), not $abi"
cp "$vmlinuz" "$kdir/vmlinuz"
rm -rf "$kdir/debs"
echo "$suite $flavour $version" >"$kdir/origin"
touch "$kdir/done"
note "kernel $abi ready in $((SECONDS - start))s"
echo "$abi"
