#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# why.py - one suite seed, window by window: a controller against dim and the per-window best common cap.
"""usage: why.py VFC SEED [--ctl SPEC] [--vfs MIN-MAX] [--engines MIN-MAX] [--duration S]
              [--caps LIST] [--keep DIR]

Rebuilds suite seed SEED's scenario (`vfc sim suite --scenario`, aggregated mode), runs it
with --ctl (default pf) and with dim, and prints per oracle window (the scenario's phase
changes): the window's best common static cap of --caps, each run's mean total MB/s, the
caps its groups held over the window's second half (mean per group) and its tenants' mean
CPU fraction. The first line gives both runs' totals over the oracle's. The ranges and the
duration must be the suite's (defaults: the fleet suite of issue 13, 8-256 VFs, 2-8 engines,
300 s). The oracle here is `vfc sim --oracle` over --caps at the controllers' tick, not the
suite's (its own ladder, a 10 s tick): ratios differ from the suite's by a few %."""
import argparse, collections, csv, json, os, shutil, subprocess, sys, tempfile

CAPS = "0,250,500,1000,2000,3000,4000,5000,7000,10000,15000,20000,30000,50000,100000"


def sim(vfc, path, ctl, out, caps=None):
    cmd = [vfc, "sim", path, "--ctl", ctl, "--csv", out + ".csv", "--json", "--quiet", "--no-timing"]
    if caps:
        cmd += ["--oracle", caps]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def per_tick(path):
    """Total MB/s per tick; caps per (tick, group); CPU fractions per tick."""
    tot, cap, cpu = collections.defaultdict(float), collections.defaultdict(list), collections.defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            t = float(r["t_s"])
            tot[t] += float(r["mbps"])
            cap[(t, int(r["group"]))].append(float(r["cap_hz"]))
            cpu[t].append(float(r["cpu_frac"]))
    return tot, cap, cpu


def window(run, a, b, ngroups):
    """A window's mean total, its second half's mean cap per group and mean CPU fraction."""
    tot, cap, cpu = run
    ts = [t for t in tot if a < t <= b]
    tail = [t for t in ts if t > a + (b - a) / 2] or ts
    mean = sum(tot[t] for t in ts) / max(1, len(ts))
    caps = []
    for g in range(ngroups):
        held = [sum(cap[(t, g)]) / len(cap[(t, g)]) for t in tail if (t, g) in cap]
        caps.append("%.0f" % (sum(held) / len(held)) if held else "-")
    c = sum(sum(cpu[t]) / len(cpu[t]) for t in tail) / max(1, len(tail))
    return mean, "/".join(caps), c


def main():
    ap = argparse.ArgumentParser(usage="why.py VFC SEED [options]", description=__doc__.split("\n\n", 1)[1])
    ap.add_argument("vfc", help="the vfc binary (build/tools/vfc)")
    ap.add_argument("seed", type=int, help="the suite's seed")
    ap.add_argument("--ctl", default="pf", help="the controller against dim (default pf)")
    ap.add_argument("--vfs", default="8-256", help="the suite's VF range (default 8-256)")
    ap.add_argument("--engines", default="2-8", help="the suite's engine range (default 2-8)")
    ap.add_argument("--duration", default="300", help="the suite's seconds (default 300)")
    ap.add_argument("--caps", default=CAPS, help="the oracle's static caps (default %(default)s)")
    ap.add_argument("--keep", help="write the scenario and the runs' CSV files here (default: a temporary dir)")
    a = ap.parse_args()
    d = a.keep or tempfile.mkdtemp(prefix="why-")
    os.makedirs(d, exist_ok=True)
    try:
        report(a, d)
    except BrokenPipeError:  # `why.py ... | head`: quiet, and the temporary dir still goes
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)


def report(a, d):
    scen = os.path.join(d, "%d.json" % a.seed)
    try:
        out = subprocess.run([a.vfc, "sim", "suite", "--seeds", "1", "--vfs", a.vfs, "--engines", a.engines,
                              "--duration", a.duration, "--aggregate", "--seed0", str(a.seed),
                              "--scenario", str(a.seed)], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("why.py: the scenario of seed %d: %s" % (a.seed, getattr(e, "stderr", "") or e))
    with open(scen, "w") as f:
        f.write(out)
    sc = json.loads(out)
    cj = sim(a.vfc, scen, a.ctl, os.path.join(d, "ctl"), a.caps)
    dj = sim(a.vfc, scen, "dim", os.path.join(d, "dim"))
    oracle = cj["oracle_total_mbps"]
    print("seed %d, %d engines: %s %.3f, dim %.3f of the oracle (%.0f MB/s)"
          % (a.seed, sc["engines"], a.ctl, cj["total_mbps"] / oracle, dj["total_mbps"] / oracle, oracle))
    for g in sc["groups"]:
        print("  %3d VFs " % g["vfs"] + " ".join("%.0f s: %s/%d/d%d" % (p["at_s"], p.get("algo", "="),
              p.get("block_bytes", 0), p.get("depth", 0)) for p in g["phases"]))
    runs = (per_tick(os.path.join(d, "ctl.csv")), per_tick(os.path.join(d, "dim.csv")))
    wins = cj["oracle_windows"]
    cuts = [w["at_s"] for w in wins] + [sc["duration_s"]]
    for k, (lo, hi) in enumerate(zip(cuts, cuts[1:])):
        (cm, cc, cu), (dm, dc, du) = (window(r, lo, hi, len(sc["groups"])) for r in runs)
        print("  %5.0f-%5.0f s  oracle cap %6d | %s %7.0f MB/s caps %s cpu %.2f | dim %7.0f caps %s cpu %.2f"
              % (lo, hi, wins[k]["best_cap_hz"], a.ctl, cm, cc, cu, dm, dc, du))
    if a.keep:
        print("scenario and runs in %s" % d)


if __name__ == "__main__":
    main()
