#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# isolation.sh - a 4 KiB AES neighbour on one vfcd beside each kind of adversary: its speed, p99 and engine-time share.
#
#   scripts/isolation.sh                          own large mix cpu nop invalid, 3 rounds of 3 s, 1 engine
#   ADVS="own large" REPS=5 SECS=2 scripts/isolation.sh
#
# Adversaries (each a second tenant on the same vfcd, or a plain process for cpu):
#   solo     none               own      the neighbour's own kind (4 KiB, depth 16)
#   large    8 MiB AES, depth 1 mix      AES of random sizes 16 B .. 8 MiB, depth 1
#   cpu      a CPU hog that never touches vfcd
#   nop      NOPs at depth 256  invalid  descriptors the device rejects (a source outside the pool), depth 256
# The adversaries take turns within a round (interleaved), rounds repeat. Per adversary: the neighbour's
# median MB/s and p99 (us) over the rounds with the spread ((max - min) / median), its engine seconds per
# second (vfcd_vf_device_seconds_total) and that as a fraction of the same beside 'own' (its fair share:
# two tenants of one kind split the engine evenly), and its MB/s as a fraction of that beside 'cpu'.
#
# vfcd's default policy bounds both floods (docs/scheduling.md): the NOP flooder is throttled at
# max_nowork_hz, the invalid one reset at max_invalid_hz within its first milliseconds (the row says
# "(adversary reset)" per round); VFCD_ARGS="--policy all:max_invalid_hz=0" measures the throttle alone
# against it, "--policy all:max_nowork_hz=0,max_invalid_hz=0" the engine without either.
# Environment: VFCD (default build/tools/vfcd), TENANT (build/tests/device/isolation_tenant), ENGINES (1),
# REPS (3), SECS (3), ADVS, SIZE (4096), DEPTH (16), PORT (metrics, default 19464), VFCD_ARGS (extra flags).
set -euo pipefail

VFCD=${VFCD:-build/tools/vfcd}
TENANT=${TENANT:-build/tests/device/isolation_tenant}
ENGINES=${ENGINES:-1}
REPS=${REPS:-3}
SECS=${SECS:-3}
ADVS=${ADVS:-own large mix cpu nop invalid}
SIZE=${SIZE:-4096}
DEPTH=${DEPTH:-16}
PORT=${PORT:-19464}

for b in "$VFCD" "$TENANT"; do
	[ -x "$b" ] || { echo "isolation: $b not built (run make)" >&2; exit 2; }
done
dir=$(mktemp -d /tmp/vfc-isolation-XXXXXX)
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

# shellcheck disable=SC2086
"$VFCD" --foreground --socket "$dir/vfcd.sock" --vfs 2 --engines "$ENGINES" --metrics "127.0.0.1:$PORT" \
	--log stderr ${VFCD_ARGS:-} 2>"$dir/vfcd.log" &
dpid=$!
for _ in $(seq 100); do
	[ -S "$dir/vfcd.sock" ] && break
	sleep 0.05
done
[ -S "$dir/vfcd.sock" ] || { echo "isolation: vfcd did not start:" >&2; cat "$dir/vfcd.log" >&2; exit 1; }
dev="unix:$dir/vfcd.sock"

# Engine seconds of VF $1 so far.
dev_s() {
	curl -s "http://127.0.0.1:$PORT/metrics" |
		awk -v vf="$1" '$1 == "vfcd_vf_device_seconds_total{vf=\"" vf "\"}" { print $2 }'
}

adv_args() {
	case $1 in
	own) echo "--mode aes --size $SIZE --depth $DEPTH" ;;
	large) echo "--mode aes --size 8388608 --depth 1" ;;
	mix) echo "--mode mix --max-size 8388608 --depth 1" ;;
	nop) echo "--mode nop --depth 256" ;;
	invalid) echo "--mode invalid --depth 256" ;;
	cpu) echo "--mode cpu" ;;
	solo) echo "" ;;
	*) echo "isolation: unknown adversary $1" >&2; exit 2 ;;
	esac
}

echo "isolation: neighbour AES ${SIZE} B depth $DEPTH, $ENGINES engine(s), $REPS rounds x ${SECS} s; $(nproc) CPUs"
for rep in $(seq "$REPS"); do
	for adv in $ADVS; do
		a0=$(dev_s 0); a1=$(dev_s 1)
		apid=
		args=$(adv_args "$adv")
		if [ -n "$args" ]; then
			# shellcheck disable=SC2086
			"$TENANT" --device "$dev" $args --seconds "$((SECS + 1))" >"$dir/adv.out" 2>&1 &
			apid=$!
			sleep 0.3
		fi
		t0=$(date +%s.%N)
		out=$("$TENANT" --device "$dev" --mode aes --size "$SIZE" --depth "$DEPTH" --seconds "$SECS")
		t1=$(date +%s.%N)
		vf=$(sed -n 's/.* vf=\([0-9]*\).*/\1/p' <<<"$out")
		b0=$(dev_s 0); b1=$(dev_s 1)
		[ -n "$apid" ] && { wait "$apid" || true; }
		grep -q "reset by the device" "$dir/adv.out" 2>/dev/null && note=" (adversary reset)" || note=
		awk -v out="$out" -v adv="$adv" -v vf="$vf" -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" \
		    -v el="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" -v note="$note" 'BEGIN {
			split(out, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
			mine = vf == 0 ? b0 - a0 : b1 - a1; other = vf == 0 ? b1 - a1 : b0 - a0
			printf "%s %s %s %.4f %.4f%s\n", adv, v["mbps"], v["p99_us"], mine / el, other / el, note
		}' >>"$dir/rows"
		rm -f "$dir/adv.out"
	done
done

awk -v advs="$ADVS" '
	{ n[$1]++; m[$1, n[$1]] = $2; p[$1, n[$1]] = $3; d[$1, n[$1]] = $4; o[$1, n[$1]] = $5 }
	function med(a, k, c,    i, j, t, x) {
		for (i = 1; i <= c; i++) x[i] = a[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
		lo = x[1]; hi = x[c]
		return c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
	}
	END {
		na = split(advs, A, " ")
		for (i = 1; i <= na; i++) {
			a = A[i]; c = n[a]
			M[a] = med(m, a, c); sm[a] = M[a] ? (hi - lo) / M[a] : 0
			P[a] = med(p, a, c); sp[a] = P[a] ? (hi - lo) / P[a] : 0
			D[a] = med(d, a, c); O[a] = med(o, a, c)
		}
		printf "%-8s %9s %7s %9s %7s %8s %8s %8s %8s %8s\n", "beside", "MB/s", "spread", "p99_us", "spread",
			"eng_s/s", "adv_s/s", "eng/own", "p99/own", "MB/cpu"
		for (i = 1; i <= na; i++) {
			a = A[i]
			printf "%-8s %9.1f %6.0f%% %9d %6.0f%% %8.3f %8.3f %8s %8s %8s\n", a, M[a], 100 * sm[a], P[a],
				100 * sp[a], D[a], O[a], (D["own"] > 0 ? sprintf("%.2f", D[a] / D["own"]) : "-"),
				(P["own"] > 0 ? sprintf("%.2f", P[a] / P["own"]) : "-"),
				(M["cpu"] > 0 ? sprintf("%.2f", M[a] / M["cpu"]) : "-")
		}
	}' "$dir/rows"
