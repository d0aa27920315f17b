"""Benchmark (not a test): where a feature-visualization step's time goes, ours against
Xplique's, from oneDNN's own per-primitive timings (issue 29: "where a goal is missed, the
profile that shows where the time went").

    make bench-xplique-profile            # = .venv-xplique/bin/python benchmarks/step_profile.py
    python benchmarks/step_profile.py [--size 224 --steps 6 --layer conv4_2 --channel 17]

The parent re-runs this file as a child with `ONEDNN_VERBOSE=profile_exec` (oneDNN prints
one line per primitive execution with its time in ms); the child runs the three steps of
`xplique_step.py` (ours with the last layer sliced to the channel read, ours with the whole
layer, Xplique's optimize loop body; same weights, same pixel count into the network),
each warmed up then timed for --steps steps, and prints a marker before and after each
timed phase. The parent sums oneDNN's times per phase by primitive kind (convolution
forward, convolution backward-data, reorder, eltwise (ReLU), pooling, ...) and prints, per
step: the phase's wall time, oneDNN's total, and the rest (TensorFlow ops that are not
oneDNN primitives: FFT, resize, the projective transform, gathers, the optimizer, and the
executor's own overhead). Verbose timing adds a little to every primitive; the ratios
between phases are what this is for (`xplique_step.py` times without it).
"""
import argparse
import collections
import os
import subprocess
import sys
import time

MARK = "@@phase"
PHASES = ("ours_sliced", "ours_whole", "xplique")


def child(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import math

    import numpy as np
    import xplique_step as xs
    from lucid_repro import models

    base = models.load("vgg19")
    unit = f"{args.layer}:{args.channel}"
    sides = xs.our_network_sides(args.size)
    side = int(round(math.sqrt(float(np.mean(np.square(sides))))))
    model = xs.fixed_size_model(base, side)

    def timed(name, fn):
        print(f"{MARK} start {name}", flush=True)
        t = time.perf_counter()
        ms = fn()
        print(f"{MARK} end {name} {(time.perf_counter() - t) * 1e3 / args.steps:.3f} {ms:.3f}", flush=True)

    # each *_ms function warms up (untimed, between our markers too: the parent counts only
    # the timed part, which the functions bracket with their own clock) - so mark inside:
    orig_timer = xs.TIMER

    def marking_timer():
        # xs.ours_ms / xplique_ms call TIMER() exactly twice: before and after the timed steps
        marking_timer.calls += 1
        print(f"{MARK} {'begin' if marking_timer.calls % 2 else 'finish'}", flush=True)
        return orig_timer()
    marking_timer.calls = 0
    xs.TIMER = marking_timer
    for _ in range(args.rounds):
        timed("ours_sliced", lambda: xs.ours_ms(base, unit, args.size, args.steps))
        timed("ours_whole", lambda: xs.ours_ms(base, unit, args.size, args.steps, slice_channels=False))
        timed("xplique", lambda: xs.xplique_ms(model, args.layer, args.channel, side, args.steps,
                                               warmup=args.steps))


def onednn_exec(line):
    """(primitive kind, implementation, propagation kind, shape descriptor, ms) of one oneDNN
    verbose line of a primitive execution, else None (also used by feature_vis_step.py)."""
    if not line.startswith("onednn_verbose"):
        return None
    f = line.strip().split(",")
    if "exec" not in f:
        return None
    i = f.index("exec")
    try:
        return f[i + 2], f[i + 3], f[i + 4], f[-2], float(f[-1])
    except (IndexError, ValueError):
        return None


def parse(lines, steps):
    """{phase: {"ms": per-step timed ms (the phase's own clock), "prims": Counter of
    (kind, detail) -> ms per step}}, over all rounds."""
    out = {p: {"ms": [], "prims": collections.Counter(), "rounds": 0} for p in PHASES}
    phase, inside = None, False
    for line in lines:
        if line.startswith(MARK):
            parts = line.split()
            if parts[1] == "start":
                phase = parts[2]
            elif parts[1] == "begin":
                inside = True
            elif parts[1] == "finish":
                inside = False
            elif parts[1] == "end":
                out[phase]["ms"].append(float(parts[4]))
                out[phase]["rounds"] += 1
                phase = None
            continue
        record = onednn_exec(line) if inside and phase else None
        if record is None:
            continue
        kind, _, prop, _, ms = record
        if kind == "convolution":
            kind = "conv " + ("backward data" if "backward" in prop else "forward")
        out[phase]["prims"][kind] += ms
    for p in out.values():
        n = max(1, p["rounds"]) * steps
        p["prims"] = {k: v / n for k, v in p["prims"].items()}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--layer", default="conv4_2")
    ap.add_argument("--channel", type=int, default=17)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    env = dict(os.environ, ONEDNN_VERBOSE="profile_exec", TF_CPP_MIN_LOG_LEVEL="2")
    argv = [sys.executable, os.path.abspath(__file__), "--child"] + sys.argv[1:]
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if proc.returncode:
        sys.exit(f"error: the profiled child failed (exit {proc.returncode})")
    res = parse(proc.stdout.splitlines(), args.steps)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"{args.layer}:{args.channel}, size {args.size}, {args.steps} timed steps x {args.rounds} rounds, "
          f"ONEDNN_VERBOSE=profile_exec, load {load}; ms per step (mean over rounds)")
    kinds = sorted({k for p in res.values() for k in p["prims"]},
                   key=lambda k: -max(p["prims"].get(k, 0) for p in res.values()))
    print(f"{'':24s}" + "".join(f"{p:>14s}" for p in PHASES))
    rows = [("step (wall)", {p: sum(r["ms"]) / max(1, len(r["ms"])) for p, r in res.items()})]
    rows += [("  oneDNN total", {p: sum(r["prims"].values()) for p, r in res.items()})]
    rows += [(f"    {k}", {p: r["prims"].get(k, 0.0) for p, r in res.items()}) for k in kinds]
    rows += [("  not oneDNN (TF ops)", {p: rows[0][1][p] - rows[1][1][p] for p in PHASES})]
    for name, vals in rows:
        print(f"{name:24s}" + "".join(f"{vals[p]:14.1f}" for p in PHASES))
    x = rows[0][1]["xplique"]
    print(f"ratio to Xplique (wall, under verbose timing): sliced {rows[0][1]['ours_sliced'] / x:.2f}x, "
          f"whole {rows[0][1]['ours_whole'] / x:.2f}x; oneDNN total sliced/Xplique "
          f"{rows[1][1]['ours_sliced'] / rows[1][1]['xplique']:.2f}x")


if __name__ == "__main__":
    main()
