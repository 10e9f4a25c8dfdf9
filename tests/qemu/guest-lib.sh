# SPDX-License-Identifier: GPL-2.0
# Sourced (as /lib/portres-guest.sh) by the /init of the guests that test an
# installed portres: qemu/twoboot-guest.sh and packaging/guest.sh (busybox
# sh). The mounts; one descriptor on ttyS1 for markers and TAP for the whole
# run, drained before reboot (as guest-init.sh); TAP results; and the unit
# started the way systemd starts it. The caller sets UNIT.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
ip link set lo up

OUT=/dev/ttyS1
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

# The unit's ExecStartPre= lines in order, then its ExecStart= (the daemon)
# in the background; ready once the daemon says it has restored and saved.
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
	wait_for "the daemon's first save" grep -q 'after every change' /tmp/daemon.log
}
