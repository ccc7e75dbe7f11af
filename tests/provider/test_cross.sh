#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_cross.sh - vfcrypt against the default provider: AES-128-CBC both ways (padding on/off, random update splits) and SHA-256, 0 to 70,000 bytes.
source "$(dirname "$0")/common.sh"

K=000102030405060708090a0b0c0d0e0f
IV=f0e0d0c0b0a090807060504030201000
DEF=(-provider default)
RANDOM=7 # reproducible splits
sizes="0 1 15 16 17 33 1000 4097 16383 16384 16385 70000"
# The default threshold too where it matters: around it and above.
sizes_thr="0 17 16383 16384 16385 70000"
dev_ops=0

for n in $sizes; do
	head -c "$n" /dev/urandom >in.bin
	thrs="0"
	case " $sizes_thr " in *" $n "*) thrs="0 default" ;; esac
	for thr in $thrs; do
		if [ "$thr" = 0 ]; then export VFCRYPT_SMALL_THRESHOLD=0; else unset VFCRYPT_SMALL_THRESHOLD; fi
		# openssl enc feeds EVP_CipherUpdate in -bufsize pieces: a random split per run.
		bs=$((RANDOM % 20000 + 1))
		pads=("")
		[ $((n % 16)) -eq 0 ] && pads+=("-nopad")
		for pad in "${pads[@]}"; do
			what="$n bytes, threshold $thr, bufsize $bs ${pad:-pkcs7}"
			"$OPENSSL" enc -aes-128-cbc $pad -bufsize $bs "${VF_MUST[@]}" -K $K -iv $IV -in in.bin -out v.enc 2>err
			dev_ops=$((dev_ops + $(vf_ops err)))
			"$OPENSSL" enc -aes-128-cbc $pad "${DEF[@]}" -K $K -iv $IV -in in.bin -out d.enc
			cmp -s v.enc d.enc || fail "encrypt $what: vfcrypt and default differ"
			"$OPENSSL" enc -d -aes-128-cbc $pad -bufsize $bs "${VF_MUST[@]}" -K $K -iv $IV -in d.enc -out v.dec 2>err
			dev_ops=$((dev_ops + $(vf_ops err)))
			cmp -s v.dec in.bin || fail "decrypt (vfcrypt) of default's ciphertext, $what"
			"$OPENSSL" enc -d -aes-128-cbc $pad "${DEF[@]}" -K $K -iv $IV -in v.enc -out d.dec
			cmp -s d.dec in.bin || fail "decrypt (default) of vfcrypt's ciphertext, $what"
		done
		v=$("$OPENSSL" dgst -sha256 -r "${VF_MUST[@]}" in.bin 2>err | cut -d' ' -f1)
		dev_ops=$((dev_ops + $(vf_ops err)))
		d=$("$OPENSSL" dgst -sha256 -r "${DEF[@]}" in.bin | cut -d' ' -f1)
		[ "$v" = "$d" ] || fail "SHA-256 of $n bytes, threshold $thr: $v != $d"
	done
done
[ "$dev_ops" -gt 0 ] || fail "no op reached the VF"

# A corrupted final block: vfcrypt refuses the padding as the default provider does.
head -c 1000 /dev/urandom >in.bin
"$OPENSSL" enc -aes-128-cbc "${DEF[@]}" -K $K -iv $IV -in in.bin -out d.enc
printf '\xff' | dd of=d.enc bs=1 seek=$(($(stat -c %s d.enc) - 1)) conv=notrunc 2>/dev/null
if VFCRYPT_SMALL_THRESHOLD=0 "$OPENSSL" enc -d -aes-128-cbc "${VF_MUST[@]}" -K $K -iv $IV -in d.enc -out v.dec 2>err; then
	fail "bad padding accepted"
fi
echo "ok: AES-128-CBC and SHA-256 agree with the default provider for $(echo $sizes | wc -w) sizes ($dev_ops VF ops)"
