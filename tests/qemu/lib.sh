# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the portres QEMU harness; sourced, never run.
# shellcheck shell=bash

# Repository root, found from this file so the scripts work from any cwd.
PORTRES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Build products and logs (ignored by git: /tests/build/).
PORTRES_BUILD=${PORTRES_BUILD:-$PORTRES_ROOT/tests/build}
PORTRES_LOGS=$PORTRES_BUILD/logs
PORTRES_JOBS=${PORTRES_JOBS:-$(nproc)}

die() {
	echo "error: $*" >&2
	exit 1
}

note() {
	echo ">> $*" >&2
}

# The kernel build tree for a tier: Debian's headers, or for "debug" the
# debug test kernel's cache (built by tests/debug-kernel/build.sh).
portres_kdir() {
	if [[ $1 == debug ]]; then
		"$PORTRES_ROOT/tests/debug-kernel/build.sh" --dir ||
			die "the debug kernel is not built (tests/debug-kernel/build.sh)"
	else
		echo "/lib/modules/$1/build"
	fi
}

# One make test/demo at a time per tree: they share tests/build/.
portres_lock() {
	mkdir -p "$PORTRES_BUILD"
	exec 9>"$PORTRES_BUILD/.lock"
	flock -n 9 || {
		note "another make test/demo is using $PORTRES_BUILD; waiting for it"
		flock 9
	}
}
