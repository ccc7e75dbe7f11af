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
