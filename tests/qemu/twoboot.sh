#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# twoboot.sh [--build-only] <kver>: install and reboot survival, as checks
# for run.sh (--build-only: steps 1 and 2 only).
#  1. `make install DESTDIR=<stage>` (what an administrator's `make install`
#     writes, without the root-only steps);
#  2. `dkms add` + `dkms build` of the installed module sources for <kver>,
#     in a private DKMS tree (the host's DKMS state is not touched);
#  3. boot 1 (twoboot=save): the installed portres.service's ExecStartPre
#     loads that module with modprobe, its ExecStart (`portresctl daemon`)
#     runs in the background, `portresctl add` makes persistent TCP and UDP
#     reservations and the daemon saves them; /etc/portres goes to a raw
#     virtio disk image, and the guest powers off;
#  4. boot 2 (twoboot=restore), same disk: the unit's daemon restores the
#     file and saves it again; the guest checks the same tokens, ranges and
#     allowed ids in /proc/net/port_reservations, that outsiders' binds are
#     refused and that the restored tokens work.
# The guest is tests/qemu/twoboot-guest.sh. Prints "  PASS ..."/"  FAIL ..."
# lines and, last, "@@count <passed> <failed>" (as parse-results.sh does).
# Logs: tests/build/logs/<kver>/twoboot-*.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

build_only=0
if [[ ${1:-} == --build-only ]]; then
	build_only=1
	shift
fi
kver=${1:?usage: twoboot.sh [--build-only] <kver>}
Q=$PORTRES_ROOT/tests/qemu
out=$PORTRES_BUILD/$kver/twoboot
logs=$PORTRES_LOGS/$kver
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "  PASS $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL $*"; }
# Stop here: what is not run counts as one more failure.
give_up() {
	fail "$*"
	echo "@@count $passed $failed"
	exit 0
}

rm -rf "$out"
mkdir -p "$out" "$logs"
stage=$out/stage

# 1. The staged install. userspace/ is built apart from the developer's build.
if make -C "$PORTRES_ROOT" install DESTDIR="$stage" \
	USERSPACE_BUILD="$PORTRES_BUILD/install-userspace" \
	>"$logs/twoboot-install.log" 2>&1; then
	pass "make install DESTDIR=... (staged)"
else
	tail -n 20 "$logs/twoboot-install.log" | sed 's/^/      /'
	give_up "make install DESTDIR=... failed ($logs/twoboot-install.log)"
fi
unit=$stage/usr/local/lib/systemd/system/portres.service
for f in "$unit" "$stage/usr/local/sbin/portresctl" "$stage/usr/src/portres-"*/dkms.conf \
	"$stage/usr/local/lib/libportres.so" "$stage/usr/local/include/portres/portres.h" \
	"$stage/usr/local/share/man/man8/portresctl.8" "$stage/usr/local/share/man/man7/portres.7"; do
	[[ -f $f ]] || give_up "make install did not install ${f#"$stage"}"
done
[[ -d $stage/etc/portres ]] || give_up "make install did not create /etc/portres"
pass "make install: module sources, library, headers, portresctl, man pages, unit, /etc/portres"

# 2. DKMS, from the installed sources, in a tree of our own.
command -v dkms >/dev/null || give_up "dkms is not installed (tests/qemu/deps.sh)"
src=$(echo "$stage"/usr/src/portres-*)
ver=${src##*/portres-}
dk=(--dkmstree "$out/dkms" --sourcetree "$stage/usr/src")
mkdir -p "$out/dkms"
if dkms add "${dk[@]}" -m portres -v "$ver" >"$logs/twoboot-dkms.log" 2>&1 &&
	dkms build "${dk[@]}" -m portres -v "$ver" -k "$kver" \
		--kernelsourcedir "$(portres_kdir "$kver")" >>"$logs/twoboot-dkms.log" 2>&1; then
	pass "dkms build portres/$ver for $kver"
else
	tail -n 20 "$logs/twoboot-dkms.log" | sed 's/^/      /'
	find "$out/dkms" -name make.log -exec tail -n 20 {} \; 2>/dev/null | sed 's/^/      /'
	give_up "dkms build for $kver failed ($logs/twoboot-dkms.log)"
fi
ko=$(find "$out/dkms/portres/$ver/$kver" -name 'portres.ko*' | head -n 1)
[[ -n $ko ]] || give_up "dkms built no portres.ko for $kver"
if ((build_only)); then
	echo "@@count $passed $failed"
	exit 0
fi

# 3. The guest: busybox, the DKMS module where modprobe finds it, the virtio
# disk driver, the installed unit, and static portresctl and bindprobe.
ctl=$PORTRES_BUILD/selftests/portresctl
[[ -x $ctl ]] || give_up "no static portresctl at $ctl (selftests build)"
root=$out/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/sbin,etc,proc,sys,dev,tmp,run,root}
cp /bin/busybox "$root/bin/busybox"
while read -r applet; do
	[[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done < <(/bin/busybox --list-full)
cp "$ctl" "$root/usr/local/sbin/portresctl"
gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$PORTRES_ROOT/uapi" \
	-o "$root/usr/local/sbin/bindprobe" "$Q/bindprobe.c" ||
	give_up "cannot build tests/qemu/bindprobe.c"
install -D -m 644 "$unit" "$root/usr/local/lib/systemd/system/portres.service"
mkdir -p "$root/etc/portres"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nusers:x:100:\nnogroup:x:65534:\n' >"$root/etc/group"

# Modules, uncompressed (busybox insmod may lack xz), with a modules.dep for
# exactly what is there: virtio_blk, virtio_pci (6.1) and their dependencies.
mods=/lib/modules/$kver
gmods=$root/lib/modules/$kver
mkdir -p "$gmods"
declare -A want=()
closure() {
	local m=$1 line dep
	[[ -n ${want[$m]:-} ]] && return
	want[$m]=1
	line=$(awk -F: -v m="$m" '$1 == m' "$mods/modules.dep")
	for dep in ${line#*:}; do
		closure "$dep"
	done
}
for m in virtio_blk virtio_pci; do
	line=$(grep -E "/$m\.ko(\.[a-z]+)?:" "$mods/modules.dep" | head -n 1) || true
	[[ -n $line ]] && closure "${line%%:*}"
done
((${#want[@]})) || give_up "virtio_blk not found in $mods/modules.dep"
: >"$gmods/modules.dep"
for m in "${!want[@]}"; do
	plain=${m%.xz}
	plain=${plain%.zst}
	plain=${plain%.gz}
	mkdir -p "$(dirname "$gmods/$plain")"
	case $m in
	*.xz) xz -dc "$mods/$m" >"$gmods/$plain" ;;
	*.zst) zstd -qdc "$mods/$m" >"$gmods/$plain" ;;
	*.gz) gzip -dc "$mods/$m" >"$gmods/$plain" ;;
	*) cp "$mods/$m" "$gmods/$plain" ;;
	esac
	line=$(awk -F: -v m="$m" '$1 == m' "$mods/modules.dep")
	deps=$(for d in ${line#*:}; do d=${d%.xz}; d=${d%.zst}; echo -n " ${d%.gz}"; done)
	echo "$plain:$deps" >>"$gmods/modules.dep"
done
mkdir -p "$gmods/updates/dkms"
case $ko in
*.xz) xz -dc "$ko" >"$gmods/updates/dkms/portres.ko" ;;
*.zst) zstd -qdc "$ko" >"$gmods/updates/dkms/portres.ko" ;;
*) cp "$ko" "$gmods/updates/dkms/portres.ko" ;;
esac
echo "updates/dkms/portres.ko:" >>"$gmods/modules.dep"
cp "$Q/twoboot-guest.sh" "$root/init"
chmod 755 "$root/init"
initrd=$out/initramfs.cpio.gz
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --quiet -o -0 -H newc -R 0:0 | gzip -1) >"$initrd"

# 4. Two boots on one fresh disk.
disk=$out/disk.img
rm -f "$disk"
truncate -s 4M "$disk"
n=0
for phase in save restore; do
	n=$((n + 1))
	order=$out/ORDER-$phase
	echo "twoboot-$phase" >"$order"
	con=$logs/twoboot-$n.console.log
	tl=$logs/twoboot-$n.tests.log
	rc=0
	PORTRES_APPEND="twoboot=$phase" PORTRES_BOOT_TIMEOUT=240 \
		PORTRES_QEMU_EXTRA="-drive file=$disk,format=raw,if=virtio" \
		"$Q/boot.sh" "$kver" "$initrd" "$con" "$tl" 2>>"$logs/twoboot-boot.err" || rc=$?
	((rc == 0)) || fail "boot $n ($phase): qemu exited with status $rc"
	res=$("$Q/parse-results.sh" "$order" "$tl")
	grep -v '^@@count ' <<<"$res" | sed "s/^  \(PASS\|FAIL\) /&boot $n: /" || true
	read -r _ p f < <(grep '^@@count ' <<<"$res")
	passed=$((passed + p)) failed=$((failed + f))
	if splat=$("$Q/splats.sh" "$con"); then
		pass "boot $n ($phase): no kernel splats"
	else
		fail "boot $n ($phase): kernel splats ($con):"
		echo "$splat"
	fi
	if ((n == 1)); then
		# What boot 1 left on the disk, for the log.
		tar -xOf "$disk" portres/reservations.conf >"$logs/twoboot-saved.conf" 2>/dev/null ||
			fail "boot 1 left no portres/reservations.conf on the disk"
	fi
done
echo "@@count $passed $failed"
