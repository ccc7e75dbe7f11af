#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_speed.sh - `openssl speed` runs with vfcrypt loaded (synchronous and -async_jobs 8) and reports a figure.
source "$(dirname "$0")/common.sh"

SPEED=(-provider-path "$MODDIR" -provider vfcrypt -provider default -propquery '?provider=vfcrypt' -seconds 1
       -bytes 16384)
# Threshold 0: every update goes to the VF, so the run measures the device path.
for extra in "" "-async_jobs 8"; do
	VFCRYPT_SMALL_THRESHOLD=0 "$OPENSSL" speed "${SPEED[@]}" $extra -evp aes-128-cbc >out 2>err ||
		{ cat err >&2; fail "openssl speed $extra"; }
	line=$(grep '^AES-128-CBC ' out) || { cat out err >&2; fail "openssl speed $extra: no AES-128-CBC figure"; }
	echo "speed ${extra:-sync}: $line"
	awk '{ exit !($2 + 0 > 0) }' <<<"$line" || fail "openssl speed $extra: no throughput"
done
echo "ok: openssl speed with vfcrypt, synchronous and with 8 async jobs"
