#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the two-boot test guest (busybox sh); see twoboot.sh.
# The kernel command line says which boot this is: twoboot=save|restore
# (/dev/vda is a tar archive of /etc/portres, the raw disk image holds
# nothing else, so /etc/portres survives the guest the way it survives a
# reboot on a real system), or twoboot=crash|recover (the hard kill:
# /dev/vda is an ext4 filesystem mounted on /etc/portres; twoboot.sh kills
# QEMU once boot 1 says PORTRES-AWAIT-KILL, and tells boot 2 what to expect
# in twoboot_expect=, the surviving file's lines, ' ' as ':', ',' between).
# The module is loaded, and the reservations restored and saved, by running
# the ExecStartPre=/ExecStart= lines of the installed portres.service: the
# last one is portresctl daemon, which stays (in the background here) and
# rewrites the file after every change.
# Markers and TAP as in guest-init.sh, so parse-results.sh counts them.
export PATH=/usr/local/sbin:/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root

. /lib/portres-guest.sh
hostname portres-twoboot

mark "PORTRES-BOOTED kernel=$(uname -r)"
UNIT=/usr/local/lib/systemd/system/portres.service
DISK=/dev/vda
CONF=/etc/portres/reservations.conf
LISTING=/proc/net/port_reservations
phase=${twoboot:-}

# The virtio disk and ext4 (twoboot.sh lists what this kernel has as
# modules, in order: the rest is built in).
while read -r m; do
	modprobe "$m" || echo "modprobe $m failed"
done </etc/guest-modules
i=0
while [ ! -b $DISK ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

persistent_lines() {
	awk '$5 == "persistent"' "$1"
}

disk_load() {
	mkdir -p /etc/portres
	tar -xf $DISK -C /etc
}

first_boot_blank() {
	disk_load || return 1
	[ ! -e $CONF ] || { echo "$CONF already there:"; cat $CONF; return 1; }
}

back_from_disk() {
	disk_load && cat $CONF && [ -s $CONF ] && [ -s /etc/portres/boot1.listing ] &&
		cp $CONF /tmp/restored.conf
}

module_loaded() {
	unit_start || return 1
	[ -d /sys/module/portres ] && [ -c /dev/portres ]
}

add() {
	portresctl add "$@" && portresctl lookup "$1" "$2" "$3"
}

three_listed() {
	cat $LISTING
	[ "$(persistent_lines $LISTING | wc -l)" -eq 3 ]
}

saved() {
	wait_for "32000, 32010 and 32020 in $CONF" \
		sh -c "grep -q 32000 $CONF && grep -q 32010 $CONF && grep -q 32020 $CONF"
	rc=$?
	cat $CONF
	return $rc
}

disk_store() {
	persistent_lines $LISTING >/etc/portres/boot1.listing
	tar -cf $DISK -C /etc portres && sync
}

same_as_boot1() {
	persistent_lines $LISTING >/tmp/now
	echo "boot 1:"
	cat /etc/portres/boot1.listing
	echo "boot 2:"
	cat /tmp/now
	[ -s /tmp/now ] && cmp /etc/portres/boot1.listing /tmp/now
}

# field FIELD PROTO FIRST: one field of a line of the listing
field() {
	awk -v f="$1" -v p="$2" -v s="$3" '$1 == p && $2 == s { print $f }' $LISTING
}

allowed_ids_kept() {
	cat $LISTING
	[ "$(field 9 tcp 32000) $(field 10 tcp 32000)" = "1000 100" ] &&
		[ "$(field 9 udp 32010) $(field 10 udp 32010)" = "- 2000" ] &&
		[ "$(field 9 tcp 32020) $(field 10 tcp 32020)" = "- -" ] &&
		[ "$(field 3 tcp 32000) $(field 4 udp 32010)" = "32009 3" ]
}

refused() { # refused PROTO PORT: an outsider's bind gets EACCES
	out=$(bindprobe "$1" "$2")
	echo "bind $1 $2: $out"
	[ "$out" = EACCES ]
}

token_works() { # token_works PROTO FIRST LAST: associate + bind(0)
	tok=$(field 11 "$1" "$2")
	out=$(bindprobe "$1" 0 "$tok")
	echo "associate $tok + bind(0): $out"
	port=${out#ok }
	[ "$port" != "$out" ] && [ "$port" -ge "$2" ] && [ "$port" -le "$3" ]
}

saved_again_same() {
	diff /tmp/restored.conf $CONF
}

# ---- the hard kill (crash, recover) ----

mount_fresh() {
	mount -t ext4 -o commit=600 $DISK /etc/portres || return 1
	grep " /etc/portres " /proc/mounts
	grep -q " /etc/portres ext4 .*commit=600" /proc/mounts &&
		[ ! -e $CONF ] && [ ! -e /etc/portres/unsynced ]
}

mount_recovered() {
	mount -t ext4 $DISK /etc/portres || return 1
	grep " /etc/portres " /proc/mounts
	ls -la /etc/portres
	dmesg | grep -i 'EXT4-fs.*\(recover\|orphan\)' || true
}

# raw_create KEY PROTO START COUNT UID GID: /tmp/expect.KEY gets the
# file's line for it, with the token the ioctl returned.
raw_create() {
	key=$1
	shift
	tok=$(rawpersist create "$@") || { echo "rawpersist: $tok"; return 1; }
	echo "token $tok"
	echo "$tok" | grep -qE '^[0-9a-f]{16}$' && [ "$tok" != 0000000000000000 ] &&
		echo "$1 $2 $3 $tok $4 $5" >"/tmp/expect.$key"
}

raw_delete() {
	out=$(rawpersist delete "$@")
	rc=$?
	echo "rawpersist delete $*: rc $rc $out"
	[ $rc -eq 0 ] && ! grep -q "^$1 $2 " $LISTING
}

# The file's reservations and the kernel's persistent ones, sorted, as the
# file writes them: proto start count token uid gid.
file_lines() {
	grep -v '^#' $CONF 2>/dev/null | sed '/^$/d' | sort
}
kernel_lines() {
	awk '$5 == "persistent" { print $1, $2, $4, $11, $9, $10 }' $LISTING | sort
}

# The daemon is idle: asleep in recvfrom (45) on its netlink socket with
# nothing queued there (Rmem 0 in /proc/net/netlink); it saves only after
# reading an event, and the module announces each change before the ioctl
# returns, so nothing more will be written.
daemon_idle() {
	# shellcheck disable=SC2046 # the fields
	set -- $(cat "/proc/$DAEMON/syscall" 2>/dev/null)
	[ "$1" = 45 ] || return 1
	ino=$(readlink "/proc/$DAEMON/fd/$(($2))" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
	[ -n "$ino" ] && [ "$(awk -v i="$ino" '$10 == i { print $5 }' /proc/net/netlink)" = 0 ]
}

no_tmp() { # no temporary file of the daemon's is left
	for f in "$CONF".tmp*; do
		[ ! -e "$f" ] || return 1
	done
}

# The file says exactly /tmp/expect, so does the kernel, no temporary
# file is left, and the daemon is idle: twice, 0.3 s apart.
settled_now() {
	file_lines >/tmp/file && kernel_lines >/tmp/kernel &&
		cmp -s /tmp/expect /tmp/file && cmp -s /tmp/expect /tmp/kernel &&
		no_tmp && daemon_idle
}
settled_twice() {
	settled_now && sleep 0.3 && settled_now
}
settled_expect() {
	if wait_for "the daemon's write" settled_twice; then
		cat $CONF
		return 0
	fi
	echo "expected:"; cat /tmp/expect
	echo "file:"; cat $CONF; ls -la /etc/portres
	echo "kernel:"; cat $LISTING
	echo "daemon: $(cat "/proc/$DAEMON/syscall")"
	return 1
}
settled() { # settled KEY...: the expected lines are those of these keys
	for key; do cat "/tmp/expect.$key"; done | sort >/tmp/expect
	settled_expect
}

unsynced_write() {
	echo "written without fsync" >/etc/portres/unsynced && [ -s /etc/portres/unsynced ]
}

unsynced_lost() {
	[ ! -e /etc/portres/unsynced ]
}

file_is_expected() {
	echo "expected:"
	cat /tmp/expect
	echo "file:"
	cat $CONF
	ls -la /etc/portres
	[ -s /tmp/expect ] && file_lines >/tmp/file && cmp /tmp/expect /tmp/file && no_tmp
}

kernel_has_expected() {
	cat $LISTING
	kernel_lines >/tmp/kernel && cmp /tmp/expect /tmp/kernel
}

# A file cut off in its last line where what is left still reads as a line
# ("... - 2000" cut to "... - 20"): restore must name it and say the file
# is damaged (exit 6), not give the reservation gid 20. (A cut inside the
# token and a bad line are tests/selftests/portresctl_daemon.c's.)
cut_last_line() {
	printf 'udp 32100 1 00000000000a1b2c - 2000\nudp 32102 1 00000000000a1b2d - 20' >/tmp/cut.conf
	portresctl restore /tmp/cut.conf
	rc=$?
	echo "exit $rc"
	grep ' 32100 \| 32102 ' $LISTING
	ok=0
	[ $rc -eq 6 ] || { echo "want exit 6 (damaged file)"; ok=1; }
	awk '$1 == "udp" && $2 == 32100 && $10 == 2000 { f = 1 } END { exit !f }' $LISTING ||
		{ echo "the whole line udp 32100 was not restored"; ok=1; }
	! awk '$1 == "udp" && $2 == 32102 && $10 == 20 { f = 1 } END { exit !f }' $LISTING ||
		{ echo "udp 32102 restored with gid 20, from a line cut off"; ok=1; }
	rawpersist delete udp 32100 1 >/dev/null
	rawpersist delete udp 32102 1 >/dev/null
	return $ok
}

binds() { # binds PROTO PORT: an outsider's bind succeeds
	out=$(bindprobe "$1" "$2")
	echo "bind $1 $2: $out"
	[ "$out" = "ok $2" ]
}

case $phase in
save)
	mark "PORTRES-BEGIN twoboot-save"
	echo "1..7" >&3
	t "first boot: the disk holds no saved reservations" first_boot_blank
	t "ExecStartPre loads the module, ExecStart's daemon saves (nothing to restore yet)" module_loaded
	[ -d /sys/module/portres ] && mark PORTRES-INSMOD-OK
	t "portresctl add tcp 32000 10 --uid 1000 --gid 100" \
		add tcp 32000 10 --uid 1000 --gid 100
	t "portresctl add udp 32010 3 --gid 2000" add udp 32010 3 --gid 2000
	t "portresctl add tcp 32020 1" add tcp 32020 1
	t "three persistent reservations listed" three_listed
	t "the daemon has saved them to $CONF" saved
	mark "PORTRES-END twoboot-save rc=0 secs=0"
	disk_store || mark "twoboot: cannot write $DISK"
	;;
restore)
	mark "PORTRES-BEGIN twoboot-restore"
	echo "1..9" >&3
	t "second boot: $CONF is back from the disk" back_from_disk
	t "ExecStartPre loads the module, ExecStart's daemon restores $CONF" module_loaded
	[ -d /sys/module/portres ] && mark PORTRES-INSMOD-OK
	t "same tokens, ranges, creators and allowed ids as in boot 1" same_as_boot1
	t "allowed uid/gid kept per reservation" allowed_ids_kept
	t "outsider bind to tcp 32005 refused (EACCES)" refused tcp 32005
	t "outsider bind to udp 32011 refused (EACCES)" refused udp 32011
	t "restored tcp token: associated bind(0) in 32000-32009" token_works tcp 32000 32009
	t "restored udp token: associated bind(0) in 32010-32012" token_works udp 32010 32012
	t "the daemon saved the same file again" saved_again_same
	mark "PORTRES-END twoboot-restore rc=0 secs=0"
	;;
crash)
	mark "PORTRES-BEGIN hardkill-crash"
	echo "1..10" >&3
	t "the disk: an empty ext4 filesystem on $(dirname $CONF), commit=600" mount_fresh
	t "ExecStartPre loads the module, ExecStart's daemon saves (nothing to restore yet)" module_loaded
	[ -d /sys/module/portres ] && mark PORTRES-INSMOD-OK
	t "raw ioctl: create tcp 32000 10, uid 1000 gid 100" raw_create A tcp 32000 10 1000 100
	t "raw ioctl: create udp 32010 3, gid 2000" raw_create B udp 32010 3 - 2000
	t "raw ioctl: create tcp 32020 1" raw_create C tcp 32020 1 - -
	t "raw ioctl: create udp 32030 2, uid 0" raw_create D udp 32030 2 0 -
	t "the daemon has written all four (file and kernel agree) and is idle" settled A B C D
	t "raw ioctl: delete udp 32010 3" raw_delete udp 32010 3
	t "the daemon has written the three left (file and kernel agree) and is idle" settled A C D
	t "a write without fsync (the kill must lose it)" unsynced_write
	mark "PORTRES-END hardkill-crash rc=0 secs=0"
	cat /tmp/expect.A /tmp/expect.C /tmp/expect.D | sed 's/^/PORTRES-EXPECT /' >&3
	mark PORTRES-AWAIT-KILL
	# No rmmod, no sync, no reboot: the host pulls the plug.
	sleep 600
	;;
recover)
	mark "PORTRES-BEGIN hardkill-recover"
	echo "1..10" >&3
	echo "${twoboot_expect:-}" | tr , '\n' | tr : ' ' | sed '/^$/d' | sort >/tmp/expect
	t "the ext4 disk mounts after the kill (journal replayed)" mount_recovered
	t "the write without fsync is gone: the kill was a power cut" unsynced_lost
	t "$CONF holds exactly the surviving reservations, no temporary file" file_is_expected
	t "ExecStartPre loads the module, ExecStart's daemon restores $CONF" module_loaded
	[ -d /sys/module/portres ] && mark PORTRES-INSMOD-OK
	t "exactly the surviving reservations: same tokens, ranges, allowed ids" kernel_has_expected
	t "the deleted udp 32010-32012 is not back: an outsider binds udp 32011" binds udp 32011
	t "outsider bind to tcp 32005 refused (EACCES)" refused tcp 32005
	t "restored tcp token: associated bind(0) in 32000-32009" token_works tcp 32000 32009
	t "the daemon saved the same reservations again and is idle" settled_expect
	t "a file cut off inside its last line's gid: that line is named, not restored with another gid" \
		cut_last_line
	mark "PORTRES-END hardkill-recover rc=0 secs=0"
	;;
*)
	mark "twoboot: no twoboot=save|restore|crash|recover on the kernel command line"
	;;
esac

[ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null
if [ -d /sys/module/portres ]; then
	rmmod portres
	mark "PORTRES-RMMOD rc=$?"
fi
finish
