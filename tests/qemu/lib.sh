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

# Where kernels and their build trees are cached, outside the repository.
portres_cache() {
	local c=${PORTRES_CACHE:-/var/cache/portres}
	mkdir -p "$c" 2>/dev/null || c=${XDG_CACHE_HOME:-$HOME/.cache}/portres
	mkdir -p "$c"
	echo "$c"
}

# The kernel build tree for a tier: the debug test kernel's (built by
# tests/debug-kernel/build.sh), a Debian kernel fetched by debian-kernel.sh,
# or an installed one's headers.
portres_kdir() { portres_kernel_file "$1" build; }

# The kernel image that boots for a tier.
portres_kimage() { portres_kernel_file "$1" image; }

# portres_kernel_file <kver> build|image: where the two live for each kind.
portres_kernel_file() {
	local k=$(portres_cache)/kernels/$1 build image
	if [[ $1 == debug ]]; then
		k=$("$PORTRES_ROOT/tests/debug-kernel/build.sh" --dir) ||
			die "the debug kernel is not built (tests/debug-kernel/build.sh)"
		build=$k image=$k/arch/x86/boot/bzImage
	elif [[ -f $k/done ]]; then
		build=$k/build image=$k/vmlinuz
	else
		build=/lib/modules/$1/build image=/boot/vmlinuz-$1
	fi
	if [[ $2 == build ]]; then echo "$build"; else echo "$image"; fi
}

# portres_apt_suite <suite>: sets apt_opts, an apt configuration of its own
# for one Debian suite (sid, trixie-backports, bullseye) under the cache, so
# that its packages can be looked up and downloaded (never installed)
# without touching the host's sources. The index is refreshed after an hour.
portres_apt_suite() {
	local suite=$1 aptdir
	local mirror=${PORTRES_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	aptdir=$(portres_cache)/apt/$suite
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	local opts="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
	# deb-src: sparse-sid.sh builds sid's sparse from its source package.
	printf 'deb %s %s %s main\ndeb-src %s %s %s main\n' \
		"$opts" "$mirror" "$suite" "$opts" "$mirror" "$suite" >"$aptdir/sources.list"
	apt_opts=(
		-o Dir::Etc::SourceList="$aptdir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$aptdir/lists"
		-o Dir::Cache="$aptdir/cache"
		-o Dir::State::status=/dev/null
		-o APT::Sandbox::User=root
	)
	(
		flock 7
		[[ -n $(find "$aptdir/lists" -maxdepth 1 -name '*_Sources*' -mmin -60) ]] ||
			apt-get "${apt_opts[@]}" -q update >"$aptdir/update.log" 2>&1 ||
			{ tail -n 5 "$aptdir/update.log" >&2; exit 1; }
	) 7>"$aptdir/.lock" || die "apt-get update for $suite failed"
}

# portres_apt_abi <flavour>: the newest kernel release of <flavour> (amd64,
# rt-amd64) in the suite portres_apt_suite set up: the one its
# linux-headers-<flavour> metapackage depends on. Empty if there is none.
portres_apt_abi() {
	# No such package is an empty answer, not a failure (pipefail).
	{ apt-cache "${apt_opts[@]}" depends "linux-headers-$1" 2>/dev/null || true; } |
		sed -n 's/^ *Depends: linux-headers-\([0-9][^ ]*-'"$1"'\)$/\1/p' |
		sort -V | tail -n1
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

# The distribution modules the disk-using guests load (twoboot.sh), in load
# order: crc32c for ext4/jbd2 checksums (a softdep, not in modules.dep, on
# kernels where it is not built in), the virtio disk, ext4. Whatever a
# kernel has built in is simply not found and left out.
PORTRES_GUEST_MODULES="crc32c_generic virtio_pci virtio_blk ext4"

# The module tree of a tier: an installed kernel's /lib/modules/<kver>, or
# the subset debian-kernel.sh keeps of a fetched kernel's.
portres_kmods() {
	local k
	if k=$(portres_cache)/kernels/$1 && [[ -f $k/done ]]; then
		echo "$k/modules"
	else
		echo "/lib/modules/$1"
	fi
}

# portres_copy_modules <from> <to> <name>...: the named modules of the tree
# <from> (a /lib/modules/<kver>) and everything they depend on, uncompressed
# (busybox insmod may lack xz), into <to> with a modules.dep for exactly
# what is there; appends to an existing one. A name <from> lacks (built in)
# is skipped. Prints the names found, in the order given.
portres_copy_modules() {
	local from=$1 to=$2 m line plain dep deps
	shift 2
	local -A seen=()
	local -a all=()
	closure() {
		local m=$1 line dep
		[[ -n ${seen[$m]:-} ]] && return
		seen[$m]=1
		all+=("$m")
		line=$(awk -F: -v m="$m" '$1 == m' "$from/modules.dep")
		for dep in ${line#*:}; do
			closure "$dep"
		done
	}
	for m in "$@"; do
		# ext4.ko, crc32c-generic.ko or crc32c_generic.ko, maybe compressed.
		line=$(grep -E "/${m//_/[-_]}\.ko(\.[a-z]+)?:" "$from/modules.dep" | head -n 1) || true
		[[ -n $line ]] || continue
		closure "${line%%:*}"
		echo "$m"
	done
	mkdir -p "$to"
	touch "$to/modules.dep"
	for m in "${all[@]}"; do
		plain=${m%.xz}
		plain=${plain%.zst}
		plain=${plain%.gz}
		grep -q "^$plain:" "$to/modules.dep" && continue
		mkdir -p "$(dirname "$to/$plain")"
		case $m in
		*.xz) xz -dc "$from/$m" >"$to/$plain" ;;
		*.zst) zstd -qdc "$from/$m" >"$to/$plain" ;;
		*.gz) gzip -dc "$from/$m" >"$to/$plain" ;;
		*) cp "$from/$m" "$to/$plain" ;;
		esac
		line=$(awk -F: -v m="$m" '$1 == m' "$from/modules.dep")
		deps=
		for dep in ${line#*:}; do
			dep=${dep%.xz}
			dep=${dep%.zst}
			deps+=" ${dep%.gz}"
		done
		echo "$plain:$deps" >>"$to/modules.dep"
	done
}
