#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_rsa.sh - RSA through vfcrypt against the default provider: PKCS#1 v1.5 and PSS signatures both ways (2048, 3072), OAEP both ways.
source "$(dirname "$0")/common.sh"

DEF=(-provider default)
head -c 3000 /dev/urandom >msg
# Key generation through vfcrypt (the default provider's keygen behind it) and through default.
"$OPENSSL" genpkey "${VF_PREF[@]}" -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k2048.pem 2>/dev/null
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out k3072.pem 2>/dev/null
for b in 2048 3072; do
	"$OPENSSL" pkey -in k$b.pem -pubout -out p$b.pem
	for pad in pkcs1 pss; do
		opts=()
		[ $pad = pss ] && opts=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest)
		what="RSA-$b $pad"
		"$OPENSSL" dgst -sha256 "${VF_PREF[@]}" -sign k$b.pem "${opts[@]}" -out v.sig msg 2>err
		expect_device err "$what sign"
		"$OPENSSL" dgst -sha256 "${DEF[@]}" -verify p$b.pem "${opts[@]}" -signature v.sig msg >/dev/null ||
			fail "$what: default does not verify vfcrypt's signature"
		"$OPENSSL" dgst -sha256 "${DEF[@]}" -sign k$b.pem "${opts[@]}" -out d.sig msg
		"$OPENSSL" dgst -sha256 "${VF_PREF[@]}" -verify p$b.pem "${opts[@]}" -signature d.sig msg >/dev/null 2>err ||
			fail "$what: vfcrypt does not verify default's signature"
		expect_device err "$what verify"
		# A wrong signature is refused.
		printf '\x01' | dd of=d.sig bs=1 seek=7 conv=notrunc 2>/dev/null
		if "$OPENSSL" dgst -sha256 "${VF_PREF[@]}" -verify p$b.pem "${opts[@]}" -signature d.sig msg >/dev/null 2>&1; then
			fail "$what: vfcrypt verified a corrupted signature"
		fi
	done
	# PSS with another salt length, and SHA-384: outside the device, the software path answers.
	"$OPENSSL" dgst -sha384 "${VF_PREF[@]}" -sign k$b.pem -sigopt rsa_padding_mode:pss -out v.sig msg
	"$OPENSSL" dgst -sha384 "${DEF[@]}" -verify p$b.pem -sigopt rsa_padding_mode:pss -signature v.sig msg >/dev/null ||
		fail "RSA-$b PSS SHA-384 (software fallback)"
	# OAEP both ways.
	head -c 100 /dev/urandom >secret
	O=(-pkeyopt rsa_padding_mode:oaep)
	"$OPENSSL" pkeyutl "${VF_PREF[@]}" -encrypt -pubin -inkey p$b.pem "${O[@]}" -in secret -out v.oaep 2>err
	expect_device err "RSA-$b OAEP encrypt"
	"$OPENSSL" pkeyutl "${DEF[@]}" -decrypt -inkey k$b.pem "${O[@]}" -in v.oaep -out d.out
	cmp -s d.out secret || fail "RSA-$b OAEP: default cannot decrypt vfcrypt's ciphertext"
	"$OPENSSL" pkeyutl "${DEF[@]}" -encrypt -pubin -inkey p$b.pem "${O[@]}" -in secret -out d.oaep
	"$OPENSSL" pkeyutl "${VF_PREF[@]}" -decrypt -inkey k$b.pem "${O[@]}" -in d.oaep -out v.out 2>err
	expect_device err "RSA-$b OAEP decrypt"
	cmp -s v.out secret || fail "RSA-$b OAEP: vfcrypt cannot decrypt default's ciphertext"
	# PKCS#1 v1.5 encryption: software behind vfcrypt.
	"$OPENSSL" pkeyutl "${VF_PREF[@]}" -encrypt -pubin -inkey p$b.pem -in secret -out v.p1
	"$OPENSSL" pkeyutl "${DEF[@]}" -decrypt -inkey k$b.pem -in v.p1 -out d.out
	cmp -s d.out secret || fail "RSA-$b PKCS#1 v1.5 encryption (software fallback)"
done
# RSA-PSS keys (the RSASSA-PSS key type, restricted to SHA-256 and salt 32): vfcrypt's key management
# takes them (without it they stay in default and the VF sees nothing), the signature goes to the VF,
# and each side verifies the other's.
"$OPENSSL" genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha256 \
	-pkeyopt rsa_pss_keygen_mgf1_md:sha256 -pkeyopt rsa_pss_keygen_saltlen:32 -out pss.pem 2>/dev/null
"$OPENSSL" pkey -in pss.pem -pubout -out pss.pub
"$OPENSSL" dgst -sha256 "${VF_PREF[@]}" -sign pss.pem -out v.sig msg 2>err || { cat err >&2; fail "RSA-PSS key: sign"; }
expect_device err "RSA-PSS key sign"
"$OPENSSL" dgst -sha256 "${DEF[@]}" -verify pss.pub -signature v.sig msg >/dev/null ||
	fail "RSA-PSS key: default does not verify vfcrypt's signature"
"$OPENSSL" dgst -sha256 "${DEF[@]}" -sign pss.pem -out d.sig msg
"$OPENSSL" dgst -sha256 "${VF_PREF[@]}" -verify pss.pub -signature d.sig msg >/dev/null 2>err ||
	{ cat err >&2; fail "RSA-PSS key: vfcrypt does not verify default's signature"; }
expect_device err "RSA-PSS key verify"
# The key's restriction holds: SHA-384 is refused, by both.
if "$OPENSSL" dgst -sha384 "${VF_PREF[@]}" -sign pss.pem -out v.sig msg 2>/dev/null; then
	fail "RSA-PSS key restricted to SHA-256 signed with SHA-384"
fi
echo "ok: RSA signatures (PKCS#1 v1.5, PSS) and OAEP agree with the default provider, 2048 and 3072; RSA-PSS keys"
