#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# twoboot.sh [--build-only|--hardkill-only] <kver>: install, reboot and
# crash survival, as checks for run.sh (--build-only: steps 1 and 2 only;
# --hardkill-only: steps 1, 2 and 5).
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
#  5. The hard kill, on an ext4 virtio disk (mkfs.ext4 here) mounted on
#     /etc/portres with commit=600 (so that only an fsync makes anything
#     durable within the test's seconds). Boot 1 (twoboot=crash): the unit
#     as above; persistent reservations made and one deleted with the raw
#     /dev/portres ioctl (rawpersist.c), each time until the daemon's file
#     says so and the daemon is idle again; then a write without fsync, a
#     PORTRES-AWAIT-KILL marker, and QEMU gets SIGKILL from here. Between
#     the boots: the image needs journal recovery, and a recovered copy
#     (e2fsck, debugfs) holds exactly the expected file. Boot 2
#     (twoboot=recover, the expectation on the command line): the unsynced
#     write is gone, the file and then the kernel (after the unit's daemon
#     restored it) hold exactly the surviving reservations, same tokens,
#     ranges and allowed ids, and the deleted one is not back.
# The guest is tests/qemu/twoboot-guest.sh. Prints "  PASS ..."/"  FAIL ..."
# lines and, last, "@@count <passed> <failed>" (as parse-results.sh does).
# Logs: tests/build/logs/<kver>/twoboot-* and hardkill-*.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

build_only=0 tar_boots=1
if [[ ${1:-} == --build-only ]]; then
	build_only=1
	shift
elif [[ ${1:-} == --hardkill-only ]]; then
	tar_boots=0
	shift
fi
kver=${1:?usage: twoboot.sh [--build-only|--hardkill-only] <kver>}
Q=$PORTRES_ROOT/tests/qemu
out=$PORTRES_BUILD/$kver/twoboot
logs=$PORTRES_LOGS/$kver
. "$Q/checks.sh"

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

# 3. The guest: busybox, the DKMS module where modprobe finds it, the
# distribution's virtio disk and ext4 modules, the installed unit, and
# static portresctl, bindprobe and rawpersist.
ctl=$PORTRES_BUILD/selftests/portresctl
[[ -x $ctl ]] || give_up "no static portresctl at $ctl (selftests build)"
root=$out/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/sbin,etc,proc,sys,dev,tmp,run,root}
cp /bin/busybox "$root/bin/busybox"
while read -r applet; do
	[[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done < <(/bin/busybox --list-full)
cp "$ctl" "$root/usr/local/sbin/portresctl"
for probe in bindprobe rawpersist; do
	gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$PORTRES_ROOT/uapi" \
		-o "$root/usr/local/sbin/$probe" "$Q/$probe.c" ||
		give_up "cannot build tests/qemu/$probe.c"
done
install -D -m 644 "$unit" "$root/usr/local/lib/systemd/system/portres.service"
mkdir -p "$root/etc/portres"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nusers:x:100:\nnogroup:x:65534:\n' >"$root/etc/group"

# The distribution's modules (lib.sh: PORTRES_GUEST_MODULES) with their
# dependencies; /etc/guest-modules lists the ones to modprobe, in order.
mods=$(portres_kmods "$kver")
gmods=$root/lib/modules/$kver
[[ -f $mods/modules.dep ]] || give_up "no $mods/modules.dep (debian-kernel.sh keeps the modules)"
# shellcheck disable=SC2086 # a list of names
portres_copy_modules "$mods" "$gmods" $PORTRES_GUEST_MODULES >"$root/etc/guest-modules"
grep -qx virtio_blk "$root/etc/guest-modules" || give_up "virtio_blk not found in $mods/modules.dep"
if [[ ! -f $mods/modules.builtin ]] || ! grep -q '/ext4\.ko$' "$mods/modules.builtin"; then
	grep -qx ext4 "$root/etc/guest-modules" || give_up "ext4 neither built in nor in $mods/modules.dep"
fi
mkdir -p "$gmods/updates/dkms"
case $ko in
*.xz) xz -dc "$ko" >"$gmods/updates/dkms/portres.ko" ;;
*.zst) zstd -qdc "$ko" >"$gmods/updates/dkms/portres.ko" ;;
*) cp "$ko" "$gmods/updates/dkms/portres.ko" ;;
esac
echo "updates/dkms/portres.ko:" >>"$gmods/modules.dep"
mkdir -p "$root/lib"
cp "$Q/guest-lib.sh" "$root/lib/portres-guest.sh"
cp "$Q/twoboot-guest.sh" "$root/init"
chmod 755 "$root/init"
initrd=$out/initramfs.cpio.gz
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --quiet -o -0 -H newc -R 0:0 | gzip -1) >"$initrd"

# guest_boot NAME N PHASE DISK [kill]: one boot (twoboot=PHASE) with DISK as
# /dev/vda, counted; with "kill", QEMU gets SIGKILL as soon as the guest
# says PORTRES-AWAIT-KILL. Logs: NAME-N.{console,tests}.log.
guest_boot() {
	local name=$1 n=$2 phase=$3 disk=$4 kill=${5:-} order con tl rc=0 res p f splat pid i
	order=$out/ORDER-$phase
	echo "$name-$phase" >"$order"
	con=$logs/$name-$n.console.log
	tl=$logs/$name-$n.tests.log
	rm -f "$tl" "$out/qemu.pid"
	PORTRES_APPEND="twoboot=$phase ${APPEND:-}" PORTRES_BOOT_TIMEOUT=240 \
		PORTRES_QEMU_EXTRA="-drive file=$disk,format=raw,if=virtio -pidfile $out/qemu.pid" \
		"$Q/boot.sh" "$kver" "$initrd" "$con" "$tl" 2>>"$logs/$name-boot.err" &
	pid=$!
	if [[ $kill == kill ]]; then
		# Poll for the marker; then the power cut, from outside the guest.
		for ((i = 0; i < 2400; i++)); do
			grep -q '^PORTRES-AWAIT-KILL' "$tl" 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if grep -q '^PORTRES-AWAIT-KILL' "$tl" 2>/dev/null && [[ -s $out/qemu.pid ]] &&
			kill -KILL "$(cat "$out/qemu.pid")"; then
			wait "$pid" || rc=$?
			if ((rc == 137)); then
				pass "$name boot $n ($phase): QEMU killed with SIGKILL, no shutdown"
			else
				fail "$name boot $n ($phase): QEMU exit status $rc after SIGKILL (not 137)"
			fi
		else
			wait "$pid" || rc=$?
			fail "$name boot $n ($phase): the guest never said PORTRES-AWAIT-KILL (qemu exit $rc)"
		fi
	else
		wait "$pid" || rc=$?
		((rc == 0)) || fail "$name boot $n ($phase): qemu exited with status $rc"
	fi
	guest_checks "$name boot $n ($phase)" "$order" "$tl" "$con"
}

# 4. Two boots on one fresh raw disk: save, power off, restore.
if ((tar_boots)); then
	disk=$out/disk.img
	rm -f "$disk"
	truncate -s 4M "$disk"
	guest_boot twoboot 1 save "$disk"
	# What boot 1 left on the disk, for the log.
	tar -xOf "$disk" portres/reservations.conf >"$logs/twoboot-saved.conf" 2>/dev/null ||
		fail "boot 1 left no portres/reservations.conf on the disk"
	guest_boot twoboot 2 restore "$disk"
fi

# 5. The hard kill: an ext4 disk, SIGKILL once the daemon has written.
for tool in mkfs.ext4 debugfs dumpe2fs e2fsck; do
	command -v $tool >/dev/null || give_up "$tool missing (e2fsprogs)"
done
disk=$out/ext4.img
rm -f "$disk"
truncate -s 16M "$disk"
mkfs.ext4 -q -F -L portres "$disk" >"$logs/hardkill-mkfs.log" 2>&1 || give_up "mkfs.ext4 $disk failed"
guest_boot hardkill 1 crash "$disk" kill
# What the guest expects back (file format lines), as it printed them.
tr -d '\r' <"$logs/hardkill-1.tests.log" | sed -n 's/^PORTRES-EXPECT //p' | sort >"$out/expect"
[[ -s $out/expect ]] || give_up "hardkill boot 1 printed no PORTRES-EXPECT lines"
if dumpe2fs -h "$disk" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'; then
	pass "hardkill: the killed guest left the ext4 journal needing recovery"
else
	fail "hardkill: the ext4 image does not need recovery: the guest was not cut off"
fi
# A recovered copy, read here: exactly the expected file, no unsynced write.
cp "$disk" "$out/recovered.img"
e2fsck -fy "$out/recovered.img" >"$logs/hardkill-e2fsck.log" 2>&1 || true
if e2fsck -fn "$out/recovered.img" >>"$logs/hardkill-e2fsck.log" 2>&1; then
	pass "hardkill: the image is consistent after journal recovery (e2fsck)"
else
	fail "hardkill: e2fsck finds the recovered image inconsistent ($logs/hardkill-e2fsck.log)"
fi
debugfs -R 'cat /reservations.conf' "$out/recovered.img" 2>/dev/null >"$logs/hardkill-saved.conf" || true
if diff <(grep -v '^#' "$logs/hardkill-saved.conf" | sort) "$out/expect" >"$out/expect.diff"; then
	pass "hardkill: the recovered image holds exactly the expected reservations.conf (debugfs)"
else
	fail "hardkill: the recovered image's reservations.conf is not the expected one:"
	sed 's/^/      /' "$out/expect.diff"
fi
# The expectation goes to boot 2 on the kernel command line.
APPEND="twoboot_expect=$(tr ' ' : <"$out/expect" | paste -sd,)" \
	guest_boot hardkill 2 recover "$disk"
echo "@@count $passed $failed"
