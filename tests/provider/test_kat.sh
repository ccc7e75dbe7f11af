#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_kat.sh - NIST SP 800-38A AES-128-CBC and FIPS 180-4 SHA-256 vectors through `openssl enc`/`dgst` with provider=vfcrypt mandatory.
source "$(dirname "$0")/common.sh"

K=2b7e151628aed2a6abf7158809cf4f3c
IV=000102030405060708090a0b0c0d0e0f
PT=6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710
CT=7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7
hexfile "$PT" >pt.bin
hexfile "$CT" >ct.bin

# Threshold 0: every block to the VF; the default threshold: these small inputs take the software path.
for thr in 0 default; do
	if [ "$thr" = 0 ]; then export VFCRYPT_SMALL_THRESHOLD=0; else unset VFCRYPT_SMALL_THRESHOLD; fi
	"$OPENSSL" enc -aes-128-cbc -nopad "${VF_MUST[@]}" -K $K -iv $IV -in pt.bin -out out.bin 2>err
	cmp -s out.bin ct.bin || fail "SP 800-38A F.2.1 encrypt (threshold $thr)"
	[ "$thr" = 0 ] && expect_device err "F.2.1 encrypt"
	"$OPENSSL" enc -d -aes-128-cbc -nopad "${VF_MUST[@]}" -K $K -iv $IV -in ct.bin -out out.bin 2>err
	cmp -s out.bin pt.bin || fail "SP 800-38A F.2.2 decrypt (threshold $thr)"
	[ "$thr" = 0 ] && expect_device err "F.2.2 decrypt"

	printf abc >m1
	printf abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq >m2
	head -c 1000000 /dev/zero | tr '\0' a >m3
	for v in "m1 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" \
		 "m2 248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" \
		 "m3 cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"; do
		set -- $v
		got=$("$OPENSSL" dgst -sha256 -r "${VF_MUST[@]}" "$1" 2>err | cut -d' ' -f1)
		[ "$got" = "$2" ] || fail "FIPS 180-4 SHA-256 of $1 (threshold $thr): $got"
		[ "$thr" = 0 ] && expect_device err "SHA-256 of $1"
	done
done
# The settings from the provider's config section (no VFCRYPT_* environment): threshold 0 and stats on.
cat >vf.cnf <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
vfcrypt = vfcrypt_sect
[default_sect]
activate = 1
[vfcrypt_sect]
module = $MODDIR/vfcrypt.so
activate = 1
small_threshold = 0
stats = 1
EOF
got=$(env -u VFCRYPT_STATS -u VFCRYPT_SMALL_THRESHOLD OPENSSL_CONF=vf.cnf "$OPENSSL" dgst -sha256 -r \
	-propquery provider=vfcrypt m1 2>err | cut -d' ' -f1)
[ "$got" = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad ] || fail "SHA-256 via the config file"
expect_device err "settings from the config section"
echo "small_threshold = x" >>vf.cnf
if OPENSSL_CONF=vf.cnf "$OPENSSL" dgst -sha256 -propquery provider=vfcrypt m1 >/dev/null 2>err; then
	fail "a bad setting was accepted"
fi
grep -q 'vfcrypt: bad setting' err || fail "a bad setting: no message"
echo "ok: SP 800-38A and FIPS 180-4 vectors through vfcrypt, in the VF and below the threshold"
