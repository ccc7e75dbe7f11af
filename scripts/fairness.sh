#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fairness.sh - N tenant processes on N VFs of one vfcd at equal demand: each one's speed and Jain's fairness index.
#
#   scripts/fairness.sh                      16 tenants, 60 s, 1 engine, 16 KiB AES-128-CBC at depth 32
#   N=4 SECS=5 ENGINES=2 scripts/fairness.sh
#
# Environment: VFC, VFCD (binaries, default build/tools/...), N, SECS, ENGINES, SIZE, DEPTH, CTL (controller
# spec for every tenant, default none), ALGO (default aes-128-cbc).
set -euo pipefail

VFC=${VFC:-build/tools/vfc}
VFCD=${VFCD:-build/tools/vfcd}
N=${N:-16}
SECS=${SECS:-60}
ENGINES=${ENGINES:-1}
SIZE=${SIZE:-16384}
DEPTH=${DEPTH:-32}
CTL=${CTL:-none}
ALGO=${ALGO:-aes-128-cbc}

for b in "$VFC" "$VFCD"; do
	[ -x "$b" ] || { echo "fairness: $b not built (run make)" >&2; exit 2; }
done
dir=$(mktemp -d /tmp/vfc-fairness-XXXXXX)
dpid=
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

"$VFCD" --foreground --socket "$dir/vfcd.sock" --vfs "$N" --engines "$ENGINES" --metrics off \
	--log stderr 2>"$dir/vfcd.log" &
dpid=$!
for _ in $(seq 100); do
	[ -S "$dir/vfcd.sock" ] && break
	sleep 0.05
done
[ -S "$dir/vfcd.sock" ] || { echo "fairness: vfcd did not start:" >&2; cat "$dir/vfcd.log" >&2; exit 1; }

echo "fairness: $N tenants x $ALGO ${SIZE} B at depth $DEPTH, controller $CTL, $ENGINES engine(s), ${SECS} s"
pids=()
for i in $(seq 0 $((N - 1))); do
	"$VFC" bench --device "unix:$dir/vfcd.sock" --algo "$ALGO" --size "$SIZE" --depth "$DEPTH" \
		--seconds "$SECS" --warmup 1 --ctl "$CTL" -q --csv "$dir/t$i.csv" >/dev/null 2>"$dir/t$i.err" &
	pids+=($!)
done
fail=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || { echo "fairness: tenant $i failed:" >&2; cat "$dir/t$i.err" >&2; fail=1; }
done
[ $fail -eq 0 ] || exit 1

# The CSV's mbps column, by name.
for i in $(seq 0 $((N - 1))); do
	awk -F, 'NR == 1 { for (k = 1; k <= NF; k++) if ($k == "mbps") c = k } NR == 2 { print $c }' "$dir/t$i.csv"
done | awk -v n="$N" '
	{ x[NR] = $1; s += $1; s2 += $1 * $1; if (NR == 1 || $1 < mn) mn = $1; if ($1 > mx) mx = $1 }
	END {
		for (i = 1; i <= NR; i++) printf "  tenant %2d: %8.1f MB/s\n", i - 1, x[i]
		if (NR != n || s2 == 0) { print "fairness: missing results" > "/dev/stderr"; exit 1 }
		printf "total %.1f MB/s, min %.1f, max %.1f, Jain index %.4f (1 = perfectly fair)\n", s, mn, mx, s * s / (n * s2)
	}'
