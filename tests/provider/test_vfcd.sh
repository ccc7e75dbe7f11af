#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_vfcd.sh - vfcrypt on a vfcd daemon (VFCRYPT_DEVICE=unix:...): the daemon's VF counters move for each operation; no daemon: software, one warning.
source "$(dirname "$0")/common.sh"

"$VFCD_BIN" --foreground --socket "$WORK/vfcd.sock" --metrics off --vfs 3 --drain-timeout 1000 2>vfcd.log &
DPID=$!
trap 'kill $DPID 2>/dev/null; wait $DPID 2>/dev/null || true' EXIT
for i in $(seq 100); do
	[ -S "$WORK/vfcd.sock" ] && break
	sleep 0.05
done
export VFCRYPT_DEVICE="unix:$WORK/vfcd.sock"
# openssl enc's cipher BIO feeds 4 KiB updates, dgst 8 KiB ones: a threshold that lets them reach the VF.
export VFCRYPT_SMALL_THRESHOLD=4096

# The daemon's op counters of its VFs, summed, as `vfc ctl show` reports them.
daemon_ops()
{
	local vf sum=0 n
	for vf in 0 1 2; do
		n=$("$VFC_BIN" ctl --device "$VFCRYPT_DEVICE" show $vf | sed -n 's/^ *counters: *ops \([0-9]*\),.*/\1/p')
		sum=$((sum + n))
	done
	echo $sum
}

# moved WHAT CMD...: run CMD, then the daemon's counter must have grown.
moved()
{
	local what=$1 before after
	shift
	before=$(daemon_ops)
	"$@" >/dev/null 2>err || { cat err >&2; fail "$what"; }
	after=$(daemon_ops)
	[ "$after" -gt "$before" ] || fail "$what: the daemon's counter did not move ($before -> $after)"
	echo "$what: daemon ops $before -> $after"
}

head -c 40000 /dev/urandom >in.bin
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k.pem 2>/dev/null
"$OPENSSL" pkey -in k.pem -pubout -out p.pem
K=000102030405060708090a0b0c0d0e0f
moved "AES-128-CBC" "$OPENSSL" enc -aes-128-cbc -bufsize 20000 "${VF_MUST[@]}" -K $K -iv $K -in in.bin -out v.enc
"$OPENSSL" enc -aes-128-cbc -provider default -K $K -iv $K -in in.bin -out d.enc
cmp -s v.enc d.enc || fail "AES-128-CBC through vfcd differs from default"
moved "SHA-256" "$OPENSSL" dgst -sha256 "${VF_MUST[@]}" -out v.dgst in.bin
moved "RSA sign" "$OPENSSL" dgst -sha256 "${VF_PREF[@]}" -sign k.pem -out v.sig in.bin
moved "RSA verify" "$OPENSSL" dgst -sha256 "${VF_PREF[@]}" -verify p.pem -signature v.sig in.bin
moved "RSA OAEP" "$OPENSSL" pkeyutl "${VF_PREF[@]}" -encrypt -pubin -inkey p.pem -pkeyopt rsa_padding_mode:oaep \
	-in v.dgst -out v.oaep

# libcrypto on the daemon: ASYNC jobs, threads sharing the process's VF, forked children with VFs of their own.
if [ -n "${VFC_PROVIDER_LIB_TEST:-}" ]; then
	moved "libcrypto test (async, threads, fork)" "$VFC_PROVIDER_LIB_TEST"
	if grep -q 'stays with the parent' err; then
		fail "a child used software: with vfcd it should have its own VF"
	fi
fi

# ASYNC jobs on the daemon's VF: the jobs' wait fds are the VF's interrupt eventfd received over the
# socket; every algorithm byte-exact against default, and AES in openssl speed's 8 jobs.
if [ -n "${VFC_PROVIDER_ASYNC_TEST:-}" ]; then
	moved "libcrypto ASYNC test" "$VFC_PROVIDER_ASYNC_TEST"
fi
moved "openssl speed -async_jobs 8" env VFCRYPT_SMALL_THRESHOLD=0 "$OPENSSL" speed "${VF_PREF[@]}" -seconds 1 \
	-bytes 16384 -async_jobs 8 -evp aes-128-cbc

# The daemon refuses us (every VF's policy wants another uid): software, one warning, success.
for vf in 0 1 2; do
	"$VFC_BIN" ctl --device "$VFCRYPT_DEVICE" policy $vf uid=54321 >/dev/null
done
out=$("$OPENSSL" dgst -sha256 -r "${VF_MUST[@]}" in.bin 2>err)
ref=$("$OPENSSL" dgst -sha256 -r in.bin)
[ "${out%% *}" = "${ref%% *}" ] || fail "refused: wrong digest"
[ "$(grep -c 'vfcrypt: no VF.*Permission denied' err)" = 1 ] || { cat err >&2; fail "refused: expected one warning"; }

# No daemon there: the work is done in software, with one warning, and succeeds.
out=$(VFCRYPT_DEVICE="unix:$WORK/nobody.sock" "$OPENSSL" dgst -sha256 -r "${VF_MUST[@]}" in.bin 2>err)
ref=$("$OPENSSL" dgst -sha256 -r in.bin)
[ "${out%% *}" = "${ref%% *}" ] || fail "no daemon: wrong digest"
[ "$(grep -c 'vfcrypt: no VF' err)" = 1 ] || { cat err >&2; fail "no daemon: expected one warning"; }
echo "ok: every operation moved vfcd's counters; refused or without a daemon, software and one warning"
