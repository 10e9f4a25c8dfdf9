#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo.sh: the Windows SIO_ACQUIRE_PORT_RESERVATION example flow on Linux,
# for TCP and UDP over IPv4 and IPv6 (busybox sh is enough). Each run shows
# net.ipv4.ip_local_reserved_ports while its reservation is live; this script
# shows it before and after. Exit status: 0 if every run behaved as expected.
bin=$(command -v reserve_and_bind 2>/dev/null) ||
	bin=$(dirname "$0")/reserve_and_bind
sysctl_file=/proc/sys/net/ipv4/ip_local_reserved_ports
failed=0

show_reserved() {
	val=$(cat $sysctl_file 2>/dev/null)
	echo "net.ipv4.ip_local_reserved_ports ($1) = ${val:-(empty)}"
}

run() {
	title=$1
	shift
	echo
	echo "=== $title: reserve_and_bind $* ==="
	"$bin" "$@"
	rc=$?
	[ $rc -eq 0 ] || {
		echo "=== exit status $rc ==="
		failed=1
	}
}

show_reserved "before"
run "TCP over IPv4, any block of 16 ports" 2 1 6 0 16
run "UDP over IPv4, ports 5000-5019 (the Windows example)" 2 2 17 5000 20
run "TCP over IPv6, ports 6000-6009" 10 1 6 6000 10
run "UDP over IPv6, any block of 8 ports" 10 2 17 0 8
echo
show_reserved "after"
if [ $failed -eq 0 ]; then
	echo "demo: all runs behaved as expected"
else
	echo "demo: some runs FAILED"
fi
exit $failed
