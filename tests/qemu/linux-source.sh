#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# linux-source.sh: the few files the tests take from Debian's linux-source-6.12
# tarball, extracted in one pass into a cache outside the repository, keyed by
# the tarball's name, size and mtime (a new linux-source upload re-extracts).
# Prints the directory; the files keep their paths in the kernel tree:
#   scripts/checkpatch.pl, scripts/spelling.txt, scripts/const_structs.checkpatch
#     (tests/qemu/checkpatch.sh)
#   tools/testing/selftests/kselftest_harness.h, .../kselftest.h
#     (tests/selftests/Makefile)
# Used by checkpatch.sh and the selftests Makefile: the only place that
# decompresses the tarball.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tarball=${PORTRES_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
[[ -f $tarball ]] || die "no $tarball (install linux-source-6.12: tests/qemu/deps.sh)"
files=(scripts/checkpatch.pl scripts/spelling.txt
	scripts/const_structs.checkpatch
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h)
# The file list is part of the key: adding a file re-extracts.
key=$(stat -c '%n %s %Y' "$tarball" | cat - <(printf '%s\n' "${files[@]}") |
	sha256sum | cut -c1-16)
cache_root=$(portres_cache)
cache=$cache_root/linux-source-$key

if [[ ! -f $cache/.done ]]; then
	note "extracting ${files[*]##*/} from $tarball into $cache (once)"
	tmp=$(mktemp -d "$cache_root/.extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$tarball" -C "$tmp" --strip-components=1 --wildcards \
		"${files[@]/#/*/}" ||
		die "cannot extract ${files[*]} from $tarball"
	for f in "${files[@]}"; do
		[[ -f $tmp/$f ]] || die "$tarball has no $f"
	done
	chmod 755 "$tmp" "$tmp/scripts/checkpatch.pl"
	touch "$tmp/.done"
	# Publish atomically: a concurrent run sees all the files or none.
	mv -T "$tmp" "$cache" 2>/dev/null || [[ -f $cache/.done ]] ||
		die "cannot populate $cache"
fi
echo "$cache"
