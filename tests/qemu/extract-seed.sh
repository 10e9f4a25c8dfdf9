#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# extract-seed.sh [--page] [outdir]: the example program of Microsoft's
# SIO_ACQUIRE_PORT_RESERVATION reference page, taken from the page itself
# (../shared/seeds beside the repository, or $PORTRES_SEEDS) at build time:
# the repository keeps no copy. The program's Windows #include lines become
# one #include <portres/winsock_compat.h>; nothing else changes, and #line
# keeps compiler messages pointing into the page. Writes
# <outdir>/acquire_seed.c (default $PORTRES_BUILD/seed; rewritten only when
# it changes) and prints its path. --page only prints the page's path.
# Exit 2 with a one-line reason on stderr when the page is not there (a
# clone without ../shared); 1 when the page has no example program.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

page_only=0
[[ ${1:-} == --page ]] && { page_only=1; shift; }
seeds=${PORTRES_SEEDS:-$PORTRES_ROOT/../shared/seeds}
page=$seeds/002_04d227330b0f1dc2.txt
if [[ ! -f $page ]]; then
	echo "acquire_seed skipped: Microsoft's SIO_ACQUIRE_PORT_RESERVATION page, $page, is not there (no ../shared/seeds beside this clone)" >&2
	exit 2
fi
page=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
((page_only)) && { echo "$page"; exit 0; }

out=${1:-$PORTRES_BUILD/seed}
mkdir -p "$out"
src=$out/acquire_seed.c
tmp=$(mktemp "$src.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# The first ```cpp block that defines main() or wmain(). Headers of the C
# library stay; every other #include is a Windows one: the first becomes the
# compat header, the others empty lines, so that line numbers still match.
awk -v page="$page" '
function flush() {
	if (found || !isprog) return
	found = 1
	printf "#line %d \"%s\"\n%s", start, page, body
}
/^```/ {
	if (inblk) { flush(); inblk = 0; next }
	if ($0 ~ /^```(cpp|c|C)[ \t]*$/) { inblk = 1; body = ""; isprog = 0; start = NR + 1 }
	next
}
!inblk { next }
/^[ \t]*(int|void)[ \t]+w?main[ \t]*\(/ { isprog = 1 }
/^[ \t]*#[ \t]*include[ \t]*</ {
	h = $0
	sub(/^[^<]*</, "", h); sub(/>.*/, "", h)
	if (h !~ /^(assert|ctype|errno|inttypes|limits|locale|math|stdarg|stdbool|stddef|stdint|stdio|stdlib|string|time|wchar|wctype)\.h$/) {
		body = body (winc++ ? "" : "#include <portres/winsock_compat.h>") "\n"
		next
	}
}
{ body = body $0 "\n" }
END { if (!found) exit 1 }
' "$page" >"$tmp" || { echo "no example program (a \`\`\`cpp block with main) in $page" >&2; exit 1; }
grep -q '^#include <portres/winsock_compat.h>$' "$tmp" ||
	{ echo "the example program in $page has no Windows #include to replace" >&2; exit 1; }
if cmp -s "$tmp" "$src"; then
	rm -f "$tmp"
else
	mv "$tmp" "$src"
fi
echo "$src"
