#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# chroot.sh <version> <kver>[=<build tree>]...: run inside the throw-away
# bookworm root by tests/packaging/run.sh (packages in /tmp/debs, this
# script's helpers in /tmp/pkgtest, results for the host in /tmp/out).
# A kernel without "=tree" is an installed one: /lib/modules/<kver>/build
# (the postinst's DKMS build must cover it); with one, a prepared tree
# (`dkms build --kernelsourcedir`). Prints "  PASS"/"  FAIL" lines and, last,
# "@@count <passed> <failed>".
set -uo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ver=$1
shift
. "$(dirname "$0")/checks.sh"
mkdir -p /tmp/out /tmp/out/ko
log=/tmp/out/chroot.log
: >"$log"
pkgs=(portres-dkms libportres0 libportres-dev portresctl)

# Every path, except the API file systems, the kernel trees mounted from
# the host, dpkg's own database and logs (dpkg keeps its records there by
# design), the caches that apt and man-db keep, and DKMS's module signing
# key: dkms creates /var/lib/dkms/mok.{key,pub} at its first signed build
# and keeps them for every module (they are dkms's, not portres-dkms's;
# purging dkms removes them).
snapshot() {
	find / \( -path /proc -o -path /sys -o -path /dev -o -path /tmp -o -path /run \
		-o -path '/usr/src/linux-headers-*' -o -path '/usr/lib/linux-kbuild-*' \
		-o -path /var/cache/portres -o -path /var/lib/dpkg -o -path /var/log \
		-o -path /var/cache/apt -o -path /var/cache/man \
		-o -path /var/lib/dkms/mok.key -o -path /var/lib/dkms/mok.pub \) -prune -o -print | sort
}

# libc-bin's trigger (ldconfig) writes its auxiliary cache on first run.
ldconfig
# The installed kernels' module indexes as the postinst's depmod leaves
# them (run.sh copied modules.order and modules.builtin* from the host).
for spec in "$@"; do
	[[ $spec == *=* ]] || depmod "$spec" >>"$log" 2>&1 || fail "depmod $spec in the root"
done
snapshot >/tmp/out/before.list

# 1. dpkg -i: the postinst adds the module to DKMS and builds and installs it
# for every kernel in /lib/modules (uname -r is the host's, not installed).
if dpkg -i /tmp/debs/*.deb >/tmp/out/dpkg-i.log 2>&1; then
	pass "dpkg -i ${pkgs[*]}"
else
	tail -n 30 /tmp/out/dpkg-i.log | indent
	give_up "dpkg -i failed (/tmp/out/dpkg-i.log)"
fi
bad=
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>&1)
	[[ $st == "install ok installed $ver" ]] || bad+=" $p($st)"
done
[[ -z $bad ]] && pass "all four installed at version $ver" || fail "not installed right:$bad"

# 2. DKMS: the module for every kernel whose build tree is there.
ko_ok() { # ko_ok FILE KVER: modinfo version and vermagic
	local f=$1 k=$2 v vm
	[[ -f $f ]] || { echo "no $f"; return 1; }
	v=$(modinfo -F version "$f") vm=$(modinfo -F vermagic "$f")
	echo "$f: version '$v', vermagic '$vm'"
	[[ $v == "$ver" && $vm == "$k "* ]]
}
for spec in "$@"; do
	k=${spec%%=*}
	if [[ $spec == *=* ]]; then
		tree=${spec#*=}
		if dkms build -m portres -v "$ver" -k "$k" --kernelsourcedir "$tree" \
			>>"$log" 2>&1; then
			ko=$(find "/var/lib/dkms/portres/$ver/$k" -name 'portres.ko*' | head -n 1)
			check "dkms build for $k (prepared tree): modinfo version $ver" ko_ok "$ko" "$k"
		else
			fail "dkms build -k $k --kernelsourcedir $tree"
			find "/var/lib/dkms/portres/$ver/build" -name make.log -exec tail -n 20 {} \; | indent
		fi
	else
		st=$(dkms status -m portres -v "$ver" -k "$k" 2>&1)
		if [[ $st == *": installed"* ]]; then
			ko=$(find "/lib/modules/$k/updates/dkms" -name 'portres.ko*' | head -n 1)
			check "postinst: DKMS built and installed portres for $k (modinfo version $ver)" \
				ko_ok "$ko" "$k"
			[[ -n $ko ]] && mkdir -p "/tmp/out/ko/$k" && cp "$ko" "/tmp/out/ko/$k/"
		else
			fail "postinst: DKMS did not install portres for $k: ${st:-no status}"
			grep -A15 "$k" /tmp/out/dpkg-i.log | head -n 20 | indent
		fi
	fi
done

# 3. portresctl: version, the unit enabled, /etc/portres.
got=$(portresctl --version 2>&1)
[[ $got == "portresctl $ver" ]] && pass "portresctl --version: $got" ||
	fail "portresctl --version: '$got', want 'portresctl $ver'"
wants=/etc/systemd/system/multi-user.target.wants/portres.service
[[ -L $wants && $(readlink "$wants") == */portres.service ]] &&
	pass "portres.service enabled by the postinst (dh_installsystemd)" ||
	fail "portres.service not enabled ($wants)"
[[ -d /etc/portres ]] && dpkg -S /etc/portres 2>/dev/null | grep -q '^portresctl: ' &&
	pass "/etc/portres is portresctl's directory" || fail "/etc/portres missing or not portresctl's"

# 4. pkg-config: version, a shared link that runs, a static link.
pcv=$(pkg-config --modversion portres 2>&1)
[[ $pcv == "$ver" ]] && pass "pkg-config --modversion portres: $pcv" ||
	fail "pkg-config --modversion portres: '$pcv', want '$ver'"
probe() {
	# shellcheck disable=SC2046
	gcc -Wall -Wextra -Werror -DPROBE_VERSION="\"$pcv\"" -o /tmp/out/probe \
		/tmp/pkgtest/probe.c $(pkg-config --cflags --libs portres) || return 1
	ldd /tmp/out/probe
	ldd /tmp/out/probe | grep -qE "libportres.so.0 => (/usr)?/lib/x86_64-linux-gnu/libportres.so.0 " ||
		return 1
	/tmp/out/probe --version && [[ $(/tmp/out/probe --version | head -n 1) == "probe $ver (tcp)" ]]
}
check "gcc probe.c \$(pkg-config --cflags --libs portres): links libportres.so.0, --version runs" probe
probe_static() {
	# shellcheck disable=SC2046
	gcc -static -o /tmp/out/probe-static /tmp/pkgtest/probe.c \
		$(pkg-config --static --cflags --libs portres) && /tmp/out/probe-static --version
}
check "static link with \$(pkg-config --static --cflags --libs portres)" probe_static
if [[ -f /tmp/pkgtest/acquire_seed.c ]]; then
	# Microsoft's program declares `status` and never uses it.
	# shellcheck disable=SC2046
	check "Microsoft's acquire example builds against the package (pkg-config, -lportres_wmain)" \
		gcc -Wall -Wno-unused-variable -o /tmp/out/acquire_seed /tmp/pkgtest/acquire_seed.c \
		-lportres_wmain $(pkg-config --cflags --libs portres)
fi

# 5. remove keeps the saved reservations; purge takes them and everything
# the packages made (DKMS's builds, installed modules, unit links).
echo '# portres persistent reservations (written by the test)' >/etc/portres/reservations.conf
if dpkg -r "${pkgs[@]}" >/tmp/out/dpkg-r.log 2>&1; then
	pass "dpkg -r ${pkgs[*]}"
else
	fail "dpkg -r failed"
	tail -n 20 /tmp/out/dpkg-r.log | indent
fi
[[ -f /etc/portres/reservations.conf ]] && pass "dpkg -r keeps /etc/portres/reservations.conf" ||
	fail "dpkg -r removed /etc/portres/reservations.conf"
left=$(find /var/lib/dkms/portres /lib/modules -name 'portres.ko*' 2>/dev/null)
[[ -z $left ]] && pass "dpkg -r: DKMS removed every portres.ko" ||
	fail "portres.ko left after dpkg -r: $left"
if dpkg --purge "${pkgs[@]}" >/tmp/out/dpkg-purge.log 2>&1; then
	pass "dpkg --purge ${pkgs[*]}"
else
	fail "dpkg --purge failed"
	tail -n 20 /tmp/out/dpkg-purge.log | indent
fi
[[ ! -e /etc/portres ]] && pass "dpkg --purge removes /etc/portres and the saved reservations" ||
	fail "left after purge: $(find /etc/portres)"
snapshot >/tmp/out/after.list
if diff -u /tmp/out/before.list /tmp/out/after.list >/tmp/out/purge.diff; then
	pass "after purge the file list is the one before install ($(wc -l </tmp/out/before.list) paths)"
else
	fail "purge left the root different from before install:"
	grep '^[-+]/' /tmp/out/purge.diff | head -n 30 | indent
fi
echo "@@count $passed $failed"
