#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-deps.sh - install the Debian/Ubuntu packages vfcrypt needs to build, test and plot; quiet when none is missing.
set -euo pipefail

pkgs=(libssl-dev libcmocka-dev cmake ninja-build pkg-config gcc openssl gnuplot-nox libjansson-dev
	libinih-dev libmicrohttpd-dev python3 curl)
# The multi-buffer engine: intel-ipsec-mb, packaged (Debian 12 and later) for amd64 only. Elsewhere the
# build leaves the mb engine out and test_mb says it skips.
if [ "$(dpkg --print-architecture 2>/dev/null || true)" = amd64 ]; then
	pkgs+=(libipsec-mb-dev)
fi
# --fuzz: also clang and libFuzzer's runtime, for `make fuzz-smoke`.
if [ "${1:-}" = "--fuzz" ]; then
	pkgs+=(clang libclang-rt-dev)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: not a Debian-like system (no dpkg-query); install the equivalents of:" >&2
	echo "  ${pkgs[*]}" >&2
	exit 1
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; install them with:" >&2
	echo "sudo apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
