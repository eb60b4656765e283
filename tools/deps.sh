#!/usr/bin/env bash
# Gets everything unigate builds with from Debian (BRIEF.md §5), on a fresh
# Debian 12 (bookworm) machine, as root:
#
#   tools/deps.sh packages   install the missing Debian binary packages
#   tools/deps.sh sources    fetch lwIP and picolibc source from trixie,
#                            verify it against tools/deps.sha256, unpack
#                            it into deps/lwip/ and deps/picolibc/
#   tools/deps.sh picolibc   build picolibc into deps/picolibc-install/
#   tools/deps.sh all        the three steps above, in that order
#   tools/deps.sh check      exit 0 only if everything above is in place
#
# Each step leaves a stamp and returns at once when its stamp is current, so
# a second run takes well under a second. Nothing outside deps/ is touched
# except by "packages", which uses the host's apt as usual.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS=$ROOT/deps
DL=$DEPS/dl
PINS=$ROOT/tools/deps.sha256

# Debian binary packages: build, host tests, fuzzing, lint, boot images,
# QEMU, and the clients the integration tests run in network namespaces.
PACKAGES=(gcc make meson ninja-build pkg-config python3 xz-utils curl
	ca-certificates debian-archive-keyring dpkg-dev
	libcmocka-dev clang lld llvm libclang-rt-14-dev clang-format
	qemu-system-x86 ovmf grub-pc-bin grub-efi-amd64-bin grub-common
	xorriso mtools
	iproute2 ethtool iputils-ping arping isc-dhcp-client busybox iperf3 dnsutils
	dnsmasq-base kea-admin tcpdump)

# Source packages come from trixie through a private apt configuration in
# deps/apt/, so the host's apt sources, lists and hooks are left alone.
# Only the upstream orig tarballs are used, never Debian's patches. lwIP's
# orig tarball is repacked by Debian ("+dfsg1"): debian/copyright's
# Files-Excluded drops only doc/doxygen/output (generated HTML with minified
# JavaScript); the source tree, src/ included, is upstream 2.2.1.
SUITE=trixie
MIRROR=http://deb.debian.org/debian
SOURCES=(lwip picolibc)
APTDIR=$DEPS/apt

# picolibc is built with the kernel's code generation: no red zone (an
# interrupt taken inside a libc function would clobber it), no PIC, the
# small code model (the image is linked at 1 MiB, identity mapped), and the
# baseline x86-64 ISA. The upstream cross file asks for -march=core2, whose
# SSSE3 QEMU's default CPU lacks under TCG; the later -march here wins.
# SSE is enabled at boot, so libc may use SSE registers and floating point.
# No TLS is set up: errno is a plain global and there is no locking (one
# single-threaded poll loop). Sections per function and datum let the
# image's --gc-sections drop what it does not call. libc itself is built
# without the stack protector; -Dstack-protector-guard=global makes its
# headers and __stack_chk_guard match code that uses the global guard.
PICOLIBC_CFLAGS=(-march=x86-64 -mtune=generic -mcmodel=small -mno-red-zone
	-fno-pic -fno-pie -ffreestanding -fno-stack-protector
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables)
PICOLIBC_OPTIONS=(--buildtype=debugoptimized
	-Dmultilib=false -Dtests=false -Dpicocrt=false -Dsemihost=false
	-Dspecsdir=none -Dthread-local-storage=false -Dnewlib-global-errno=true
	-Dsingle-thread=true -Dstack-protector-guard=global
	-Dposix-console=false -Dio-long-long=true)
PICOLIBC_BUILD=$DEPS/picolibc-build
PICOLIBC_PREFIX=$DEPS/picolibc-install

say() { echo "deps: $*"; }
die() { echo "deps: error: $*" >&2; exit 1; }

# pin_file (pkg): the pinned tarball name of source package (pkg).
pin_file() { awk -v p="$1_" 'index($2, p) == 1 { print $2 }' "$PINS"; }
# pin_sum (file): the pinned SHA-256 of (file).
pin_sum() { awk -v f="$1" '$2 == f { print $1 }' "$PINS"; }
# sum_ok (path) (sum): whether (path) exists and has SHA-256 (sum).
sum_ok() {
	[ -f "$1" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$2" ]
}

missing_packages() {
	local installed p
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" \
		2>/dev/null | awk '$NF == "installed" { print $1 }') || true
	for p in "${PACKAGES[@]}"; do
		grep -qx "$p" <<<"$installed" || echo "$p"
	done
}

step_packages() {
	local missing
	missing=$(missing_packages | tr '\n' ' ')
	if [ -z "$missing" ]; then
		say "packages: all ${#PACKAGES[@]} Debian packages installed"
		return
	fi
	say "packages: installing $missing"
	[ "$(id -u)" = 0 ] ||
		die "run as root, or: apt-get install --no-install-recommends $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update ||
		die "apt-get update failed: check the network and /etc/apt/sources.list*"
	# shellcheck disable=SC2086 # one word per package
	apt-get -q install -y --no-install-recommends $missing ||
		die "apt-get install failed for some of: $missing"
}

# apt_private_index: writes the private apt configuration and updates its
# trixie Sources index, once per run.
APT_READY=
apt_private_index() {
	[ -n "$APT_READY" ] && return 0
	local keyrings=/usr/share/keyrings/debian-archive-keyring.gpg k
	local proxy='' proxyline=''
	for k in /usr/share/keyrings/debian-archive-"$SUITE"-*.gpg; do
		[ -f "$k" ] && keyrings="$keyrings,$k"
	done
	# Carry over the host's apt proxy, if it has one; nothing else.
	eval "$(apt-config shell proxy Acquire::http::Proxy)"
	[ -z "$proxy" ] || proxyline="Acquire::http::Proxy \"$proxy\";"
	mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial"
	touch "$APTDIR/state/status"
	echo "deb-src [signed-by=$keyrings] $MIRROR $SUITE main" \
		>"$APTDIR/sources.list"
	# Read through APT_CONFIG before any host file, so Dir::Etc::Parts and
	# Dir::Etc::Main keep /etc/apt/ (and its update hooks) out entirely.
	cat >"$APTDIR/apt.conf" <<-EOF
		Dir::Etc::Main "/dev/null";
		Dir::Etc::Parts "/dev/null";
		Dir::Etc::SourceList "$APTDIR/sources.list";
		Dir::Etc::SourceParts "/dev/null";
		Dir::Etc::Preferences "/dev/null";
		Dir::Etc::PreferencesParts "/dev/null";
		Dir::Etc::Trusted "/dev/null";
		Dir::Etc::TrustedParts "/dev/null";
		Dir::State "$APTDIR/state";
		Dir::State::status "$APTDIR/state/status";
		Dir::Cache "$APTDIR/cache";
		Dir::Log "$APTDIR/log";
		Acquire::Languages "none";
		Acquire::GzipIndexes "true";
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
		$proxyline
	EOF
	say "sources: updating the private $SUITE Sources index in deps/apt/"
	APT_CONFIG=$APTDIR/apt.conf apt-get -q --error-on=any update \
		>"$APTDIR/update.log" 2>&1 || {
		cat "$APTDIR/update.log" >&2
		return 1
	}
	APT_READY=1
}

# source_uri (pkg) (file): the URI trixie's index gives for (file) of
# source package (pkg), or nothing.
source_uri() {
	APT_CONFIG=$APTDIR/apt.conf apt-get -q --print-uris source "$1" \
		2>/dev/null | awk -v f="$2" '$2 == f { gsub("\047", "", $1); print $1 }'
}

# fetch (pkg): makes sure deps/dl/ holds the pinned tarball of (pkg). Only
# the tarball is downloaded: the trixie picolibc .dsc has been seen to 404
# while its tarballs download fine.
fetch() {
	local pkg=$1 file sum uri pool hint got
	file=$(pin_file "$pkg")
	[ -n "$file" ] || die "$pkg: no tarball pinned in tools/deps.sha256"
	sum=$(pin_sum "$file")
	sum_ok "$DL/$file" "$sum" && return
	if [ -f "$DL/$file" ]; then
		say "sources: deps/dl/$file has the wrong SHA-256; fetching it again"
		rm -f "$DL/$file"
	fi
	pool=$MIRROR/pool/main/${pkg:0:1}/$pkg
	hint="check network to deb.debian.org, or place the file in deps/dl/ by hand"
	hint="$hint (from $pool/, SHA-256 $sum)"
	apt_private_index || die "fetching $file failed (apt-get update, log above): $hint"
	uri=$(source_uri "$pkg" "$file") || uri=''
	if [ -z "$uri" ]; then
		# trixie moved to another revision; the pool may still hold ours.
		uri=$pool/${file//+/%2b}
		say "sources: $SUITE's $pkg no longer lists $file; trying $uri"
	fi
	say "sources: fetching $uri"
	mkdir -p "$DL"
	curl -fsSL --retry 3 --connect-timeout 20 -o "$DL/$file.part" "$uri" ||
		die "fetching $file failed: $hint"
	if ! sum_ok "$DL/$file.part" "$sum"; then
		got=$(sha256sum <"$DL/$file.part" | cut -d' ' -f1)
		rm -f "$DL/$file.part"
		die "$file from $uri has SHA-256 $got, not the $sum pinned in tools/deps.sha256"
	fi
	mv "$DL/$file.part" "$DL/$file"
}

# unpacked_stamp (pkg): what deps/(pkg)/.unpacked holds once the pinned
# tarball is unpacked there; a new pin thus unpacks again.
unpacked_stamp() {
	local file
	file=$(pin_file "$1")
	[ -n "$file" ] || die "$1: no tarball pinned in tools/deps.sha256"
	echo "$(pin_sum "$file")  $file"
}

# is_unpacked (pkg): whether deps/(pkg)/ holds the pinned tarball.
is_unpacked() {
	[ "$(cat "$DEPS/$1/.unpacked" 2>/dev/null)" = "$(unpacked_stamp "$1")" ]
}

# unpack (pkg): unpacks the pinned tarball of (pkg) into deps/(pkg)/.
unpack() {
	local pkg=$1 file stamp
	file=$(pin_file "$pkg")
	stamp=$(unpacked_stamp "$pkg")
	fetch "$pkg"
	say "sources: unpacking $file into deps/$pkg/"
	rm -rf "${DEPS:?}/$pkg" "$DEPS/$pkg.tmp"
	mkdir -p "$DEPS/$pkg.tmp"
	tar -xf "$DL/$file" -C "$DEPS/$pkg.tmp" --strip-components=1 --no-same-owner
	echo "$stamp" >"$DEPS/$pkg.tmp/.unpacked"
	mv "$DEPS/$pkg.tmp" "$DEPS/$pkg"
}

step_sources() {
	local pkg
	for pkg in "${SOURCES[@]}"; do
		if is_unpacked "$pkg"; then
			say "sources: deps/$pkg/ is $(pin_file "$pkg")"
		else
			unpack "$pkg"
		fi
	done
}

# The picolibc stamp records its source and every build setting.
picolibc_stamp() {
	echo "$(cat "$DEPS/picolibc/.unpacked" 2>/dev/null)" \
		"${PICOLIBC_CFLAGS[*]}" "${PICOLIBC_OPTIONS[*]}"
}

step_picolibc() {
	local stamp cross log=$DEPS/picolibc-build.log
	is_unpacked picolibc || unpack picolibc
	stamp=$(picolibc_stamp)
	if [ "$(cat "$PICOLIBC_PREFIX/.built" 2>/dev/null)" = "$stamp" ]; then
		say "picolibc: deps/picolibc-install/ is current"
		return
	fi
	cross=$DEPS/picolibc/scripts/cross-x86_64-linux-gnu.txt
	if ! command -v x86_64-linux-gnu-gcc >/dev/null; then
		# Not Debian's triplet-named gcc: same cross file, plain names.
		sed 's/x86_64-linux-gnu-//g' "$cross" >"$DEPS/picolibc-cross.txt"
		cross=$DEPS/picolibc-cross.txt
	fi
	say "picolibc: building into deps/picolibc-install/ (log: deps/picolibc-build.log)"
	rm -rf "$PICOLIBC_BUILD" "$PICOLIBC_PREFIX"
	if ! { meson setup "$PICOLIBC_BUILD" "$DEPS/picolibc" \
		--cross-file "$cross" --prefix "$PICOLIBC_PREFIX" \
		--libdir lib --includedir include \
		-Dc_args="${PICOLIBC_CFLAGS[*]}" "${PICOLIBC_OPTIONS[@]}" &&
		meson compile -C "$PICOLIBC_BUILD" &&
		meson install -C "$PICOLIBC_BUILD"; } >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "building picolibc failed: full log in deps/picolibc-build.log"
	fi
	[ -f "$PICOLIBC_PREFIX/lib/libc.a" ] ||
		die "picolibc built, but deps/picolibc-install/lib/libc.a is missing"
	echo "$stamp" >"$PICOLIBC_PREFIX/.built"
}

step_check() {
	local bad=0 missing pkg
	missing=$(missing_packages | tr '\n' ' ')
	[ -z "$missing" ] || { echo "deps: missing packages: $missing" >&2; bad=1; }
	for pkg in "${SOURCES[@]}"; do
		is_unpacked "$pkg" ||
			{ echo "deps: deps/$pkg/ is not $(pin_file "$pkg")" >&2; bad=1; }
	done
	if [ ! -f "$PICOLIBC_PREFIX/lib/libc.a" ] ||
		[ "$(cat "$PICOLIBC_PREFIX/.built" 2>/dev/null)" != "$(picolibc_stamp)" ]; then
		echo "deps: deps/picolibc-install/ is not built or not current" >&2
		bad=1
	fi
	[ "$bad" = 0 ] || echo "deps: run tools/deps.sh all" >&2
	return "$bad"
}

# lock: one run at a time touches deps/ (make -j may start two).
lock() {
	mkdir -p "$DEPS"
	exec 9>"$DEPS/.lock"
	flock 9
}

case "${1:-}" in
packages) step_packages ;;
sources) lock; step_sources ;;
picolibc) lock; step_picolibc ;;
all) step_packages; lock; step_sources; step_picolibc ;;
check) step_check ;;
*)
	echo "usage: $0 packages|sources|picolibc|all|check" >&2
	exit 2
	;;
esac
