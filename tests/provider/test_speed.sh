#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_speed.sh - `openssl speed` with vfcrypt loaded: AES-128-CBC synchronous and in 8 ASYNC jobs, SHA-256 in jobs (both in the VF), RSA in jobs; each reports a figure.
source "$(dirname "$0")/common.sh"

SPEED=(-provider-path "$MODDIR" -provider vfcrypt -provider default -propquery '?provider=vfcrypt' -seconds 1)

# speed WHAT FIGURE-REGEX ARGS...: run, print the figure's line, check it is a positive number.
speed()
{
	local what=$1 re=$2 line
	shift 2
	"$OPENSSL" speed "${SPEED[@]}" "$@" >out 2>err || { cat err >&2; fail "openssl speed $what"; }
	line=$(grep -E "$re" out) || { cat out err >&2; fail "openssl speed $what: no figure"; }
	echo "speed $what: $line"
	awk '{ exit !($2 + 0 > 0) }' <<<"$line" || fail "openssl speed $what: no throughput"
}

# Threshold 0: every update goes to the VF, so the runs measure the device path.
export VFCRYPT_SMALL_THRESHOLD=0
speed "aes sync" '^AES-128-CBC ' -bytes 16384 -evp aes-128-cbc
expect_device err "openssl speed aes sync"
# The engine kind setting: the multi-buffer engine where built in (auto), and a bad word refused.
VFCRYPT_ENGINE_KIND=auto speed "aes -async_jobs 8" '^AES-128-CBC ' -bytes 16384 -async_jobs 8 -evp aes-128-cbc
expect_device err "openssl speed aes -async_jobs 8"
if VFCRYPT_ENGINE_KIND=bogus "$OPENSSL" speed "${SPEED[@]}" -bytes 16 -evp aes-128-cbc >out 2>err; then
	fail "VFCRYPT_ENGINE_KIND=bogus was accepted"
fi
grep -q "bad setting" err || { cat err >&2; fail "VFCRYPT_ENGINE_KIND=bogus: no message"; }
speed "sha256 -async_jobs 8" '^sha256 ' -bytes 16384 -async_jobs 8 -evp sha256
expect_device err "openssl speed sha256 -async_jobs 8"
# speed signs a prepared digest, which the device cannot (it hashes the message): software in the
# jobs, with vfcrypt's RSA key management and signature loaded (the VF's RSA in jobs is
# test_provider_async's).
"$OPENSSL" speed "${SPEED[@]}" -async_jobs 8 rsa2048 >out 2>err || { cat err >&2; fail "openssl speed rsa2048 -async_jobs 8"; }
line=$(grep -E '^rsa 2048 bits' out) || { cat out err >&2; fail "openssl speed rsa2048: no figure"; }
echo "speed rsa2048 -async_jobs 8: $line"
echo "ok: openssl speed with vfcrypt: AES sync and in jobs, SHA-256 in jobs (VF), RSA in jobs"
