#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the two-boot test guest (busybox sh); see twoboot.sh.
# The kernel command line says which boot this is: twoboot=save|restore.
# /dev/vda is the persistent disk: a tar archive of /etc/portres (the raw
# disk image holds nothing else), so /etc/portres survives the guest the way
# it survives a reboot on a real system.
# The module is loaded, and the reservations restored and saved, by running
# the ExecStartPre=/ExecStart= lines of the installed portres.service: the
# last one is portresctl daemon, which stays (in the background here) and
# rewrites the file after every change.
# Markers and TAP as in guest-init.sh, so parse-results.sh counts them.
export PATH=/usr/local/sbin:/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
ip link set lo up
hostname portres-twoboot

OUT=/dev/ttyS1
# One descriptor for the whole run, drained before reboot (guest-init.sh).
exec 3>$OUT
mark() {
	echo "$*"
	echo "$*" >&3
}
finish() {
	mark PORTRES-DONE
	stty -F $OUT -echo
	exec 3>&-
	sync
	reboot -f
	sleep 30
}

mark "PORTRES-BOOTED kernel=$(uname -r)"
UNIT=/usr/local/lib/systemd/system/portres.service
DISK=/dev/vda
CONF=/etc/portres/reservations.conf
LISTING=/proc/net/port_reservations
phase=${twoboot:-}

# The virtio disk: virtio_pci is built in on 6.12, a module on 6.1.
[ -d /sys/module/virtio_pci ] || modprobe virtio_pci
modprobe virtio_blk
i=0
while [ ! -b $DISK ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# Run the unit's ExecStartPre= lines in order, then its ExecStart= (the
# daemon) in the background, as systemd would; ready once it has saved.
unit_start() {
	sed -n "s/^ExecStartPre=//p" $UNIT >/tmp/unit.cmds
	while read -r cmd; do
		echo "+ $cmd"
		sh -c "$cmd" || return 1
	done </tmp/unit.cmds
	cmd=$(sed -n "s/^ExecStart=//p" $UNIT)
	[ -n "$cmd" ] || { echo "no ExecStart= in $UNIT"; return 1; }
	echo "+ $cmd &"
	sh -c "exec $cmd" 2>/tmp/daemon.log &
	DAEMON=$!
	# It says so once it has restored and saved the file.
	wait_for "the daemon's first save" grep -q 'after every change' /tmp/daemon.log
}

wait_for() { # wait_for WHAT CMD...: up to 10 s
	what=$1
	shift
	i=0
	until "$@" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "no $what after 10 s; daemon log:"
			cat /tmp/daemon.log
			return 1
		fi
		sleep 0.1
	done
}

n=0
t() { # t NAME CMD...: one TAP result, the command's output as diagnostics
	name=$1
	shift
	n=$((n + 1))
	if "$@" >/tmp/t.out 2>&1; then
		echo "ok $n - $name" >&3
	else
		echo "not ok $n - $name" >&3
		sed 's/^/# /' /tmp/t.out >&3
	fi
}

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
*)
	mark "twoboot: no twoboot=save|restore on the kernel command line"
	;;
esac

[ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null
if [ -d /sys/module/portres ]; then
	rmmod portres
	mark "PORTRES-RMMOD rc=$?"
fi
finish
