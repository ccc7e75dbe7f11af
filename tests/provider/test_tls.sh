#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_tls.sh - TLS 1.3 with the real s_server/s_client, the server's RSA key signing through vfcrypt; then curl with OPENSSL_CONF set to the sample config.
source "$(dirname "$0")/common.sh"

"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null

# Start s_server (one connection, then it exits and prints its VF counters); sets SRV_PID and PORT.
start_server()
{
	local i
	: >srv.out # exists before the server's shell opens it: the poll below must not read a missing file
	"$@" -accept 127.0.0.1:0 -cert cert.pem -key key.pem -tls1_3 -naccept 1 -www >srv.out 2>srv.err &
	SRV_PID=$!
	for i in $(seq 100); do
		PORT=$(sed -n 's/^ACCEPT 127.0.0.1:\([0-9]*\)$/\1/p' srv.out)
		[ -n "$PORT" ] && return 0
		sleep 0.05
	done
	kill "$SRV_PID" 2>/dev/null
	fail "s_server did not start: $(cat srv.err)"
}

stop_server()
{
	local i
	for i in $(seq 100); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill "$SRV_PID" 2>/dev/null && fail "s_server did not exit after its connection"
	wait "$SRV_PID" || true
}

# 1. s_server and s_client, both with vfcrypt preferred.
start_server "$OPENSSL" s_server "${VF_PREF[@]}"
printf 'GET / HTTP/1.0\r\n\r\n' | "$OPENSSL" s_client "${VF_PREF[@]}" -connect 127.0.0.1:$PORT -tls1_3 \
	-CAfile cert.pem -verify_return_error -ign_eof >cli.out 2>cli.err || { cat cli.err >&2; fail "s_client"; }
stop_server
grep -q '^Protocol  *: TLSv1.3' cli.out || grep -q 'TLSv1.3' cli.out || fail "not TLS 1.3"
grep -q 'Verify return code: 0 (ok)' cli.out || fail "the client did not verify the server"
grep -q 'HTTP/1.0 200 ok' cli.out || fail "no data came back"
expect_device srv.err "s_server's CertificateVerify signature"
expect_device cli.err "s_client's signature checks"

# 2. curl (libcurl over libssl) configured only by OPENSSL_CONF: the sample config, the module by name.
# Not in ASan builds: curl with the sanitizer's runtime preloaded hangs at start in setlocale's lock
# (docs/provider.md, open items); the plain build runs this part.
if [ -n "${VFC_SAN_PRELOAD:-}" ]; then
	echo "note: sanitizer build: curl part skipped"
elif command -v curl >/dev/null; then
	start_server "$OPENSSL" s_server "${VF_PREF[@]}"
	OPENSSL_MODULES="$MODDIR" OPENSSL_CONF="$DIST_CNF" curl -sS --cacert cert.pem --tlsv1.3 \
		"https://127.0.0.1:$PORT/" -o curl.out 2>curl.err || { cat curl.err >&2; fail "curl"; }
	stop_server
	grep -q 'Protocol  *: TLSv1.3' curl.out || fail "curl: no TLS 1.3 status page"
	expect_device curl.err "curl's certificate and handshake signature checks"
	expect_device srv.err "s_server (for curl)"
else
	echo "note: curl not installed (scripts/install-deps.sh installs it): curl part skipped"
fi
echo "ok: TLS 1.3 handshake and data with the server's RSA signature in the VF; curl through OPENSSL_CONF"
