#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# agree.py - the aggregated mode against the exact one (docs/sim.md, "Aggregated mode: agreement").
"""usage: agree.py VFC {grid PROFILE.json | random N SEED | file SCENARIO...} [--dur S] [--aa]
                 [--only I,J,...] [--seeds K]

Runs each scenario with `vfc sim --exact` and `--aggregate` and prints, per
scenario, the relative difference of total MB/s and of interrupts per second,
and how many VFs end with a final cap more than one ladder step (ratio 1.25,
dim's 2.0) from the exact run's. The target: 1%, 2%, none. --aa: also the
exact mode with the scenario's seed + 1 against the exact one, the spread
between two exact seeds (controllers that explore on noise end on different
rungs in the exact mode itself). --only: the scenarios of those indices (0-based) only.
--seeds K: each mode with the seeds s .. s+K-1, and the exact mode with s+K .. s+2K-1
besides: the means of K runs compared (speed, interrupts), the exact mode's second K
against its first beside them (A/A), and each group's final caps compared as
distributions (sorted and matched, pooled over the seeds: VFs of a group are
exchangeable, so which of them ends on which rung is not an outcome)."""
import hashlib, json, os, random, subprocess, sys, tempfile, time

ALGOS = ["aes-128-cbc", "sha256", "aes-128-cbc-dec"]
CTLS = ["none", "static:2000", "static:8000", "paper", "dim", "adaptive"]


def run(vfc, path, mode):
    t = time.time()
    out = subprocess.run([vfc, "sim", path, "--json", "--no-timing", "--quiet", "--" + mode],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out), time.time() - t


def step_of(ctl):
    return 2.0 if ctl.startswith("dim") else 1.25


def exact_cached(vfc, sc, path):
    # AGREE_CACHE=DIR keeps exact results by scenario (the exact mode is the reference: rerun it only when it changes)
    cache = os.environ.get("AGREE_CACHE")
    cpath = cache and os.path.join(cache, hashlib.sha1(json.dumps(sc, sort_keys=True).encode()).hexdigest() + ".json")
    if cpath and os.path.exists(cpath):
        return json.load(open(cpath)), float("nan")
    with open(path, "w") as f:
        json.dump(sc, f)
    # AGREE_EXACT=VFC2: the reference from another build (e.g. one without a known deviation)
    e, te = run(os.environ.get("AGREE_EXACT", vfc), path, "exact")
    if cpath:
        os.makedirs(cache, exist_ok=True)
        json.dump(e, open(cpath, "w"))
    return e, te


def diff(e, a):
    """(speed %, interrupts %, VFs whose final caps are more than a ladder step apart) of a against e."""
    dm = 100 * (a["total_mbps"] / e["total_mbps"] - 1) if e["total_mbps"] else 0
    di = 100 * (a["irq_hz"] / e["irq_hz"] - 1) if e["irq_hz"] else 0
    far = 0
    for ve, va in zip(e["vfs"], a["vfs"]):
        ce, ca = ve["cap_hz_final"] or 10**9, va["cap_hz_final"] or 10**9
        if max(ce, ca) / min(ce, ca) > step_of(ve["ctl"]) * 1.001:
            far += 1
    return dm, di, far


def compare(vfc, name, sc, tmp, aa):
    """One scenario; with aa, also the exact mode with the next seed against the exact one (the noise floor)."""
    path = os.path.join(tmp, name.replace("/", "_").replace(" ", "_") + ".json")
    e, te = exact_cached(vfc, sc, path)
    with open(path, "w") as f:
        json.dump(sc, f)
    a, ta = run(vfc, path, "aggregate")
    dm, di, far = diff(e, a)
    ok = abs(dm) <= 1 and abs(di) <= 2 and far == 0
    line = (f"{name:28s} {e['nvfs']:5d} {e['total_mbps']:10.1f} {dm:+7.2f}% {e['irq_hz']:11.0f} {di:+7.2f}% "
            f"{far:4d} {te:7.2f} {ta:6.2f}")
    far_aa = 0
    if aa:
        sc2 = dict(sc, seed=sc.get("seed", 1) + 1)
        e2, _ = exact_cached(vfc, sc2, path)
        dm2, di2, far_aa = diff(e, e2)
        line += f" | A/A {dm2:+6.2f}% {di2:+6.2f}% {far_aa:4d}"
    print(f"{line} {'ok' if ok else 'MISS'}", flush=True)
    return ok, far, far_aa, abs(dm) <= 1 and abs(di) <= 2


def agg_cached(vfc, sc, path):
    """The aggregated run, kept like the exact one when AGREE_AGG_CACHE=DIR is set."""
    cache = os.environ.get("AGREE_AGG_CACHE")
    cpath = cache and os.path.join(cache, hashlib.sha1(json.dumps(sc, sort_keys=True).encode()).hexdigest() + ".json")
    if cpath and os.path.exists(cpath):
        return json.load(open(cpath))
    with open(path, "w") as f:
        json.dump(sc, f)
    a, _ = run(vfc, path, "aggregate")
    if cpath:
        os.makedirs(cache, exist_ok=True)
        json.dump(a, open(cpath, "w"))
    return a


def group_caps_far(runs_e, runs_a):
    """VFs more than a ladder step apart when each group's final caps, pooled over the runs, are
    sorted in both sets and matched rank by rank (the sets hold the same number of runs)."""
    far = 0
    for g in sorted({v["group"] for v in runs_e[0]["vfs"]}):
        ce = sorted(v["cap_hz_final"] or 10**9 for r in runs_e for v in r["vfs"] if v["group"] == g)
        ca = sorted(v["cap_hz_final"] or 10**9 for r in runs_a for v in r["vfs"] if v["group"] == g)
        step = step_of(next(v["ctl"] for v in runs_e[0]["vfs"] if v["group"] == g))
        far += sum(max(x, y) / min(x, y) > step * 1.001 for x, y in zip(ce, ca))
    return far // len(runs_e)


def mean_diff(runs_e, runs_a, key):
    me = sum(r[key] for r in runs_e) / len(runs_e)
    ma = sum(r[key] for r in runs_a) / len(runs_a)
    return 100 * (ma / me - 1) if me else 0


def compare_seeds(vfc, name, sc, tmp, k):
    """The means of k runs per mode (seeds s .. s+k-1), and the exact mode's next k against its first."""
    path = os.path.join(tmp, name.replace("/", "_").replace(" ", "_") + ".json")
    s0 = sc.get("seed", 1)
    ex = [exact_cached(vfc, dict(sc, seed=s0 + i), path)[0] for i in range(2 * k)]
    ag = [agg_cached(vfc, dict(sc, seed=s0 + i), path) for i in range(k)]
    e1, e2 = ex[:k], ex[k:]
    dm, di, far = mean_diff(e1, ag, "total_mbps"), mean_diff(e1, ag, "irq_hz"), group_caps_far(e1, ag)
    am, ai, afar = mean_diff(e1, e2, "total_mbps"), mean_diff(e1, e2, "irq_hz"), group_caps_far(e1, e2)
    ok = abs(dm) <= 1 and abs(di) <= 2 and far == 0
    print(f"{name:28s} {e1[0]['nvfs']:5d} {sum(r['total_mbps'] for r in e1) / k:10.1f} {dm:+7.2f}% "
          f"{sum(r['irq_hz'] for r in e1) / k:11.0f} {di:+7.2f}% {far:4d} | A/A {am:+6.2f}% {ai:+6.2f}% {afar:4d} "
          f"{'ok' if ok else 'MISS'}", flush=True)
    return ok, far, afar, abs(dm) <= 1 and abs(di) <= 2


def grid(profile, dur):
    rows = [l.strip().split(",") for l in open(os.path.join(os.path.dirname(__file__), "../../docs/grid.csv"))]
    hdr = rows[0]
    for r in rows[1:]:
        d = dict(zip(hdr, r))
        if d["ctl"] == "raw":
            continue
        yield (f"grid {int(d['block_bytes'])//1024}K {d['ctl']}",
               {"profile": "local", "profile_file": os.path.abspath(profile), "seed": 7, "duration_s": dur,
                "groups": [{"vfs": int(d["vfs"]), "ctl": d["ctl"],
                            "phases": [{"algo": d["algo"], "block_bytes": int(d["block_bytes"]),
                                        "depth": int(d["depth"])}]}]})


def random_scenario(rng, dur):
    groups, left = [], rng.randint(8, 256)
    while left > 0:
        n = min(left, rng.randint(1, 64))
        left -= n
        phases, t = [], 0.0
        for k in range(rng.randint(1, 3)):
            ph = {"at_s": round(t, 3), "algo": rng.choice(ALGOS), "block_bytes": rng.choice([1024, 2048, 4096, 16384, 65536])}
            if rng.random() < 0.7:
                ph["depth"] = rng.choice([1, 2, 4, 8, 16, 32])
            else:
                ph["rate_ops"] = rng.choice([50, 200, 1000, 5000])
            phases.append(ph)
            t += rng.uniform(0.2, 0.45) * dur
        groups.append({"vfs": n, "ctl": rng.choice(CTLS), "phases": phases})
    return {"profile": "dh895xcc-paper", "seed": rng.randint(1, 10**6), "duration_s": dur,
            "engines": rng.randint(2, 8), "groups": groups}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    vfc, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    dur = 20.0
    aa = "--aa" in args
    args = [x for x in args if x != "--aa"]
    only, seeds = None, 0
    if "--only" in args:
        i = args.index("--only")
        only = {int(x) for x in args[i + 1].split(",")}
        args = args[:i] + args[i + 2:]
    if "--seeds" in args:
        i = args.index("--seeds")
        seeds = int(args[i + 1])
        args = args[:i] + args[i + 2:]
    if "--dur" in args:
        i = args.index("--dur")
        dur = float(args[i + 1])
        args = args[:i] + args[i + 2:]
    if what == "grid":
        scs = list(grid(args[0], dur))
    elif what == "random":
        rng = random.Random(int(args[1]))
        scs = [(f"random {args[1]}/{k}", random_scenario(rng, dur)) for k in range(int(args[0]))]
    elif what == "file":
        scs = []
        for p in args:
            sc = json.load(open(p))
            if "profile_file" in sc:
                sc["profile_file"] = os.path.join(os.path.dirname(os.path.abspath(p)), sc["profile_file"])
            scs.append((os.path.basename(p), sc))
    else:
        sys.exit(__doc__)
    if only is not None:
        scs = [x for i, x in enumerate(scs) if i in only]
    print(f"{'scenario':28s} {'vfs':>5s} {'exact MB/s':>10s} {'d MB/s':>8s} {'exact irq/s':>11s} "
          f"{'d irq':>8s} {'caps':>4s} {'t_exact':>7s} {'t_agg':>6s}")
    with tempfile.TemporaryDirectory() as tmp:
        if seeds:
            rs = [compare_seeds(vfc, n, sc, tmp, seeds) for n, sc in scs]
        else:
            rs = [compare(vfc, n, sc, tmp, aa) for n, sc in scs]
    print(f"{sum(r[0] for r in rs)} of {len(scs)} within 1% / 2% / one ladder step; "
          f"{sum(r[3] for r in rs)} within 1% / 2%; caps more than a step apart: {sum(r[1] for r in rs)} VFs"
          + (f" (exact seed s against s+1: {sum(r[2] for r in rs)})" if aa else "")
          + (f" (exact seeds against the next {seeds}: {sum(r[2] for r in rs)})" if seeds else ""))


if __name__ == "__main__":
    main()
