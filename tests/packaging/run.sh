#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/packaging/run.sh: the packages (issue 13) as checks for tests/run.sh.
#  1. `make deb`: exactly portres-dkms, libportres0, libportres-dev and
#     portresctl, at the version of packaging/debian/changelog; their
#     contents and relations;
#  2. lintian --fail-on error,warning on all four; every override commented;
#  3. `make rpm`: the source RPM and portres, portres-devel, portres-dkms,
#     checked with rpm -qlp;
#  4. a throw-away bookworm root (mmdebstrap from the same mirror, cached
#     as a tarball in /var/cache/portres/pkgroot-<key of its package list>/),
#     with the host's kernel build trees mounted read-only: dpkg -i, DKMS
#     builds for every kernel of the matrix whose build tree is there (the
#     installed 6.1 and 6.12 through the postinst, the prepared trees under
#     /var/cache/portres/kernels with --kernelsourcedir), pkg-config links,
#     dpkg -r, dpkg --purge, and the file list compared with the one before
#     (tests/packaging/chroot.sh);
#  5. QEMU on 6.12: portresctl and libportres0 unpacked from the .debs, the
#     module DKMS built in that root, and the unit's ExecStartPre and daemon do
#     the seed flow (tests/packaging/guest.sh).
# Prints "  PASS ..."/"  FAIL ..." lines and, last, "@@count <passed>
# <failed>". Logs: $PORTRES_BUILD/logs/packaging/. Needs root (chroot,
# mounts) and the tools tests/qemu/deps.sh installs.
set -euo pipefail
. "$(dirname "$0")/../qemu/lib.sh"
T=$PORTRES_ROOT/tests/packaging
Q=$PORTRES_ROOT/tests/qemu
out=$PORTRES_BUILD/packaging
logs=$PORTRES_LOGS/packaging
. "$Q/checks.sh"
t0=$SECONDS
step=$SECONDS
took() { echo "  ($1: $((SECONDS - step))s)"; step=$SECONDS; }

rm -rf "$out" "$logs"
mkdir -p "$out" "$logs"
((EUID == 0)) || give_up "the packaging test needs root (chroot, mounts)"

# The version: the changelog's, as the Makefile reads it.
ver=$(make -s -C "$PORTRES_ROOT" --no-print-directory version)
clv=$(dpkg-parsechangelog -l "$PORTRES_ROOT/packaging/debian/changelog" -S Version)
[[ -n $ver && ${clv%-*} == "$ver" ]] || give_up "make version says '$ver', the changelog '$clv'"

# 1. The Debian packages.
dist=$out/dist
if nice make -C "$PORTRES_ROOT" deb DIST="$dist" PKG_STAGE="$out/stage" \
	>"$logs/deb.log" 2>&1; then
	pass "make deb"
else
	tail -n 30 "$logs/deb.log" | indent
	give_up "make deb failed ($logs/deb.log)"
fi
declare -A deb=(
	[portres-dkms]=$dist/portres-dkms_${ver}_all.deb
	[libportres0]=$dist/libportres0_${ver}_amd64.deb
	[libportres-dev]=$dist/libportres-dev_${ver}_amd64.deb
	[portresctl]=$dist/portresctl_${ver}_amd64.deb
)
got=$(cd "$dist" && ls -1 ./*.deb | LC_ALL=C sort | tr '\n' ' ')
want=$(for p in "${!deb[@]}"; do echo "./${deb[$p]##*/}"; done | LC_ALL=C sort | tr '\n' ' ')
[[ $got == "$want" ]] && pass "dist/ holds the four packages at $ver" ||
	give_up "dist/ holds: $got; expected: $want"
took "make deb"

# Package contents: what each one must carry.
has() { # has PKG PATH-REGEX...: every pattern matches a file of the package
	local list p
	list=$(dpkg-deb -c "${deb[$1]}" | awk '{ print $6 }' | sed 's|^\./|/|')
	shift
	for p in "$@"; do
		grep -qE "^$p\$" <<<"$list" || { echo "no $p in:"; echo "$list"; return 1; }
	done
}
field() { dpkg-deb -f "${deb[$1]}" "$2"; }
dkms_conf() {
	local c
	c=$(dpkg-deb --fsys-tarfile "${deb[portres-dkms]}" |
		tar -xO "./usr/src/portres-$ver/dkms.conf") || return 1
	grep -qx "PACKAGE_VERSION=\"$ver\"" <<<"$c" && grep -q '^BUILD_EXCLUSIVE_KERNEL=' <<<"$c" &&
		[[ $(field portres-dkms Architecture) == all ]] &&
		grep -q 'dkms' <<<"$(field portres-dkms Depends)" &&
		grep -q 'linux-headers-amd64' <<<"$(field portres-dkms Recommends)"
}
check "portres-dkms: arch all, sources, dkms.conf at $ver with BUILD_EXCLUSIVE_KERNEL, dkms and headers" \
	eval 'has portres-dkms /usr/src/portres-$ver/Kbuild /usr/src/portres-$ver/Makefile \
		/usr/src/portres-$ver/module/main.c /usr/src/portres-$ver/uapi/linux/portres.h && dkms_conf'
symbols() {
	local d=$out/ctrl-libportres0
	dpkg-deb -e "${deb[libportres0]}" "$d" && cat "$d/symbols" &&
		grep -q '^libportres.so.0 libportres0 ' "$d/symbols" &&
		grep -q '^ portres_acquire@Base ' "$d/symbols" &&
		grep -q '^libportres 0 libportres0' "$d/shlibs"
}
check "libportres0: libportres.so.0, symbols and shlibs files" \
	eval 'has libportres0 "/usr/lib/x86_64-linux-gnu/libportres.so.0(\\..*)?" && symbols'
pc() {
	dpkg-deb --fsys-tarfile "${deb[libportres-dev]}" |
		tar -xO ./usr/lib/x86_64-linux-gnu/pkgconfig/portres.pc | tee /dev/stderr |
		grep -qx "Version: $ver"
}
check "libportres-dev: headers, static library, .so link, portres.pc at $ver" \
	eval 'has libportres-dev /usr/include/portres/portres.h /usr/include/linux/portres.h \
		/usr/lib/x86_64-linux-gnu/libportres.a /usr/lib/x86_64-linux-gnu/libportres.so \
		/usr/lib/x86_64-linux-gnu/pkgconfig/portres.pc && pc'
unit() {
	local u
	u=$(dpkg-deb --fsys-tarfile "${deb[portresctl]}" | tar -xO ./lib/systemd/system/portres.service)
	grep -q 'ExecStart=/usr/sbin/portresctl daemon --save /etc/portres/reservations.conf' <<<"$u" &&
		! grep -q /usr/local <<<"$u"
}
check "portresctl: the tool, both man pages, /etc/portres/, the unit pointing at /usr/sbin" \
	eval 'has portresctl /usr/sbin/portresctl /usr/share/man/man7/portres.7.gz \
		/usr/share/man/man8/portresctl.8.gz /etc/portres/ && unit'

# 2. lintian: errors and warnings fail; overrides need a reason above them.
if nice lintian --fail-on error,warning --display-level '>=warning' --show-overrides \
	"$dist"/portres_"${ver}"_*.changes >"$logs/lintian.log" 2>&1; then
	pass "lintian --fail-on error,warning: clean on all four packages"
else
	fail "lintian --fail-on error,warning ($logs/lintian.log):"
	grep -v 'root privileges' "$logs/lintian.log" | head -n 30 | indent
fi
unjustified=$(awk 'FNR == 1 { prev = "" }
	!/^[ \t]*(#|$)/ && prev !~ /^[ \t]*#/ { print FILENAME ": " $0 }
	{ prev = $0 }' /dev/null "$PORTRES_ROOT"/packaging/debian/*lintian-overrides \
	"$PORTRES_ROOT"/packaging/debian/source/lintian-overrides 2>/dev/null || true)
[[ -z $unjustified ]] && pass "every lintian override has a comment saying why" ||
	{ fail "lintian overrides without a reason:"; indent <<<"$unjustified"; }
took lintian

# 3. The RPMs.
rdist=$out/rpm
if nice make -C "$PORTRES_ROOT" rpm DIST="$rdist" PKG_STAGE="$out/rpmstage" \
	>"$logs/rpm.log" 2>&1; then
	pass "make rpm (rpmbuild -ba packaging/rpm/portres.spec)"
	rq() { # rq RPM PATH-REGEX...: rpm -qlp lists a match for each
		local r=$rdist/$1 l p
		shift
		l=$(rpm -qlp "$r" 2>/dev/null) || { echo "no $r"; return 1; }
		for p in "$@"; do
			grep -qxE "$p" <<<"$l" || { echo "$r lacks $p:"; echo "$l"; return 1; }
		done
	}
	check "rpm -qlp: source RPM (spec, tarball)" \
		rq "portres-$ver-1.src.rpm" portres.spec "portres-$ver.tar.gz"
	check "rpm -qlp: portres (portresctl, library, unit, man pages, /etc/portres)" \
		rq "portres-$ver-1.x86_64.rpm" /usr/sbin/portresctl /usr/lib64/libportres.so.0 \
		/usr/lib/systemd/system/portres.service /etc/portres '/usr/share/man/man8/portresctl.8(\.gz)?' \
		'/usr/share/man/man7/portres.7(\.gz)?'
	check "rpm -qlp: portres-devel (headers, portres.pc, static library)" \
		rq "portres-devel-$ver-1.x86_64.rpm" /usr/include/linux/portres.h \
		/usr/include/portres/portres.h /usr/lib64/pkgconfig/portres.pc /usr/lib64/libportres.a
	check "rpm -qlp: portres-dkms (module sources, dkms.conf)" \
		rq "portres-dkms-$ver-1.noarch.rpm" "/usr/src/portres-$ver/dkms.conf" \
		"/usr/src/portres-$ver/module/main.c"
else
	fail "make rpm failed ($logs/rpm.log)"
	tail -n 20 "$logs/rpm.log" | indent
fi
took "make rpm"

# 4. The throw-away root: a cached mmdebstrap tarball, keyed by its
# package list, unpacked afresh for every run.
suite=bookworm
mirror=${PORTRES_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# dkms and what the kernel build trees mounted from the host need at run
# time (what linux-kbuild-* and linux-headers-* depend on: pahole for BTF,
# libelf, libssl), liburing-dev and pkgconf for libportres-dev's users.
include=(dkms kmod libelf1 libssl3 liburing-dev openssl pahole pkgconf)
key=$(printf '%s\n' "$suite" "$mirror" variant=apt "${include[@]}" | sha256sum | cut -c1-16)
cdir=$(portres_cache)/pkgroot-$key
if [[ ! -f $cdir/done ]]; then
	mkdir -p "$cdir"
	(
		flock 8
		[[ -f $cdir/done ]] && exit 0
		rm -f "$cdir/root.tar.tmp"
		nice mmdebstrap --variant=apt --format=tar \
			--include="$(IFS=,; echo "${include[*]}")" "$suite" "$cdir/root.tar.tmp" "$mirror" &&
			mv "$cdir/root.tar.tmp" "$cdir/root.tar" &&
			printf '%s\n' "$suite $mirror" "${include[@]}" >"$cdir/packages" &&
			touch "$cdir/done"
	) 8>"$cdir/.lock" >"$logs/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$logs/mmdebstrap.log" | indent; give_up "mmdebstrap $suite failed"; }
	took "mmdebstrap (cached as $cdir)"
fi
root=$out/root
mkdir -p "$root"
tar -C "$root" -xf "$cdir/root.tar" || give_up "cannot unpack $cdir/root.tar"

# The kernels: the installed 6.1 and 6.12 (their headers and kbuild trees
# mounted read-only; /lib/modules/<kver>/build as on the host) and every
# tree prepared under the cache.
mapfile -t hostk < <(env -u PORTRES_KERNELS PORTRES_DEBUG_KERNEL=0 "$Q/kernels.sh" 2>/dev/null |
	grep -v ':' || true)
specs=()
k612=
for k in "${hostk[@]}"; do
	[[ -d /lib/modules/$k/build ]] || continue
	specs+=("$k")
	[[ $k == 6.12.* ]] && k612=$k
	mkdir -p "$root/lib/modules/$k"
	ln -sfn "$(readlink /lib/modules/"$k"/build)" "$root/lib/modules/$k/build"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[[ -f /lib/modules/$k/$f ]] && cp "/lib/modules/$k/$f" "$root/lib/modules/$k/"
	done
done
((${#specs[@]} >= 2)) || fail "the installed 6.1 and 6.12 kernels with build trees: found only ${specs[*]:-none}"
kc=$(portres_cache)/kernels
for d in "$kc"/*/; do
	d=${d%/}
	[[ -f $d/done && -f $d/build/Makefile ]] && specs+=("${d##*/}=$d/build")
done
echo "  kernels for DKMS: ${specs[*]%%=*}"
mkdir -p "$root/tmp/debs" "$root/tmp/pkgtest"
cp "${deb[@]}" "$root/tmp/debs/"
cp "$T/chroot.sh" "$T/probe.c" "$Q/checks.sh" "$root/tmp/pkgtest/"
seedc=
if seedc=$("$Q/extract-seed.sh" "$out/seed" 2>"$logs/seed.err"); then
	cp "$seedc" "$root/tmp/pkgtest/acquire_seed.c"
else
	fail "Microsoft's acquire example could not be extracted: $(cat "$logs/seed.err")"
fi
took "root unpacked"

# Mounts live in a private mount namespace: they go when it ends.
res=$(unshare -m --propagation private bash -euc '
	root=$1 cache=$2
	shift 2
	mount -t proc proc "$root/proc"
	mount --rbind /dev "$root/dev"
	mount -o bind,ro /sys "$root/sys"
	for d in /usr/src/linux-headers-* /usr/lib/linux-kbuild-*; do
		[[ -d $d ]] || continue
		mkdir -p "$root$d"
		mount -o bind,ro "$d" "$root$d"
	done
	for d in kernels src; do
		[[ -d $cache/$d ]] || continue
		mkdir -p "$root$cache/$d"
		mount -o bind,ro "$cache/$d" "$root$cache/$d"
	done
	exec nice chroot "$root" /bin/bash /tmp/pkgtest/chroot.sh "$@"
' _ "$root" "$(portres_cache)" "$ver" "${specs[@]}" 2>&1) || true
grep -v '^@@count ' <<<"$res" || true
if read -r _ p f < <(grep '^@@count ' <<<"$res"); then
	passed=$((passed + p)) failed=$((failed + f))
else
	fail "the chroot test gave no result"
	tail -n 20 <<<"$res" | indent
fi
cp -r "$root/tmp/out/." "$logs/chroot/" 2>/dev/null || { mkdir -p "$logs/chroot" && cp -r "$root/tmp/out/." "$logs/chroot/"; } || true
took "chroot: install, DKMS, pkg-config, purge"

# 5. QEMU on 6.12: the packaged userspace and the DKMS-built module.
[[ -n $k612 ]] || give_up "no installed 6.12 kernel for the QEMU seed flow"
ko=$(find "$root/tmp/out/ko/$k612" -name 'portres.ko*' 2>/dev/null | head -n 1)
[[ -n $ko ]] || give_up "no DKMS-built portres.ko for $k612 from the chroot"
[[ -x $root/tmp/out/acquire_seed ]] || fail "no acquire_seed built against the package: the seed step will fail"
g=$out/guest
rm -rf "$g"
mkdir -p "$g"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,lib64}
cp /bin/busybox "$g/bin/busybox"
while read -r applet; do
	[[ -e $g/$applet ]] || ln -s /bin/busybox "$g/$applet"
done < <(/bin/busybox --list-full)
for p in portresctl libportres0; do
	dpkg-deb -x "${deb[$p]}" "$g" || give_up "dpkg-deb -x ${deb[$p]##*/}"
done
rm -rf "$g/usr/share/doc" "$g/usr/share/man"
[[ -x $root/tmp/out/acquire_seed ]] && cp "$root/tmp/out/acquire_seed" "$g/usr/bin/"
gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$PORTRES_ROOT/uapi" \
	-o "$g/usr/bin/bindprobe" "$Q/bindprobe.c" || give_up "cannot build tests/qemu/bindprobe.c"
# The C library and what else the programs need, from the same root.
ml=usr/lib/x86_64-linux-gnu
cp -L "$root/lib64/ld-linux-x86-64.so.2" "$g/lib64/"
for _ in 1 2 3; do
	while read -r lib; do
		[[ -e $g/$ml/$lib ]] && continue
		cp -L "$root/$ml/$lib" "$g/$ml/" || give_up "no $lib in the root"
	done < <(find "$g/usr" -type f \( -perm -u+x -o -name '*.so*' \) -exec readelf -d {} + 2>/dev/null |
		sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u)
done
echo "/$ml" >"$g/etc/ld.so.conf"
ldconfig -r "$g" || give_up "ldconfig -r for the guest"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$g/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$g/etc/group"
gm=$g/lib/modules/$k612/updates/dkms
mkdir -p "$gm"
case $ko in
*.xz) xz -dc "$ko" >"$gm/portres.ko" ;;
*.zst) zstd -qdc "$ko" >"$gm/portres.ko" ;;
*) cp "$ko" "$gm/portres.ko" ;;
esac
echo "updates/dkms/portres.ko:" >"$g/lib/modules/$k612/modules.dep"
mkdir -p "$g/lib"
cp "$Q/guest-lib.sh" "$g/lib/portres-guest.sh"
cp "$T/guest.sh" "$g/init"
chmod 755 "$g/init"
initrd=$out/initramfs.cpio.gz
(cd "$g" && find . -print0 | LC_ALL=C sort -z | cpio --quiet -o -0 -H newc -R 0:0 | gzip -1) >"$initrd"
echo packaged-seed >"$out/ORDER"
con=$logs/console.log tl=$logs/tests.log
rc=0
PORTRES_APPEND="version=$ver" PORTRES_BOOT_TIMEOUT=300 \
	"$Q/boot.sh" "$k612" "$initrd" "$con" "$tl" 2>"$logs/boot.err" || rc=$?
((rc == 0)) || fail "QEMU on $k612: qemu exited with status $rc"
guest_checks "QEMU $k612" "$out/ORDER" "$tl" "$con"
took "QEMU seed flow on $k612"
rm -rf "$root"
echo "  packaging tier: $((SECONDS - t0))s"
echo "@@count $passed $failed"
