#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: what portres costs, counted in guest instructions.
#
# For each kernel, one QEMU boot with -icount shift=0 and one vCPU runs
# tests/bench/portres_bench.c -i: the guest's TSC then advances by one per
# guest instruction, so the bench's rdtsc-timed loops count instructions
# (kernel and user), independent of the host's load. The configurations
# (module absent / loaded, no reservation / 10,000 reservations outside the
# ephemeral range / 10,000 inside it / the same ports as plain
# ip_local_reserved_ports) alternate round after round within the boot.
# A second, short boot without -icount times the loops of the A-E table on
# the wall clock (secondary: TCG timings follow the host's load).
# The kernel's section of tests/bench/RESULTS.md is rewritten; the sections
# of other kernels and the notes after "<!-- bench-notes -->" are kept.
# Every figure is also compared with the previous run on the same kernel
# and the same module sources: the run-to-run spread goes into the section.
#
# Builds in tests/build/bench/ (its own lock, so it can run beside make test).
# Knobs:
#   PORTRES_BENCH_KERNEL  kernels, space-separated: a release (6.12.117+deb12-amd64)
#                         or suite:flavour fetched by tests/qemu/debian-kernel.sh
#                         (trixie-backports:amd64); default: the installed 6.12
#   PORTRES_BENCH_MODULE  worktree (default) or a commit (HEAD): which module
#                         sources to build (a commit: exactly that, via git archive)
#   PORTRES_BENCH_ROUNDS  counted rounds of the instruction run (default 5, + 1 warm-up)
#   PORTRES_BENCH_ITERS   iterations per measurement, % of the built-in counts (default 100)
#   PORTRES_BENCH_WALL_ROUNDS  rounds of the wall-clock run (default 2; 0: none)
#   PORTRES_BENCH_RESULTS output file (default tests/bench/RESULTS.md)
#   PORTRES_QEMU_MEM      guest memory, MiB (default here 2048)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export PORTRES_BUILD=${PORTRES_BENCH_BUILD:-$root/tests/build/bench}
. "$root/tests/qemu/lib.sh"
Q=$PORTRES_ROOT/tests/qemu
cd "$PORTRES_ROOT"
portres_lock

rounds=${PORTRES_BENCH_ROUNDS:-5}
iters=${PORTRES_BENCH_ITERS:-100}
wrounds=${PORTRES_BENCH_WALL_ROUNDS:-2}
modsrc=${PORTRES_BENCH_MODULE:-worktree}
results=${PORTRES_BENCH_RESULTS:-$PORTRES_ROOT/tests/bench/RESULTS.md}
mem=${PORTRES_QEMU_MEM:-2048}
# -icount: QEMU's instruction counter drives the guest clock (1 ns per
# instruction at shift=0); sleep=off lets an idle guest skip ahead instead
# of waiting in real time. A later -smp overrides boot.sh's -smp 2 (QEMU
# merges -smp options; the bench checks that the guest has one CPU).
icount_args="-smp 1 -icount shift=0,sleep=off"

"$Q/deps.sh" || die "cannot install the packages the bench needs"

# The kernels: releases as given, suite:flavour fetched and prepared.
kernels=()
if [[ -z ${PORTRES_BENCH_KERNEL:-} ]]; then
	k=$(PORTRES_DEBUG_KERNEL=0 "$Q/kernels.sh" 2>/dev/null || true)
	k=$(grep '^6\.12\.' <<<"$k" | head -n1) || true
	[[ -n $k ]] || die "no 6.12 kernel found (tests/qemu/kernels.sh; run tests/qemu/deps.sh)"
	kernels=("$k")
else
	for k in $PORTRES_BENCH_KERNEL; do
		if [[ $k == *:* ]]; then
			note "fetching/preparing the newest $k kernel (tests/qemu/debian-kernel.sh)"
			k=$("$Q/debian-kernel.sh" "${k%%:*}" "${k#*:}") ||
				die "no $k kernel (tests/qemu/debian-kernel.sh)"
		fi
		[[ -e $(portres_kimage "$k") ]] || die "no kernel image for $k ($(portres_kimage "$k"))"
		kernels+=("$k")
	done
fi

# The module's sources and what to call them in RESULTS.md.
if [[ $modsrc == worktree ]]; then
	rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	modname="commit $rev"
	if ! git diff --quiet HEAD -- module Kbuild Makefile uapi 2>/dev/null; then
		modname+=" with uncommitted changes in module/, uapi/ or the Makefiles (the working tree was measured)"
	fi
	srchash=$(cat Kbuild Makefile $(find module uapi -type f \( -name '*.[chS]' -o -name Kbuild \) | sort) |
		sha256sum | cut -c1-16)
else
	rev=$(git rev-parse --short "$modsrc^{commit}") || die "no commit $modsrc"
	modname="commit $rev"
	srchash=$rev
fi

build_module() { # <kver>: prints the path of portres.ko
	local k=$1 kdir out src log
	if [[ $modsrc == worktree ]]; then
		"$Q/build-module.sh" "$k"
		return
	fi
	kdir=$(portres_kdir "$k")
	out=$PORTRES_BUILD/$k
	src=$out/src
	log=$PORTRES_LOGS/$k/build.log
	rm -rf "$src" "$out/portres.ko"
	mkdir -p "$src" "${log%/*}"
	git archive "$rev" Kbuild Makefile module uapi | tar -x -C "$src"
	make -C "$kdir" M="$src" W=1 -j"$PORTRES_JOBS" modules >"$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; die "module build failed for $k (log: $log)"; }
	cp "$src/portres.ko" "$out/portres.ko"
	echo "$out/portres.ko"
}

guest=$PORTRES_BUILD/guest
rm -rf "$guest"
mkdir -p "$guest"
note "building portres_bench (static)"
gcc -static -O2 -Wall -Wextra -Werror -I"$PORTRES_ROOT/uapi" \
	-o "$guest/portres_bench" tests/bench/portres_bench.c -lm

# boot_bench <kver> <ko> <name> <qemu-extra> <bench args...>: one boot
# running portres_bench; its output in $logs/<name>.txt.
boot_bench() {
	local k=$1 ko=$2 name=$3 extra=$4 img brc=0 tmo=3000
	shift 4
	mkdir -p "$guest/$name"
	cp "$guest/portres_bench" "$guest/$name/"
	printf '#!/bin/sh\nexec /tests/portres_bench %s\n' "$*" >"$guest/$name/bench.sh"
	chmod +x "$guest/$name/bench.sh"
	echo "bench.sh $tmo" >"$guest/$name/ORDER"
	img=$PORTRES_BUILD/$k/$name.cpio.gz
	"$Q/initramfs.sh" -o "$img" -k "$ko" -t "$guest/$name" -r "$guest/$name/ORDER" >/dev/null
	PORTRES_QEMU_MEM=$mem PORTRES_BOOT_TIMEOUT=$((tmo + 600)) PORTRES_QEMU_EXTRA=$extra \
		"$Q/boot.sh" "$k" "$img" "$logs/$name.console.log" "$logs/$name.log" || brc=$?
	tr -d '\r' <"$logs/$name.log" >"$logs/$name.txt"
	if ! grep -q '^BENCH-MD-END' "$logs/$name.txt"; then
		grep -E 'BENCH-ERROR|PORTRES-END' "$logs/$name.txt" >&2 || true
		tail -n 20 "$logs/$name.txt" >&2
		die "the bench did not finish on $k (qemu exit $brc; logs: $logs/)"
	fi
	if ! out=$("$Q/splats.sh" "$logs/$name.console.log"); then
		splats+="$name: kernel splats on the console during the run:"$'\n'"$out"$'\n'
	fi
}

md_body() { sed -n '/^BENCH-MD-BEGIN/,/^BENCH-MD-END/p' "$1" | sed '1d;$d'; }

# compare <old figures> <new figures>: the run-to-run spread, one paragraph.
# Instruction figures and the memory figures (bytes, mem_*) apart; for the
# single calls also the largest difference in instructions.
compare() {
	awk '
	function abs(x) { return x < 0 ? -x : x }
	NR == FNR { old[$1] = $2; next }
	($1 in old) && old[$1] > 0 {
		rel = abs($2 - old[$1]) / old[$1]
		if ($1 ~ /^mem_/) {
			if (rel >= mworst) { mworst = rel; mk = $1; mo = old[$1]; mn = $2 }
			next
		}
		n++
		if (rel >= worst) { worst = rel; wk = $1; wo = old[$1]; wn = $2 }
		if (rel > 0.01) over++
		rels[n] = rel
		if ($1 ~ /^call_/ && abs($2 - old[$1]) >= cabs) { cabs = abs($2 - old[$1]); ck = $1 }
	}
	END {
		if (!n) { print "no figures in common"; exit }
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (rels[j] < rels[i]) { t = rels[i]; rels[i] = rels[j]; rels[j] = t }
		m = n % 2 ? rels[(n + 1) / 2] : (rels[n / 2] + rels[n / 2 + 1]) / 2
		printf "%d instruction figures compared: largest difference %.3f%% (%s: %.1f then %.1f), median %.3f%%, %d differ by more than 1%%; single calls: at most %.1f instructions apart (%s)", \
			n, 100 * worst, wk, wo, wn, 100 * m, over + 0, cabs, ck
		if (mk != "")
			printf "; memory per reservation: at most %.2f%% apart (%s: %.1f then %.1f B)", 100 * mworst, mk, mo, mn
		print "."
	}' "$1" "$2"
}

# The RESULTS.md pieces kept from the current file.
keep_section() { # <file> <kver>
	[[ -f $1 ]] || return 0
	awk -v k="$2" '$0 == "<!-- bench-kernel " k " begin -->" { p = 1 } p { print } $0 == "<!-- bench-kernel " k " end -->" { p = 0 }' "$1"
}

sections_in() { # <file>: the kernels that have a section
	[[ -f $1 ]] || return 0
	sed -n 's/^<!-- bench-kernel \(.*\) begin -->$/\1/p' "$1"
}

for k in "${kernels[@]}"; do
	start=$SECONDS
	splats=
	logs=$PORTRES_LOGS/$k
	mkdir -p "$logs"
	note "building portres.ko for $k from the $modsrc sources (in $PORTRES_BUILD)"
	ko=$(build_module "$k")

	note "$k: instruction count (QEMU TCG $icount_args): $rounds rounds + 1 warm-up; progress in $logs/icount.log"
	t0=$SECONDS
	boot_bench "$k" "$ko" icount "$icount_args" -i -r "$rounds" -x "$iters"
	icount_secs=$((SECONDS - t0))
	wall_secs=0
	if ((wrounds > 0)); then
		note "$k: wall clock (QEMU TCG -smp 1, no -icount): $wrounds rounds + 1 warm-up; progress in $logs/wall.log"
		t0=$SECONDS
		boot_bench "$k" "$ko" wall "-smp 1" -r "$wrounds" -x "$iters"
		wall_secs=$((SECONDS - t0))
	fi

	grep '^BENCH-FIG ' "$logs/icount.txt" | cut -d' ' -f2- >"$logs/figures.new"
	kernel=$(sed -n 's/^PORTRES-BOOTED kernel=//p' "$logs/icount.txt" | head -n1)
	clock=$(sed -n 's/^BENCH-CLOCK //p' "$logs/icount.txt")
	guest_secs=$(sed -n 's/^BENCH-DONE \([0-9.]*\) s$/\1/p' "$logs/icount.txt")
	# Run to run: against the previous run of the same sources and settings.
	prev=$PORTRES_BUILD/$k/figures.prev
	meta="$srchash rounds=$rounds iters=$iters"
	spread="no earlier run on this kernel with the same module sources and settings to compare with (run \`make bench\` again)"
	if [[ -f $prev && -f $prev.meta && $(sed -n 1p "$prev.meta") == "$meta" ]]; then
		spread="against the previous run ($(sed -n 2p "$prev.meta")): $(compare "$prev" "$logs/figures.new")"
	fi
	cp "$logs/figures.new" "$prev"
	cp "$logs/figures.new" "$logs/figures.$(date -u +%Y%m%dT%H%M%S)"
	printf '%s\n%s\n' "$meta" "$(date -u '+%Y-%m-%d %H:%M UTC'), same module sources" >"$prev.meta"
	wall=$((SECONDS - start))

	section=$(mktemp)
	{
		echo "<!-- bench-kernel $k begin -->"
		echo "## Debian $kernel"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); module: portres.ko built from $modname"
		echo "- instruction run: QEMU TCG \`$icount_args\`, ${mem} MiB; $rounds counted rounds + 1 warm-up, iterations at ${iters} % of the built-in counts; guest ${guest_secs:-?} s of virtual time; the check loop: $clock"
		echo "- \`make bench\` wall time on this kernel ${wall} s (instruction run ${icount_secs} s, wall-clock run ${wall_secs} s); host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "- run-to-run spread of every figure in the tables below (instruction counts and bytes), $spread"
		echo "- kernel console: $([[ -z $splats ]] && echo "no splats" || echo "SPLATS, see below")"
		echo
		md_body "$logs/icount.txt"
		if ((wrounds > 0)); then
			echo
			echo "#### Wall clock, secondary (ns per iteration; plain TCG, no -icount, 1 vCPU; $wrounds rounds, median)"
			echo
			echo "TCG wall time follows the host's load (other builds and guests share its $(nproc) cores): the spread column shows how little these figures can tell."
			echo
			md_body "$logs/wall.txt"
		fi
		if [[ -n $splats ]]; then
			echo
			echo '```'
			echo "$splats"
			echo '```'
		fi
		echo "<!-- bench-kernel $k end -->"
	} >"$section"

	# Rebuild RESULTS.md: header, every kernel's section (this one new),
	# the notes.
	new=$(mktemp)
	{
		echo "# portres benchmark results"
		echo
		echo "Made by \`make bench\` (tests/bench/run.sh, tests/bench/portres_bench.c); every figure is real, each kernel's section from one run."
		echo
		echo "**Method.** QEMU runs the guest with \`-icount shift=0\` on one vCPU: the guest's clock, and its TSC, advance by one per guest instruction, so a loop timed with rdtsc inside the guest counts the instructions it ran (user and kernel, interrupts included) whatever the host's load. Within one boot the five configurations A-E alternate round after round (the bench loads and unloads the module itself); a loop's figure is the median over the rounds of its mean per iteration, a single call's is the median over the rounds of its median over the iterations. The wall-clock table of each kernel is secondary. To reproduce: \`make bench\` (6.12), \`PORTRES_BENCH_KERNEL=trixie-backports:amd64 make bench\` (7.3)."
		echo
		for s in $( (sections_in "$results"; echo "$k") | sort -u -V); do
			echo
			if [[ $s == "$k" ]]; then
				cat "$section"
			else
				keep_section "$results" "$s"
			fi
		done
		echo
		if [[ -f $results ]] && grep -q '^<!-- bench-notes -->$' "$results"; then
			sed -n '/^<!-- bench-notes -->$/,$p' "$results"
		else
			echo "<!-- bench-notes -->"
		fi
	} >"$new"
	mv "$new" "$results"
	rm -f "$section"

	echo
	md_body "$logs/icount.txt"
	echo
	note "$k: run-to-run: $spread"
	[[ -z $splats ]] || echo "$splats"
	note "$k: results in $results (make bench wall time ${wall} s)"
done
