#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# after.py - a suite's windows after a change below a bar, each traced: stuck, slow, short or mixed.
"""usage: after.py VFC SUITE_JSON... [--ctl NAME] [--below R] [--vfs MIN-MAX] [--engines MIN-MAX]
                [--duration S] [--settle-ticks N]

Reads `vfc sim suite --aggregate --json` output files and, for each of a controller's settled windows
(after a change, from the settle point on; docs/sim.md, "After a change") whose ratio is under
--below, rebuilds the seed's scenario (`--scenario`), runs the controller with its trace on and the
window's best static cap (the suite's `window_best_cap`), and compares them tick by tick. A window
is *short* (under 10 s), *stuck* (under 0.3 of its ticks within 0.95 of the static cap's), *slow*
(within 0.95 from some tick in its first 60% to its end) or *mixed*. Each window's line gives its
ratio in the suite, its length, the share of good ticks, the tick from which all are good, the cap
the controller held at the end against the static one, the ratio recomputed here (the static run at
the controllers' tick; the suite's oracle runs at a 10 s tick, so it differs by a few %) and the
coordinator's states over the window (pf's trace, VFC_PF_TRACE). The ranges, duration and settle
ticks must be the suite's (defaults: the fleet suite of issue 13), and VFC the build that wrote
the files (another build's path parts from theirs). The last line counts the kinds. A window takes
2-10 s."""
import argparse, collections, json, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import why  # noqa: E402  (its per_tick: the totals per tick of a run's CSV)


def run(vfc, args, env=None):
    r = subprocess.run([vfc] + args, capture_output=True, text=True, env=env)
    if r.returncode:
        sys.exit("after.py: vfc %s: %s" % (" ".join(args[:2]), r.stderr.strip()))
    return r


def windows(sc, settle):
    """The settled windows (start, end, phase index) in the suite's order: one per change, from its
    settle point (settle ticks of the suite's 1 s tick after it) to the next change, dropped where
    that comes first."""
    ch = sorted({p["at_s"] for g in sc["groups"] for p in g["phases"] if p["at_s"] > 0})
    cuts = [0] + ch + [sc["duration_s"]]
    return [(cuts[i] + settle, cuts[i + 1], i) for i in range(1, len(cuts) - 1) if cuts[i] + settle < cuts[i + 1]]


def totals(vfc, scen, ctl, d, env=None):
    """A run of the scenario with ctl: its totals per tick (MB/s, by whole second) and its stderr."""
    csv = os.path.join(d, "run.csv")
    err = run(vfc, ["sim", scen, "--aggregate", "--ctl", ctl, "--quiet", "--no-timing", "--csv", csv], env).stderr
    return {round(t): y for t, y in why.per_tick(csv)[0].items()}, err


def trace(vfc, scen, ctl, d):
    """The controller's totals per tick and its state and cap per tick (pf's trace lines)."""
    tot, err = totals(vfc, scen, ctl, d, dict(os.environ, VFC_PF_TRACE="1"))
    states = {}
    for line in err.splitlines():
        f = line.split()
        if len(f) > 5 and f[0] == "pf-coord":
            states[round(float(f[1]))] = (f[3], int(f[5]))
    return tot, states


def static(vfc, scen, cap, d):
    """The totals per tick of the scenario at one static cap (0: none)."""
    return totals(vfc, scen, "static:%d" % cap if cap else "none", d)[0]


def kind(length, good, settled_at):
    """The window's kind from its length (s), its share of good ticks and the tick from which all are."""
    if length < 10:
        return "short"
    if good < 0.3:
        return "stuck"
    if settled_at is not None and settled_at <= 0.6 * length:
        return "slow"
    return "mixed"


def one(a, d, seed, low, best_caps, count):
    """Seed's windows low [(index, ratio)], traced and printed, their kinds added to count."""
    scen = os.path.join(d, "%d.json" % seed)
    with open(scen, "w") as f:
        f.write(run(a.vfc, ["sim", "suite", "--seeds", "1", "--vfs", a.vfs, "--engines", a.engines,
                            "--duration", a.duration, "--aggregate", "--seed0", str(seed),
                            "--scenario", str(seed)]).stdout)
    with open(scen) as f:
        sc = json.load(f)
    wins = windows(sc, a.settle_ticks)
    tot, states = trace(a.vfc, scen, a.ctl, d)
    for k, r in low:
        if k >= len(wins):
            print("after.py: seed %d has no window %d here (not the suite's --settle-ticks?)" % (seed, k), file=sys.stderr)
            continue
        lo, hi, i = wins[k]
        ts = [t for t in range(int(lo) + 1, int(hi) + 1) if t in tot] or [t for t in tot if t > lo][:1]
        st = static(a.vfc, scen, best_caps[i], d)
        om = sum(st.get(t, 0) for t in ts) / len(ts)
        good = [tot[t] >= 0.95 * om for t in ts]
        at = next((n for n in range(len(good)) if all(good[n:])), None)
        seen = collections.Counter(states.get(t, ("-", 0))[0] for t in range(int(lo) - a.settle_ticks + 1, int(hi) + 1))
        kd = kind(hi - lo, sum(good) / len(good), at)
        count[kd] += 1
        print("%.3f seed %d window %d: %-5s %4.0f s, good %.2f from %s, cap %6d against %6d, here %.3f  %s"
              % (r, seed, k, kd, hi - lo, sum(good) / len(good), "-" if at is None else "tick %d" % at,
                 states.get(int(hi), ("-", 0))[1], best_caps[i], sum(tot[t] for t in ts) / len(ts) / om,
                 " ".join("%s %d" % s for s in sorted(seen.items()))), flush=True)


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[0][7:], description=__doc__.split("\n\n", 1)[1])
    ap.add_argument("vfc", help="the vfc binary (build/tools/vfc)")
    ap.add_argument("suites", nargs="+", help="vfc sim suite --json output files")
    ap.add_argument("--ctl", default="pf", help="the controller's column in the suite (default pf)")
    ap.add_argument("--below", type=float, default=0.95, help="the windows under this ratio (default 0.95)")
    ap.add_argument("--vfs", default="8-256", help="the suite's VF range (default 8-256)")
    ap.add_argument("--engines", default="2-8", help="the suite's engine range (default 2-8)")
    ap.add_argument("--duration", default="300", help="the suite's seconds (default 300)")
    ap.add_argument("--settle-ticks", type=int, default=4, help="the suite's settle ticks (default 4)")
    a = ap.parse_args()
    count = collections.Counter()
    d = tempfile.mkdtemp(prefix="after-")
    try:
        for path in a.suites:
            with open(path) as f:
                results = json.load(f)["results"]
            for res in results:
                low = [(k, r) for k, r in enumerate(res["ctl"][a.ctl]["settled"]) if r < a.below]
                if low:
                    one(a, d, res["seed"], low, res["window_best_cap"], count)
        print("windows below %.2f: %d; %s" % (a.below, sum(count.values()),
              ", ".join("%s %d" % kv for kv in count.most_common())))
    except (OSError, KeyError, ValueError) as e:
        sys.exit("after.py: %s" % e)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
