#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh <file>...: run the kernel's checkpatch.pl --strict on whole
# files. checkpatch.pl and its data files come from Debian's linux-source-6.12
# tarball, extracted once into a cache outside the repository by
# linux-source.sh (shared with the selftests' kselftest headers).
# Exit status: 0 when every file is clean.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cache=$("$(dirname "$0")/linux-source.sh")/scripts

(($#)) || { echo "$cache/checkpatch.pl"; exit 0; }
rc=0
for f in "$@"; do
	# --no-tree: we are not in a kernel tree; spelling.txt and
	# const_structs.checkpatch are found next to the script.
	"$cache/checkpatch.pl" --strict --no-tree --show-types --no-summary --terse -f "$f" || rc=1
done
exit $rc
