#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: checkpatch, then for each Debian kernel (tests/qemu/kernels.sh)
# build portres.ko (W=1, warnings fail) and run sparse, boot QEMU with a busybox
# initramfs that runs the selftests in tests/selftests/ORDER, count the TAP
# results and scan the console for kernel splats. Logs: tests/build/logs/.
# The last line is "N passed, N failed"; any failure makes the exit non-zero.
# Knobs (environment): see tests/README.md.
set -euo pipefail
. "$(dirname "$0")/qemu/lib.sh"
. "$(dirname "$0")/qemu/checks.sh"
Q=$PORTRES_ROOT/tests/qemu
cd "$PORTRES_ROOT"
portres_lock

"$Q/deps.sh" || die "cannot install the packages the tests need"

rm -rf "$PORTRES_LOGS"
mkdir -p "$PORTRES_LOGS"

echo "== checkpatch --strict (module/, uapi/)"
mapfile -t srcs < <(find module uapi -type f -name '*.[chS]' 2>/dev/null | LC_ALL=C sort)
((${#srcs[@]})) || fail "checkpatch: no files in module/ or uapi/"
for f in "${srcs[@]}"; do
	check "checkpatch $f" "$Q/checkpatch.sh" "$f"
done

echo "== userspace (static, for the guest)"
sel=$PORTRES_BUILD/selftests
order=tests/selftests/ORDER
if [[ -f tests/selftests/Makefile ]]; then
	# -k: build every test that compiles; a missing one fails on its own.
	check "selftests build (make -C tests/selftests)" \
		make -k -C tests/selftests -j"$PORTRES_JOBS" O="$sel"
else
	fail "selftests build: no tests/selftests/Makefile"
fi
[[ -f $order ]] || { fail "no $order: no test would run"; order=/dev/null; }
check "examples build (static)" "$Q/build-examples.sh" "$PORTRES_BUILD/examples"
check "userspace host tests (make -C userspace check)" make -C userspace check
check "a kernel older than 6.1 is refused in one line (tests/qemu/old-kernel.sh)" \
	"$Q/old-kernel.sh"

# Bound a hung guest by what ORDER allows plus boot and slack, 900 s at least.
per=${PORTRES_TEST_TIMEOUT:-120}
budget=$(awk -v per="$per" '$1 !~ /^#/ && NF { s += ($2 ~ /^[0-9]+$/ ? $2 : per) + 15 }
	END { print s + 180 }' "$order")
export PORTRES_TEST_TIMEOUT=$per
export PORTRES_BOOT_TIMEOUT=${PORTRES_BOOT_TIMEOUT:-$((budget > 900 ? budget : 900))}

# kernels.sh lists what it found even when one series is missing.
kout=$("$Q/kernels.sh") || fail "kernel discovery: both a 6.12 and a 6.1 kernel are required"
kernels=()
while read -r k; do [[ -n $k ]] && kernels+=("$k"); done <<<"$kout"
# Distribution kernels whose whole tier ran (the debug kernel aside).
ran=()
tiers=()

for k in "${kernels[@]}"; do
	tier_start=$SECONDS
	if [[ $k == *:* ]]; then
		# Another suite's newest kernel, fetched and prepared (cached).
		echo "== kernel ${k%%:*} ${k#*:} (newest in the archive)"
		krc=0
		kabi=$("$Q/debian-kernel.sh" "${k%%:*}" "${k#*:}" 2> >(indent >&2)) || krc=$?
		if ((krc == 2)); then
			echo "  SKIP $k: the archive offers no such kernel (not counted as tested)"
			continue
		elif ((krc)); then
			fail "fetching and preparing the $k kernel (tests/qemu/debian-kernel.sh)"
			continue
		fi
		k=$kabi
		echo "  fetched and prepared in $((SECONDS - tier_start))s"
	fi
	echo "== kernel $k"
	klog=$PORTRES_LOGS/$k
	mkdir -p "$klog"
	: >"$klog/console.log"
	: >"$klog/tests.log"
	korder=$order ktmo=$PORTRES_BOOT_TIMEOUT
	if [[ $k == debug ]]; then
		# Built once per machine (about 10 minutes), cached outside the tree.
		if ! tests/debug-kernel/build.sh 2>&1 >/dev/null | indent; then
			fail "debug kernel build (tests/debug-kernel/build.sh)"
			continue
		fi
		pass "debug kernel build"
		# ORDER with longer timeouts, then ORDER.debug (stress, faults).
		read -r korder ktmo < <(tests/debug-kernel/order.sh "$order" \
			"$PORTRES_BUILD/debug/ORDER")
	fi
	if ! out=$("$Q/build-module.sh" "$k" 2>&1); then
		fail "module build (W=1) for $k"
		tail -n 30 <<<"$out" | indent
		continue
	fi
	pass "module build (W=1)"
	if [[ ${PORTRES_SPARSE:-1} != 0 ]]; then
		check "sparse (C=2)" "$Q/sparse.sh" "$k"
	fi

	img=$PORTRES_BUILD/$k/initramfs.cpio.gz
	scale=1
	[[ $k != debug ]] || scale=${PORTRES_DEBUG_SCALE:-4}
	if ! out=$(PORTRES_TIMEOUT_SCALE=$scale "$Q/initramfs.sh" -o "$img" -k "$PORTRES_BUILD/$k/portres.ko" \
		-t "$sel" -r "$korder" -e "$PORTRES_BUILD/examples" 2>&1); then
		fail "initramfs for $k"
		indent <<<"$out"
		continue
	fi

	start=$SECONDS
	brc=0
	PORTRES_BOOT_TIMEOUT=$ktmo "$Q/boot.sh" "$k" "$img" "$klog/console.log" \
		"$klog/tests.log" 2>"$klog/boot.err" || brc=$?
	secs=$((SECONDS - start))
	if ((brc == 124)); then
		fail "boot: guest hung, killed after ${ktmo}s"
	elif ((brc != 0)); then
		fail "boot: qemu exited with status $brc"
		indent <"$klog/boot.err"
	else
		echo "  guest ran ${secs}s"
	fi

	res=$("$Q/parse-results.sh" "$korder" "$klog/tests.log")
	if [[ $k == debug ]]; then
		# The module's KUnit suites ran at the first insmod: each case counts.
		res+=$'\n'$("$Q/parse-kunit.sh" "$klog/console.log")
	fi
	count "the test results (parse-results.sh)" "$res"
	if ((count_failed)) && ! grep -q PORTRES-DONE "$klog/tests.log"; then
		echo "    console tail:"
		tr -d '\r' <"$klog/console.log" | tail -n 20 | indent
	fi

	if splat=$("$Q/splats.sh" "$klog/console.log"); then
		pass "no kernel splats on the console"
	else
		fail "kernel splats on the console ($klog/console.log):"
		echo "$splat"
	fi
	# make install DESTDIR=, DKMS build of the installed sources, two boots
	# with a hard kill between (every distribution kernel), and (6.12 only,
	# to keep make test short) two boots: save, power off, restore.
	if [[ $k != debug ]]; then
		tb=(--hardkill-only)
		[[ $k == 6.12.* ]] && tb=()
		count "install, two-boot and hard-kill check (tests/qemu/twoboot.sh)" \
			"$("$Q/twoboot.sh" "${tb[@]}" "$k" 2>&1)"
	fi
	[[ $k == debug ]] || ran+=("$k")
	tiers+=("$(printf '%-26s %5ss' "$k" $((SECONDS - tier_start)))")
	echo "  logs: $klog/"
done

# The packages (issue 13): make deb, lintian, make rpm, a throw-away root
# with dpkg -i, DKMS for each prepared kernel tree, pkg-config, purge, and
# the seed flow in QEMU on 6.12 (tests/packaging/run.sh).
echo "== packages"
pkg_start=$SECONDS
count "packaging test (tests/packaging/run.sh)" "$(tests/packaging/run.sh 2>&1)"
tiers+=("$(printf '%-26s %5ss' packages $((SECONDS - pkg_start)))")

echo "== tier times"
printf '  %s\n' "${tiers[@]}"
# The matrix: a kernel the archive stopped offering is reported, and the
# run fails if fewer than four distribution kernels were tested.
if [[ -z ${PORTRES_KERNELS:-} ]] && ((${#ran[@]} < 4)); then
	fail "only ${#ran[@]} distribution kernels were tested (${ran[*]}); the matrix needs at least 4"
fi
echo "== total time $((SECONDS))s"
echo "$passed passed, $failed failed"
((failed == 0))
