#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the packaged-install guest (busybox sh); see tests/packaging/run.sh.
# The image holds what the packages install (portresctl, libportres0 and
# portres.service unpacked from the .debs, the module DKMS built in the
# chroot under /lib/modules/<kver>/updates/dkms) plus the C library from the
# same bookworm root. The unit's ExecStart= lines load the module; then
# Microsoft's acquire example (compiled in the chroot against libportres-dev
# through pkg-config, linked with the shared libportres) and portresctl do
# the seed flow. The kernel command line carries version=<expected>.
# Markers and TAP as in tests/qemu/guest-init.sh, for parse-results.sh.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

. /lib/portres-guest.sh
hostname portres-packaged

mark "PORTRES-BOOTED kernel=$(uname -r)"
UNIT=/lib/systemd/system/portres.service
CONF=/etc/portres/reservations.conf
LISTING=/proc/net/port_reservations
want=${version:-}

module_loaded() {
	unit_start || return 1
	[ -d /sys/module/portres ] && [ -c /dev/portres ]
}

module_version() {
	got=$(cat /sys/module/portres/version)
	echo "module version '$got', package version '$want'"
	[ -n "$want" ] && [ "$got" = "$want" ]
}

ctl_version() {
	got=$(portresctl --version)
	echo "$got"
	[ "$got" = "portresctl $want" ]
}

# value_after KEY FILE: the number after KEY in FILE
value_after() {
	sed -n "s/.*$1\([0-9][0-9]*\).*/\1/p" "$2" | head -n 1
}

# The seed: acquire 20 TCP ports at 28500 on one socket, associate a second
# socket with the token, bind it, release (Microsoft's program, unchanged).
seed_flow() {
	acquire_seed 2 1 6 28500 20 >/tmp/seed.out 2>&1
	rc=$?
	cat /tmp/seed.out
	echo "exit $rc"
	port=$(value_after 'Port number allocated = ' /tmp/seed.out)
	[ $rc -eq 0 ] &&
		grep -q 'WSAIoctl(SIO_ACQUIRE_PORT_RESERVATION) succeeded' /tmp/seed.out &&
		grep -q 'WSAIoctl(SIO_ASSOCIATE_PORT_RESERVATION) succeeded' /tmp/seed.out &&
		grep -q 'WSAIoctl(SIO_RELEASE_PORT_RESERVATION) succeeded' /tmp/seed.out &&
		[ "$(value_after 'Starting port=' /tmp/seed.out)" = 28500 ] &&
		[ "$(value_after 'Number of Ports=' /tmp/seed.out)" = 20 ] &&
		[ -n "$port" ] && [ "$port" -ge 28500 ] && [ "$port" -le 28519 ]
}

seed_released() {
	cat $LISTING
	! awk '$2 == 28500' $LISTING | grep -q .
}

add_listed() {
	portresctl add tcp 32000 10 --uid 1000 || return 1
	portresctl show || return 1
	portresctl lookup tcp 32000 10 || return 1
	awk '$1 == "tcp" && $2 == 32000 && $3 == 32009 && $5 == "persistent"' $LISTING | grep -q .
}

refused() { # refused PROTO PORT: an outsider's bind gets EACCES
	out=$(bindprobe "$1" "$2")
	echo "bind $1 $2: $out"
	[ "$out" = EACCES ]
}

bound() { # bound PROTO PORT: a bind that nothing stops
	out=$(bindprobe "$1" "$2")
	echo "bind $1 $2: $out"
	[ "$out" = "ok $2" ]
}

saved() {
	wait_for "32000 in $CONF" grep -q 32000 $CONF
	rc=$?
	cat $CONF
	return $rc
}

deleted() {
	portresctl delete tcp 32000 10 || return 1
	cat $LISTING
	! awk '$2 == 32000' $LISTING | grep -q .
}

mark "PORTRES-BEGIN packaged-seed"
echo "1..11" >&3
t "the unit's ExecStartPre loads the packaged module, its daemon starts" module_loaded
[ -d /sys/module/portres ] && mark PORTRES-INSMOD-OK
t "/sys/module/portres/version is the package version" module_version
t "portresctl --version is the package version" ctl_version
t "seed: Microsoft's acquire example (pkg-config, shared libportres) acquires, associates, binds, releases" seed_flow
t "seed: its reservation is gone after it exits" seed_released
t "portresctl add tcp 32000 10 --uid 1000, show, lookup" add_listed
t "an outsider's bind to tcp 32005 is refused (EACCES)" refused tcp 32005
t "a bind outside the block (tcp 32010) is not" bound tcp 32010
t "the unit's daemon saves it to $CONF" saved
t "portresctl delete tcp 32000 10" deleted
t "after delete, tcp 32005 binds" bound tcp 32005
mark "PORTRES-END packaged-seed rc=0 secs=0"

# The daemon holds /dev/portres open: stop it as systemd would.
[ -z "${DAEMON:-}" ] || { kill "$DAEMON"; wait "$DAEMON"; }
if [ -d /sys/module/portres ]; then
	rmmod portres
	mark "PORTRES-RMMOD rc=$?"
fi
finish
