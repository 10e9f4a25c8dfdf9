#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# initramfs.sh: pack a busybox initramfs (cpio.gz) that loads portres.ko and
# either runs the selftests listed in ORDER (mode "tests") or a demo (mode "demo").
#
#   initramfs.sh -o OUT.cpio.gz -k portres.ko [-t TESTBINDIR -r ORDER]
#                [-e EXAMPLEBINDIR] [-s DEMO_SCRIPT] [-m tests|demo]
#
# Guest layout: /portres.ko, /tests/<bin> + /tests/ORDER, /examples/<bin>,
# /demo.sh, /etc/portres.env (mode and knobs read by /init), busybox in /bin.
# Knobs baked in from the environment: PORTRES_TEST_TIMEOUT (per test, s),
# PORTRES_INSMOD_ARGS (module parameters for the first insmod).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out='' ko='' testdir='' order='' exdir='' demo='' mode=tests
while getopts 'o:k:t:r:e:s:m:' opt; do
	case $opt in
	o) out=$OPTARG ;;
	k) ko=$OPTARG ;;
	t) testdir=$OPTARG ;;
	r) order=$OPTARG ;;
	e) exdir=$OPTARG ;;
	s) demo=$OPTARG ;;
	m) mode=$OPTARG ;;
	*) die "usage: initramfs.sh -o OUT -k KO [-t DIR -r ORDER] [-e DIR] [-s SCRIPT] [-m tests|demo]" ;;
	esac
done
[[ -n $out && -n $ko ]] || die "initramfs.sh needs -o OUT and -k portres.ko"
[[ -f $ko ]] || die "no module at $ko"
[[ $mode == tests || $mode == demo ]] || die "mode must be tests or demo, not '$mode'"
[[ $mode == demo || -n $order ]] || die "tests mode needs -r ORDER"
busybox=/bin/busybox
[[ -x $busybox ]] && $busybox --list-full >/dev/null 2>&1 || die "need busybox-static at /bin/busybox"
# Only a static busybox runs in an initramfs with no libc.
readelf -l "$busybox" | grep -q 'Requesting program interpreter' &&
	die "$busybox is dynamically linked; install busybox-static"

root=$(mktemp -d "${TMPDIR:-/tmp}/portres-initramfs.XXXXXX")
# mktemp makes it 0700: unprivileged test children must reach /dev, /proc, /tests.
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,tests,examples}
cp "$busybox" "$root/bin/busybox"
while read -r applet; do
	[[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done < <($busybox --list-full)
cp "$ko" "$root/portres.ko"

# A binary the guest cannot run must fail here, not as a puzzling exit 127.
copy_static() {
	local f=$1 dest=$2
	if head -c4 "$f" | grep -q 'ELF' &&
		readelf -l "$f" | grep -q 'Requesting program interpreter'; then
		die "$f is dynamically linked; the guest has no libc (build it with -static)"
	fi
	cp "$f" "$dest/"
}

if [[ $mode == tests ]]; then
	[[ -f $order ]] || die "no ORDER file at $order"
	cp "$order" "$root/tests/ORDER"
	if [[ -n $testdir ]]; then
		# Every executable, so helpers a test execs come along too.
		for f in "$testdir"/*; do
			[[ -f $f && -x $f ]] && copy_static "$f" "$root/tests"
		done
	fi
fi
if [[ -n $exdir && -d $exdir ]]; then
	for f in "$exdir"/*; do
		[[ -f $f && -x $f ]] && copy_static "$f" "$root/examples"
	done
fi
if [[ -n $demo ]]; then
	[[ -f $demo ]] || die "no demo script at $demo"
	cp "$demo" "$root/demo.sh"
	chmod +x "$root/demo.sh"
fi

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; } # single-quote for /bin/sh
{
	echo "PORTRES_MODE=$(q "$mode")"
	echo "PORTRES_TEST_TIMEOUT=$(q "${PORTRES_TEST_TIMEOUT:-300}")"
	echo "PORTRES_INSMOD_ARGS=$(q "${PORTRES_INSMOD_ARGS:-}")"
	# For the tests themselves (portres_test.h, stress.c).
	echo "export PORTRES_TIMEOUT_SCALE=$(q "${PORTRES_TIMEOUT_SCALE:-1}")"
	[[ -z ${PORTRES_STRESS_SECS:-} ]] ||
		echo "export PORTRES_STRESS_SECS=$(q "$PORTRES_STRESS_SECS")"
} >"$root/etc/portres.env"
cp "$(dirname "$0")/guest-init.sh" "$root/init"
chmod 755 "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --quiet -o -0 -H newc -R 0:0 | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
