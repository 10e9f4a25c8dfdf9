#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-examples.sh <outdir>: build every userspace/examples/*.c static for the
# guest (which has no libc), one program per file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: build-examples.sh <outdir>}
mkdir -p "$out"
shopt -s nullglob
for c in "$PORTRES_ROOT"/userspace/examples/*.c; do
	bin=$out/$(basename "$c" .c)
	gcc -static -O2 -g -Wall -Wextra -Werror -I"$PORTRES_ROOT/uapi" -o "$bin" "$c" ||
		die "cannot build $c"
done
