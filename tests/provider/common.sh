# SPDX-License-Identifier: MIT
# common.sh - shared by the provider tests: the real openssl binary with vfcrypt.so loaded from the build tree.
# Usage (sourced): MODDIR=<dir of vfcrypt.so> WORK=<scratch dir>
set -euo pipefail

OPENSSL=${OPENSSL:-openssl}
MODDIR=$(cd "$1" && pwd)
WORK=$2
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

# A sanitizer build's vfcrypt.so needs the sanitizer's runtime loaded first in the programs that
# load it, which are not built with it (openssl, curl): VFC_SAN_PRELOAD names the runtime
# (tests/provider/CMakeLists.txt sets it in ASan builds). Only those programs get it, not bash.
# Leak checks are off in them: `openssl dgst -sign` through the embedded device reports at exit
# the DRBG that libcrypto made for an engine thread's RSA blinding (not yet understood, see
# docs/provider.md); test_provider_lib, built with the sanitizer, checks the module's leaks.
if [ -n "${VFC_SAN_PRELOAD:-}" ]; then
	mkdir -p "$WORK/san-bin"
	for prog in "$OPENSSL" curl; do
		real=$(command -v "$prog") || continue
		printf '#!/bin/sh\nLD_PRELOAD=%s ASAN_OPTIONS=detect_leaks=0 exec %s "$@"\n' "$VFC_SAN_PRELOAD" "$real" \
			>"$WORK/san-bin/$(basename "$prog")"
		chmod +x "$WORK/san-bin/$(basename "$prog")"
	done
	OPENSSL="$WORK/san-bin/$(basename "$OPENSSL")"
	PATH="$WORK/san-bin:$PATH"
fi

# The provider, mandatory (a silent fallback to another provider fails), and preferred.
VF_MUST=(-provider-path "$MODDIR" -provider vfcrypt -provider default -propquery provider=vfcrypt)
VF_PREF=(-provider-path "$MODDIR" -provider vfcrypt -provider default -propquery '?provider=vfcrypt')
export VFCRYPT_STATS=1

fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

# The ops count of the last "vfcrypt: pid P VF N ops X ..." line of a stderr file (0 if none).
vf_ops()
{
	local n
	n=$(grep -o 'vfcrypt: pid [0-9]* VF [0-9]* ops [0-9]*' "$1" | tail -1 | awk '{print $NF}')
	echo "${n:-0}"
}

# expect_device FILE WHAT: the VF did at least one op in the run whose stderr is FILE.
expect_device()
{
	local n
	n=$(vf_ops "$1")
	[ "$n" -gt 0 ] || { cat "$1" >&2; fail "$2: no op reached the VF"; }
}

hexfile()
{
	printf '%s' "$1" | xxd -r -p
}
