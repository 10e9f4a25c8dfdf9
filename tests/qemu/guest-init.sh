#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the portres test guest (busybox sh). Loads /portres.ko, then runs the
# selftests listed in /tests/ORDER or the demo, and reboots (QEMU runs with
# -no-reboot, so that ends the VM).
#
# Console (ttyS0): kernel log + PORTRES-* markers. Test output (stdout and
# stderr) goes to ttyS1 only, so kernel messages can never split a TAP line;
# the markers are written to both ports. Markers, one per line:
#   PORTRES-BOOTED kernel=<release>
#   PORTRES-INSMOD-OK | PORTRES-INSMOD-FAILED rc=<n>
#   PORTRES-BEGIN <test>
#   PORTRES-END <test> rc=<n> secs=<s> [TIMEOUT]
#   PORTRES-MISSING <test>
#   PORTRES-RMMOD rc=<n> [already-unloaded]
#   PORTRES-DEMO-EXIT rc=<n>              (demo mode)
#   PORTRES-DONE
export PATH=/tests:/examples:/sbin:/bin:/usr/sbin:/usr/bin
export HOME=/root PORTRES_KO=/portres.ko
. /etc/portres.env

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null # the kernel may have automounted it
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
ip link set lo up
hostname portres-guest

OUT=/dev/ttyS1
[ "$PORTRES_MODE" = tests ] && [ -c $OUT ] || OUT=/dev/console

# One descriptor on the test port for the whole run. Opened and closed per
# line, a line could be lost: a close that is not the last one (a test's
# leftover still holds the port) does not wait for the UART to drain, and
# reboot -f drops what is still queued.
exec 3>$OUT

mark() {
	echo "$*"
	[ $OUT = /dev/console ] || echo "$*" >&3
}

finish() {
	mark PORTRES-DONE
	# tcsetattr(TCSADRAIN): returns once the port has sent everything.
	[ $OUT = /dev/console ] || stty -F $OUT -echo
	exec 3>&-
	sync
	reboot -f
	sleep 30 # reboot -f returns before the VM is gone
}

mark "PORTRES-BOOTED kernel=$(uname -r)"

# shellcheck disable=SC2086 # PORTRES_INSMOD_ARGS is a list of name=value words
if insmod /portres.ko $PORTRES_INSMOD_ARGS; then
	mark PORTRES-INSMOD-OK
	# A kernel with KUnit ran the module's suites during that insmod
	# (parse-kunit.sh reads them); tests that reload the module skip them.
	f=/sys/module/kunit/parameters/filter_glob
	[ ! -w $f ] || echo portres-kunit-ran-at-first-load >$f
else
	mark "PORTRES-INSMOD-FAILED rc=$?"
	finish
fi

if [ "$PORTRES_MODE" = demo ]; then
	cd /tmp
	drc=0
	if [ -x /demo.sh ]; then
		/demo.sh </dev/null || drc=$?
	else
		for p in /examples/*; do
			[ -x "$p" ] || continue
			echo "=== $(basename "$p") ==="
			"$p" </dev/null || { rc=$?; echo "=== $(basename "$p") failed: exit $rc ==="; [ $drc -ne 0 ] || drc=$rc; }
		done
	fi
	mark "PORTRES-DEMO-EXIT rc=$drc"
	finish
fi

# ORDER: one test per line, "<binary> [timeout-seconds]"; '#' comments.
while read -r name tmo _; do
	case "$name" in '' | '#'*) continue ;; esac
	case "$tmo" in '' | *[!0-9]*) tmo=$PORTRES_TEST_TIMEOUT ;; esac
	if [ ! -x "/tests/$name" ]; then
		mark "PORTRES-MISSING $name"
		continue
	fi
	mark "PORTRES-BEGIN $name"
	start=$(date +%s)
	rm -f /run/portres-timeout
	# Own session (pgid = $!), own cwd, no stdin (the loop reads ORDER).
	(cd /tmp && exec setsid "/tests/$name") </dev/null >&3 2>&1 3>&- &
	pid=$!
	# Watchdog, in a session of its own: at the timeout TERM the test's whole
	# process group, KILL it 10 s later.
	setsid sh -c "sleep $tmo; touch /run/portres-timeout; kill -TERM -$pid
		sleep 10; kill -KILL -$pid" </dev/null >/dev/null 2>&1 3>&- &
	wd=$!
	wait $pid
	rc=$?
	kill -KILL -$wd 2>/dev/null  # the watchdog and its sleep
	kill -KILL -$pid 2>/dev/null # whatever the test left running
	secs=$(($(date +%s) - start))
	to=
	[ -e /run/portres-timeout ] && to=' TIMEOUT'
	mark "PORTRES-END $name rc=$rc secs=$secs$to"
done </tests/ORDER

# The module must always come out cleanly, whatever the tests left behind.
if [ -d /sys/module/portres ]; then
	rmmod portres
	mark "PORTRES-RMMOD rc=$?"
else
	mark "PORTRES-RMMOD rc=0 already-unloaded"
fi
# Kernels with kmemleak (a debug build): report leaks; the kernel's
# "kmemleak: N new suspected memory leaks" line is caught as a splat.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6 # objects must be older than kmemleak's minimum age
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
finish
