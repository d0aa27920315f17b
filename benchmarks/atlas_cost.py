"""Benchmark (not a test): per-unit cost of the atlas against separate feature_vis runs,
in one process, then units/hour of the Beam pipeline on the DirectRunner.

(c) N units of one layer: N separate `feature_vis.visualize` calls (each builds and traces
    its own step, as the feature_vis script does per unit) vs `UnitRenderer` (one compiled
    step) at batch 1 and batch 8, float32 and bfloat16; prints seconds per unit and the
    ratio to a separate run, plus the quality of bf16 (objective, mean |pixel difference|
    against the fp32 image of the same unit).
(d) units/hour of `python -m lucid_repro.scripts.atlas` with 1 and 2 DirectRunner workers
    (multi_processing; includes worker start-up and model loading).

    python benchmarks/atlas_cost.py [--size 128 --steps 128 --units 8 --layer conv4_2] [--no_beam]
        [--precisions float32,bfloat16 --batches 1,8 --beam_size 64 --beam_steps 32]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from lucid_repro import models  # noqa: E402
from lucid_repro.models.precision import with_precision  # noqa: E402
from lucid_repro.optvis import units  # noqa: E402
from lucid_repro.recipes import feature_vis  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=128)
    ap.add_argument("--units", type=int, default=8)
    ap.add_argument("--layer", default="conv4_2")
    ap.add_argument("--no_beam", action="store_true")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall clock, or this process's CPU time (user + system, all threads), which "
                         "other processes on a shared machine move much less (issue 29)")
    ap.add_argument("--precisions", default="float32,bfloat16")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--beam_size", type=int, default=64, help="--size of the Beam runs (d)")
    ap.add_argument("--beam_steps", type=int, default=32)
    args = ap.parse_args()
    timer = time.process_time if args.clock == "cpu" else time.perf_counter
    base = models.load("vgg19")
    chans = list(range(args.units))
    seeds = units.UnitRenderer(base, args.layer).seeds(chans)
    start = timer()
    for c, s in zip(chans, seeds):
        feature_vis.visualize(base, f"{args.layer}:{c}", size=args.size, steps=args.steps, seed=s, progress=False)
    separate = (timer() - start) / len(chans)
    # where a separate run's time goes: building and tracing its step (a 1-step run, the
    # same unit) against the steps themselves
    start = timer()
    feature_vis.visualize(base, f"{args.layer}:{chans[0]}", size=args.size, steps=1, seed=seeds[0], progress=False)
    setup = timer() - start
    print(f"{args.units} units of {args.layer}, {args.size}px, {args.steps} steps, {args.clock} time, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"  separate feature_vis runs: {separate:.2f} s/unit, of which building + tracing the step "
          f"~{setup:.2f} s (a 1-step run) and {args.steps} steps ~{separate - setup:.2f} s "
          f"({(separate - setup) / args.steps * 1e3:.0f} ms/step)")
    images = {}
    for precision in args.precisions.split(","):
        model = with_precision(base, precision)
        for batch in [int(b) for b in args.batches.split(",")]:
            r = units.UnitRenderer(model, args.layer, size=args.size, steps=args.steps, batch=batch,
                                   model_name=base.name, saturation_penalty=feature_vis.SATURATION_PENALTY)
            start = timer()
            out = r.render_units(chans)
            per = (timer() - start) / len(chans)
            images[precision, batch] = out
            extra = ""
            if precision != "float32" and ("float32", batch) in images:
                ref = images["float32", batch]
                diff = np.mean([np.abs(a["image"] - b["image"]).mean() for a, b in zip(out, ref)])
                obj = np.mean([a["objective"] / max(abs(b["objective"]), 1e-6) for a, b in zip(out, ref)])
                extra = f"; vs fp32: mean |pixel diff| {diff:.3f}, objective ratio {obj:.2f}"
            print(f"  atlas {precision} batch {batch}: {per:.2f} s/unit = {per / separate:.2f}x a separate run "
                  f"({per / args.steps * 1e3:.0f} ms per unit-step; traces {r.traces}){extra}")
    if args.no_beam:
        return
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd()] + sys.path))
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            cmd = [sys.executable, "-m", "lucid_repro.scripts.atlas", f"--layers={args.layer}",
                   f"--channels=0:{args.units}", f"--size={args.beam_size}", f"--steps={args.beam_steps}", "--batch=1",
                   f"--output_dir={out}", f"--num_workers={workers}"]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            wall = time.perf_counter() - start
            with open(os.path.join(out, "manifest.json")) as f:
                m = json.load(f)
            print(f"  DirectRunner {workers} worker(s), {args.beam_size}px {args.beam_steps} steps: {args.units / wall * 3600:.0f} units/hour end to end "
                  f"({wall:.1f} s incl. start-up), {m['units_per_hour_this_run']:.0f} units/hour in the pipeline")


if __name__ == "__main__":
    main()
