#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the harness needs (Debian bookworm, apt). Idempotent and a fast
# no-op when everything is present, so `make test` can always call it.
set -euo pipefail

pkgs=(
	linux-image-6.12-amd64 linux-headers-6.12-amd64   # kernel 6.12 + build dir
	linux-image-amd64 linux-headers-amd64             # bookworm's default 6.1
	qemu-system-x86 busybox-static cpio gzip          # guest boot
	e2fsprogs                                         # twoboot.sh hard kill: mkfs.ext4, debugfs
	linux-source-6.12 xz-utils perl                   # checkpatch.pl + its data
	sparse gcc make libc6-dev                         # builds (static test binaries)
	gcc-multilib libc6-dev-i386                       # compat32 selftest (gcc -m32 -static)
	liburing-dev                                      # libportres async API, async_* tests
	dkms                                              # make install check (dkms build)
	flex bison bc libelf-dev libssl-dev               # kernel build trees (kconfig, objtool, sign-file)
	dpkg-dev debhelper dh-dkms fakeroot lintian       # make deb, tests/packaging (lintian)
	mmdebstrap rpm pkgconf                            # tests/packaging: throw-away root, make rpm
)

missing=()
for p in "${pkgs[@]}"; do
	# "install ok installed" only; half-installed or removed packages count as missing.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]})) || exit 0

echo ">> installing missing packages: ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then
	command -v sudo >/dev/null ||
		{ echo "error: need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
