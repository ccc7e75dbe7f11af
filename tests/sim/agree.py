#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# agree.py - the aggregated mode against the exact one (docs/sim.md, "Aggregated mode: agreement").
"""usage: agree.py VFC {grid PROFILE.json | random N SEED | file SCENARIO...} [--dur S] [--aa]

Runs each scenario with `vfc sim --exact` and `--aggregate` and prints, per
scenario, the relative difference of total MB/s and of interrupts per second,
and how many VFs end with a final cap more than one ladder step (ratio 1.25,
dim's 2.0) from the exact run's. The target: 1%, 2%, none. --aa: also the
exact mode with the scenario's seed + 1 against the exact one, the spread
between two exact seeds (controllers that explore on noise end on different
rungs in the exact mode itself)."""
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
    if "--dur" in args:
        dur = float(args[args.index("--dur") + 1])
        args = args[:args.index("--dur")]
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
    print(f"{'scenario':28s} {'vfs':>5s} {'exact MB/s':>10s} {'d MB/s':>8s} {'exact irq/s':>11s} "
          f"{'d irq':>8s} {'caps':>4s} {'t_exact':>7s} {'t_agg':>6s}")
    with tempfile.TemporaryDirectory() as tmp:
        rs = [compare(vfc, n, sc, tmp, aa) for n, sc in scs]
    print(f"{sum(r[0] for r in rs)} of {len(scs)} within 1% / 2% / one ladder step; "
          f"{sum(r[3] for r in rs)} within 1% / 2%; caps more than a step apart: {sum(r[1] for r in rs)} VFs"
          + (f" (exact seed s against s+1: {sum(r[2] for r in rs)})" if aa else ""))


if __name__ == "__main__":
    main()
