#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# splats.sh <console-log>: print kernel splat lines (warnings, BUGs, oopses,
# sanitizer and lockdep reports, hung tasks, leaks), each with the test that
# was running, and exit 1 if there is any. Only kernel lines count - those
# carrying a printk timestamp "[    1.234567]" (boot.sh passes printk.time=1)
# - so a test printing "WARNING:" cannot fake or hide one.
set -euo pipefail

log=${1:?usage: splats.sh <console-log>}
[[ -f $log ]] || { echo "splats.sh: no console log $log" >&2; exit 2; }

tr -d '\r' <"$log" | awk '
BEGIN { cur = "boot" }
/PORTRES-BOOTED/ { cur = "insmod"; next }
/PORTRES-BEGIN / { sub(/.*PORTRES-BEGIN /, ""); cur = $1; next }
/PORTRES-INSMOD|PORTRES-END / { cur = "between tests or final rmmod"; next }
/PORTRES-RMMOD/ { cur = "shutdown"; next }
# kmemleak announcing itself at boot (debug kernel) is not a report.
/kmemleak: Kernel memory leak detector initialized/ { next }
/\[ *[0-9]+\.[0-9]+\]/ &&
/BUG:|WARNING:|Oops|KASAN|UBSAN|kmemleak|possible recursive locking|possible circular locking|INFO: task|Call Trace|general protection fault|Kernel panic/ {
	n++
	if (n <= 40) printf "    [%s] %s\n", cur, $0
}
END {
	if (n > 40) printf "    ... %d more splat lines\n", n - 40
	exit n > 0
}'
