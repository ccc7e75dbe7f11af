#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# chaos.sh - the chaos soak: tenants of a vfcd killed, reset and orphaned at random; every op's callbacks counted, outputs checked against OpenSSL.
set -euo pipefail

usage()
{
	cat <<'EOF'
usage: scripts/chaos.sh [--tenants N] [--build DIR] [--seed N] [--daemon-every S] [--keep] SECONDS

Runs the built vfcd (BUILD/tools/vfcd) on a socket in a temporary directory and N tenants
(BUILD/tools/vfc-chaos-tenant, one process each) for SECONDS. Each tenant draws from its seed
a queue depth (1..64), partitioning (off, or pieces of 256 B..16 KiB), an interrupt mode and a
controller, and keeps random ops in flight: AES-128-CBC encrypt/decrypt and SHA-256 of
1 B..64 KiB, and RSA-2048 sign/verify when the openssl command can make a key; every 2-4 s it
closes its VF with ops in flight and opens a new one. Meanwhile, at random every 0.2-1 s:

  - a tenant is killed with SIGKILL and a new one started in its place;
  - a random VF is reset with `vfc ctl reset`;
  - every --daemon-every seconds (default 15; the first after a third of the run at the
    latest), the daemon is killed with SIGKILL and restarted (engine kind openssl or auto,
    at random); tenants see their ops fail, reopen a VF and go on.

Every tenant counts each op's callbacks (an op with none is lost, one with more is
duplicated) and compares 1 output in 16 with OpenSSL EVP (a wrong output or an unexpected
status is corrupted). A tenant writes its running totals to a file every 0.2 s, replaced
atomically; the ops of a killed tenant count up to its last checkpoint (the ops it had in
flight when it died are in no total, as nobody is left to see their callbacks).

Prints one summary line:
  chaos: ... submitted S / completed once C / lost L / duplicated D / corrupted X (...), R ops/s
and exits 1 if L, D or X is not 0, if a tenant crashed or hung, or if no op completed;
2 on a usage or set-up error.

  --tenants N       tenant processes (default 6)
  --build DIR       the build directory (default: build, next to scripts/)
  --seed N          the run's random seed (default: from the time); printed for a rerun
  --daemon-every S  seconds between daemon kills (default 15; 0: never)
  --keep            keep the temporary directory (daemon and tenant logs, totals)
EOF
}

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
tenants=6
seed=$(( $(date +%s) % 100000 ))
daemon_every=15
keep=0
run_s=
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--tenants) tenants=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--daemon-every) daemon_every=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-*) usage >&2; exit 2 ;;
	*) run_s=$1; shift ;;
	esac
done
case "$run_s$tenants$seed$daemon_every" in
*[!0-9]*|'') usage >&2; exit 2 ;;
esac
[ "$run_s" -ge 1 ] && [ "$tenants" -ge 1 ] && [ "$tenants" -le 60 ] || { usage >&2; exit 2; }
vfcd="$build/tools/vfcd"
vfc="$build/tools/vfc"
tenant_bin="$build/tools/vfc-chaos-tenant"
for b in "$vfcd" "$vfc" "$tenant_bin"; do
	[ -x "$b" ] || { echo "chaos: $b not built (cmake --build $build)" >&2; exit 2; }
done

RANDOM=$seed
dir=$(mktemp -d "${TMPDIR:-/tmp}/vfc-chaos.XXXXXX")
sock="$dir/vfcd.sock"
dev="unix:$sock"
n_vfs=$((tenants + 2))
dpid=
declare -a tpid tgen
cleanup()
{
	for p in "${tpid[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
	[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ "$keep" = 1 ]; then echo "chaos: kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT

# Times are microseconds since the epoch: ${EPOCHREALTIME/./} (bash 5), no process per reading.

# Start the daemon and wait (up to 60 s: a loaded machine) until it answers.
daemon_start()
{
	local kind=openssl i
	[ $((RANDOM % 2)) = 1 ] && kind=auto
	"$vfcd" --foreground --socket "$sock" --metrics off --vfs "$n_vfs" --engines 2 \
		--engine-kind "$kind" --drain-timeout 1000 2>>"$dir/vfcd.log" &
	dpid=$!
	for i in $(seq 600); do
		timeout 10 "$vfc" ctl --device "$dev" info >/dev/null 2>&1 && return 0
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "chaos: vfcd did not start (log: $dir/vfcd.log)" >&2
	tail -5 "$dir/vfcd.log" >&2 || true
	keep=1
	exit 2
}

rsa_args=()
if command -v openssl >/dev/null &&
   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/rsa.pem" 2>/dev/null; then
	rsa_args=(--rsa-key "$dir/rsa.pem")
fi

spawns=0
tenant_start()
{
	local i=$1
	spawns=$((spawns + 1))
	tgen[i]=$spawns
	"$tenant_bin" --device "$dev" --until "$until_s" --out "$dir/t$i.$spawns.tot" \
		--seed $((seed * 10000 + spawns)) "${rsa_args[@]}" --verbose 2>>"$dir/tenants.log" &
	tpid[i]=$!
}

kills=0 resets=0 dkills=0 crashed=0 hung=0
# A tenant that exited by itself before the end: 0 is fine (it ran out of time), else it crashed.
reap()
{
	local i=$1 st=0
	wait "${tpid[i]}" || st=$?
	if [ "$st" != 0 ]; then
		crashed=$((crashed + 1))
		echo "chaos: tenant ${tpid[i]} (t$i.${tgen[i]}) exited with status $st" >&2
	fi
	tpid[i]=
}

daemon_start
start_us=${EPOCHREALTIME/./}
until_us=$((start_us + run_s * 1000000))
until_s=$((until_us / 1000000)).$(printf %06d $((until_us % 1000000)))
first=$(( run_s / 3 < daemon_every ? run_s / 3 : daemon_every ))
next_dkill=$((start_us + (first > 2 ? first : 2) * 1000000))
for ((i = 0; i < tenants; i++)); do tenant_start "$i"; done

# Events stop 2 s before the end: a tenant started or a daemon killed then would see nothing.
quiet_from=$((until_us - 2000000))
while [ "${EPOCHREALTIME/./}" -lt "$quiet_from" ]; do
	sleep "0.$((RANDOM % 8 + 2))"
	[ "${EPOCHREALTIME/./}" -lt "$quiet_from" ] || break
	for ((i = 0; i < tenants; i++)); do
		if ! kill -0 "${tpid[i]}" 2>/dev/null; then reap "$i"; tenant_start "$i"; fi
	done
	if [ "$daemon_every" -gt 0 ] && [ "${EPOCHREALTIME/./}" -ge "$next_dkill" ]; then
		kill -9 "$dpid"; wait "$dpid" 2>/dev/null || true
		dkills=$((dkills + 1))
		next_dkill=$((${EPOCHREALTIME/./} + daemon_every * 1000000))
		daemon_start
	elif [ $((RANDOM % 2)) = 0 ]; then
		i=$((RANDOM % tenants))
		kill -9 "${tpid[i]}" 2>/dev/null || true
		wait "${tpid[i]}" 2>/dev/null || true
		kills=$((kills + 1))
		tenant_start "$i"
	else
		timeout 10 "$vfc" ctl --device "$dev" reset $((RANDOM % n_vfs)) >/dev/null 2>&1 &&
			resets=$((resets + 1)) || true
	fi
done

# The end: each tenant drains what it has in flight (it gives up on an op after 60 s) and exits.
end_by=$((${EPOCHREALTIME/./} + 150000000))
for ((i = 0; i < tenants; i++)); do
	while kill -0 "${tpid[i]}" 2>/dev/null && [ "${EPOCHREALTIME/./}" -lt "$end_by" ]; do sleep 0.2; done
	if kill -0 "${tpid[i]}" 2>/dev/null; then
		hung=$((hung + 1))
		echo "chaos: tenant ${tpid[i]} (t$i.${tgen[i]}) did not finish: killed" >&2
		kill -9 "${tpid[i]}" 2>/dev/null || true
		wait "${tpid[i]}" 2>/dev/null || true
		tpid[i]=
	else
		reap "$i"
	fi
done
kill -TERM "$dpid" 2>/dev/null || true
wait "$dpid" 2>/dev/null || true
dpid=

# Sum the last checkpoint of every tenant process.
read -r sub comp lost dup corr checked errs reopens < <(cat "$dir"/t*.tot 2>/dev/null | awk '
	{ for (k = 1; k < NF; k += 2) v[$k] += $(k + 1) }
	END { printf "%d %d %d %d %d %d %d %d\n", v["submitted"], v["completed"], v["lost"], v["dup"],
	      v["corrupted"], v["checked"], v["errors"], v["reopens"] }')
rate=$(awk -v c="$comp" -v s="$run_s" 'BEGIN { printf "%.0f", c / s }')
echo "chaos: ${run_s} s, seed $seed, $tenants tenants ($spawns started, $kills killed), $resets resets," \
     "$dkills daemon kills, $reopens closes with ops in flight: submitted $sub / completed once $comp / lost $lost / duplicated $dup /" \
     "corrupted $corr (checked $checked, failed by reset or daemon death $errs), $rate ops/s"
bad=$((lost + dup + corr + crashed + hung))
if [ "$sub" != $((comp + lost)) ]; then
	echo "chaos: the tenants' totals disagree: submitted $sub != completed $comp + lost $lost" >&2
	bad=$((bad + 1))
fi
if [ "$bad" != 0 ] || [ "$comp" = 0 ]; then
	[ "$crashed$hung" != 00 ] && echo "chaos: $crashed tenants crashed, $hung hung" >&2
	grep -E 'lost|callback|differs|unexpected|changed|hang' "$dir/tenants.log" | head -20 >&2 || true
	keep=1
	exit 1
fi
