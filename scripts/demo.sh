#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh - reproduce the paper's Figures 2, 3, 8, 9 and 10 on the embedded device, and the multi-buffer engine's figure: tables, CSV and PNG plots.
#
# Usage: scripts/demo.sh VFC [OUTDIR]
#   VFC     the vfc binary (make demo passes build/tools/vfc)
#   OUTDIR  where the CSV, PNG and the log go (default: results)
# Environment: DEMO_SECONDS (measured seconds per point, default 1), DEMO_WARMUP (seconds before
# measuring, default 0.5), DEMO_TICK (speed monitor tick in ms, default 100), DEMO_DEPTH (requests in
# flight per task, default 32). The defaults fit in about 2 minutes on 2 cores.
set -euo pipefail

usage() {
	echo "usage: $0 VFC [OUTDIR]   (e.g. $0 build/tools/vfc results)" >&2
	exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
VFC=$1
OUT=${2:-results}
[ -x "$VFC" ] || { echo "demo: $VFC: not an executable (build first: make)" >&2; exit 1; }
case $OUT in *\'*) echo "demo: OUTDIR may not contain a single quote" >&2; exit 2 ;; esac

SECS=${DEMO_SECONDS:-1}
WARM=${DEMO_WARMUP:-0.5}
TICK=${DEMO_TICK:-100}
DEPTH=${DEMO_DEPTH:-32}
SIZES=512,1024,2048,4096,8192,16384,32768,65536
RSA_SIZES=512,1024,2048,4096
FIG3_BLOCK=16384

here=$(cd "$(dirname "$0")" && pwd)
plots=$here/plots
mkdir -p "$OUT"
log=$OUT/demo.log
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$log"

common=(--seconds "$SECS" --warmup "$WARM" --tick "$TICK" --depth "$DEPTH" -q)
# Points measured, for the progress counter: Fig 2 (8 + 8 raw), Fig 3 (4, 3 rounds), Fig 8 (16 more), Fig 9 (24),
# Fig 10 (12), the engine kinds (24).
total=104
done_pts=0
echo_cmd=1
t_start=$SECONDS

have_gnuplot=1
if ! command -v gnuplot >/dev/null 2>&1; then
	have_gnuplot=0
	echo "demo: gnuplot not found: writing CSV only (install gnuplot-nox: scripts/install-deps.sh)" >&2
fi

# bench N_POINTS CSV ARGS...: one vfc bench run; its per-point lines (cryptodev's format) become the progress.
# The command goes to the log, and to stdout unless echo_cmd=0.
bench() {
	local n=$1 csv=$2 cmd
	shift 2
	cmd="vfc bench ${common[*]} $* --csv $(basename "$csv")"
	echo "  $cmd" >> "$log"
	[ "$echo_cmd" = 0 ] || echo "  $cmd"
	"$VFC" bench "${common[@]}" "$@" --csv "$csv" | tee -a "$log" |
		awk -v k="$done_pts" -v total="$total" \
			'/: done\./ { printf "  [%2d/%d] %s\n", ++k, total, $0; fflush() }'
	done_pts=$((done_pts + n))
}

# plot CSV PNG SCRIPT
plot() {
	if [ "$have_gnuplot" = 1 ]; then
		gnuplot -e "in='$1'; out='$2'" "$plots/$3"
		echo "  -> $1, $2"
	else
		echo "  -> $1"
	fi
}

header() {
	printf '\n== %s  (%ds elapsed)\n' "$1" $((SECONDS - t_start))
}

# pivot CSV COL UNIT: one line per block size, for each controller the value of column COL, the
# interrupt rate and the cap in force; then each controller against the first (mean, min, max ratio).
pivot() {
	awk -F, -v col="$2" -v unit="$3" '
	NR == 1 { next }
	{
		if (!($2 in seen_b)) { seen_b[$2] = 1; bs[++nb] = $2 }
		if (!($6 in seen_c)) { seen_c[$6] = 1; cs[++nc] = $6 }
		v[$2, $6] = $col; irq[$2, $6] = $10; cap[$2, $6] = $11
	}
	END {
		printf "  %8s", "bytes"
		for (c = 1; c <= nc; c++)
			printf " | %-27s", cs[c]
		printf "\n  %8s", ""
		for (c = 1; c <= nc; c++)
			printf " | %9s %8s %8s", unit, "irq/s", "cap_hz"
		printf "\n"
		for (b = 1; b <= nb; b++) {
			printf "  %8d", bs[b]
			for (c = 1; c <= nc; c++)
				printf " | %9.1f %8.0f %8s", v[bs[b], cs[c]], irq[bs[b], cs[c]],
					(cap[bs[b], cs[c]] > 0 ? cap[bs[b], cs[c]] : "-")
			printf "\n"
		}
		for (c = 2; c <= nc; c++) {
			sum = 0; mn = 1e99; mx = 0; n = 0
			for (b = 1; b <= nb; b++) {
				base = v[bs[b], cs[1]]
				if (base <= 0)
					continue
				r = v[bs[b], cs[c]] / base
				sum += r; n++
				mn = r < mn ? r : mn; mx = r > mx ? r : mx
			}
			if (n)
				printf "  %s / %s: mean x%.2f, min x%.2f, max x%.2f\n", cs[c], cs[1], sum / n, mn, mx
		}
	}' "$1"
}

# peak CSV CTL: the largest speed of a controller column and where.
peak() {
	awk -F, -v ctl="$2" 'NR > 1 && $6 == ctl && $8 > best { best = $8; b = $2; irq = $10 }
		END { printf "  peak (%s): %.1f MB/s at %d bytes, %.0f interrupts/s\n", ctl, best, b, irq }' "$1"
}

echo "vfcrypt demo: the paper's Figures 2, 3, 8, 9 and 10 on the embedded device"
echo "  $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown))," \
	"${SECS}s measured + ${WARM}s warm-up per point, monitor tick ${TICK} ms, ${DEPTH} requests in flight per task"
echo "  output: $OUT/ (CSV, PNG; the full vfc output in $log)"

# ---- 0. the device does real crypto: its output is openssl's ----
if command -v openssl >/dev/null 2>&1 && command -v sha256sum >/dev/null 2>&1; then
	header "Check: the device's AES-128-CBC and SHA-256 against openssl and sha256sum"
	K=2b7e151628aed2a6abf7158809cf4f3c IV=000102030405060708090a0b0c0d0e0f
	head -c 1000000 /dev/urandom > "$tmp/data"
	"$VFC" enc -K $K -iv $IV -in "$tmp/data" -out "$tmp/data.enc"
	openssl enc -aes-128-cbc -K $K -iv $IV -in "$tmp/data" | cmp - "$tmp/data.enc"
	"$VFC" enc -d -K $K -iv $IV -in "$tmp/data.enc" | cmp - "$tmp/data"
	[ "$("$VFC" dgst "$tmp/data")" = "$(sha256sum "$tmp/data")" ]
	echo "  1 MB: vfc enc == openssl enc -aes-128-cbc, decrypts back; vfc dgst == sha256sum"
fi

# ---- Figure 2: AES-128-CBC speed and interrupt rate against block size, no control ----
header "Figure 2: AES-128-CBC speed and interrupt rate against block size, no interrupt control"
bench 16 "$OUT/fig2.csv" --algo aes-128-cbc --sizes $SIZES --ctl none --raw
awk -F, 'NR > 1 { if ($6 == "raw") raw[$2] = $8; else { b[++n] = $2; m[n] = $8; i[n] = $10 } }
	END {
		printf "  %8s %10s %10s %16s\n", "bytes", "MB/s", "irq/s", "raw OpenSSL MB/s"
		for (k = 1; k <= n; k++)
			printf "  %8d %10.1f %10.0f %16.1f\n", b[k], m[k], i[k], raw[b[k]]
	}' "$OUT/fig2.csv"
peak "$OUT/fig2.csv" none
echo "  paper (QAT): speed rises to a peak at 16384 bytes, then falls; interrupt rate rises with block size"
plot "$OUT/fig2.csv" "$OUT/fig2.png" fig2.gp

# ---- Figure 3: 1 to 4 tasks on one VF ----
header "Figure 3: 1 to 4 tasks on one VF, AES-128-CBC $FIG3_BLOCK-byte blocks: speed per task and in total"
# Three rounds over 1..4 tasks, then per task count the whole row of the median total speed: the
# total against the single task's is the point, and one round is noise-prone on a busy machine.
# (Not --repeat: it reports the median speed but the per-task columns of the last round.)
echo "  3 rounds; for each number of tasks, the round with the median total speed:"
for r in 1 2 3; do
	for t in 1 2 3 4; do
		echo_cmd=$((r == 1))
		bench 1 "$tmp/fig3_${t}_$r.csv" --algo aes-128-cbc --size $FIG3_BLOCK --ctl none --tasks $t
	done
done
echo_cmd=1
{
	head -n 1 "$tmp/fig3_1_1.csv"
	for t in 1 2 3 4; do
		tail -q -n +2 "$tmp/fig3_${t}_1.csv" "$tmp/fig3_${t}_2.csv" "$tmp/fig3_${t}_3.csv" |
			sort -t, -k8,8g | sed -n 2p
	done
} > "$OUT/fig3_tasks.csv"
awk -F, 'NR == 2 { single = $8 }
	NR == 1 { printf "  %5s %10s %18s %14s %10s %12s\n", "tasks", "total MB/s", "per task MB/s", "total/single",
		"irq/s", "tenant CPU %"; next }
	{ printf "  %5d %10.1f %8.1f .. %-7.1f %14.2f %10.0f %12.1f\n", $4, $8, $17, $18, (single > 0 ? $8 / single : 0),
		$10, $12 }' "$OUT/fig3_tasks.csv"
echo "  paper (QAT): each of N tasks gets about 1/N of the single-task speed; the total is below the single task's"
plot "$OUT/fig3_tasks.csv" "$OUT/fig3_tasks.png" fig3.gp

# ---- Figure 8: AES-128-CBC with and without the speed monitor (none is Figure 2's run) ----
header "Figure 8: AES-128-CBC with and without the speed monitor (paper: the paper's module; adaptive: ours)"
bench 16 "$tmp/fig8.csv" --algo aes-128-cbc --sizes $SIZES --ctl paper --ctl adaptive
{
	head -n 1 "$OUT/fig2.csv"
	awk -F, 'NR > 1 && $6 == "none"' "$OUT/fig2.csv"
	tail -n +2 "$tmp/fig8.csv"
} > "$OUT/fig8_aes.csv"
pivot "$OUT/fig8_aes.csv" 8 MB/s
echo "  paper (QAT): peak at 16384 bytes, ~6450 Hz; with the monitor the interrupt rate stops rising and the speed stays near the peak"
plot "$OUT/fig8_aes.csv" "$OUT/fig8_aes.png" fig8.gp

# ---- Figure 9: SHA-256 with and without the speed monitor ----
header "Figure 9: SHA-256 with and without the speed monitor"
bench 24 "$OUT/fig9_sha256.csv" --algo sha256 --sizes $SIZES --ctl none --ctl paper --ctl adaptive
pivot "$OUT/fig9_sha256.csv" 8 MB/s
echo "  paper (QAT): peak at 16384 bytes, ~5109 Hz, 177 MB/s kept with the monitor"
plot "$OUT/fig9_sha256.csv" "$OUT/fig9_sha256.png" fig9.gp

# ---- Figure 10: RSA ----
header "Figure 10: RSA-2048 signing (SHA-256 + PKCS#1 v1.5) with and without the speed monitor"
bench 12 "$OUT/fig10_rsa.csv" --algo rsa2048-sign --sizes $RSA_SIZES --ctl none --ctl paper --ctl adaptive
pivot "$OUT/fig10_rsa.csv" 9 sig/s
echo "  paper (QAT): RSA is computation-bound; the monitor barely helps"
plot "$OUT/fig10_rsa.csv" "$OUT/fig10_rsa.png" fig10.gp

# ---- The engine kinds: one request at a time on OpenSSL against intel-ipsec-mb's lanes ----
header "Engine kinds: AES-128-CBC on the openssl engine, the mb engine (intel-ipsec-mb lanes) and raw OpenSSL"
bench 24 "$OUT/figmb_kinds.csv" --algo aes-128-cbc --sizes $SIZES --ctl adaptive --engine-kind openssl,mb --raw
pivot "$OUT/figmb_kinds.csv" 8 MB/s
echo "  the mb engine falls back to openssl where intel-ipsec-mb is not built in (docs/mb.md)"
plot "$OUT/figmb_kinds.csv" "$OUT/figmb_kinds.png" figmb.gp

files=$(cd "$OUT" && for f in *.csv *.png; do [ -e "$f" ] && printf '%s ' "$f"; done)
printf '\n== done in %ds: %s\n' $((SECONDS - t_start)) "$files"
echo "   what the paper reports and why we differ: docs/reproducing-the-paper.md"
