#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh <file>...: run the kernel's checkpatch.pl --strict on whole
# files. checkpatch.pl and its data files come from Debian's linux-source-6.12
# tarball, extracted once into a cache outside the repository, keyed by the
# tarball's name, size and mtime (a new linux-source upload re-extracts).
# Exit status: 0 when every file is clean.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tarball=${PORTRES_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
[[ -f $tarball ]] || die "no $tarball (install linux-source-6.12: tests/qemu/deps.sh)"
key=$(stat -c '%n %s %Y' "$tarball" | sha256sum | cut -c1-16)
cache_root=${PORTRES_CACHE:-/var/cache/portres}
mkdir -p "$cache_root" 2>/dev/null || cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/portres
cache=$cache_root/checkpatch-$key
files=(checkpatch.pl spelling.txt const_structs.checkpatch)

if [[ ! -x $cache/checkpatch.pl ]]; then
	note "extracting checkpatch.pl from $tarball into $cache (once)"
	mkdir -p "$cache_root"
	tmp=$(mktemp -d "$cache_root/.extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$tarball" -C "$tmp" --strip-components=2 --wildcards \
		"${files[@]/#/*/scripts/}" ||
		die "cannot extract ${files[*]} from $tarball"
	for f in "${files[@]}"; do
		[[ -f $tmp/$f ]] || die "$tarball has no scripts/$f"
	done
	chmod 755 "$tmp" "$tmp/checkpatch.pl"
	# Publish atomically: a concurrent run sees all three files or none.
	mv -T "$tmp" "$cache" 2>/dev/null || [[ -x $cache/checkpatch.pl ]] ||
		die "cannot populate $cache"
fi

(($#)) || { echo "$cache/checkpatch.pl"; exit 0; }
rc=0
for f in "$@"; do
	# --no-tree: we are not in a kernel tree; spelling.txt and
	# const_structs.checkpatch are found next to the script.
	"$cache/checkpatch.pl" --strict --no-tree --show-types --no-summary --terse -f "$f" || rc=1
done
exit $rc
