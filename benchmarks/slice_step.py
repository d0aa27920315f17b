"""Benchmark (not a test; issue 29): what slicing the last layer contributes per step.
Steady-state ms per feature-visualization step (fft + decorrelated, Lucid's transforms,
objective <layer>:17; tracing excluded via render.StepCache) with the layer cut to the
channel read (slice_channels=True) and whole (False), interleaved A B A B ... on a shared
machine; prints each pair's ratio with the load average, and the median ratio, in wall
time and in this process's CPU time (user + system of all its threads: what the step
costs, much less moved by other processes on a shared machine than wall time).

    python benchmarks/slice_step.py [--layers conv3_1,conv4_2 --size 128 --steps 16 --rounds 4
                                     --precisions float32,bfloat16]
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from lucid_repro import models  # noqa: E402
from lucid_repro.optvis import objectives, param, render, transforms  # noqa: E402


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", default="conv3_1,conv4_2")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--precisions", default="float32", help="comma list: float32, bfloat16 (interleaved)")
    a = ap.parse_args()
    from lucid_repro.models.precision import with_precision
    base = models.load("vgg19")
    precisions = a.precisions.split(",")
    for layer in a.layers.split(","):
        objective = objectives.channel(layer, 17)
        runs = {}
        for sliced in [(s, p) for p in precisions for s in (True, False)]:
            model = with_precision(base, sliced[1])
            cache = render.StepCache()
            kw = dict(param_f=lambda: param.image(a.size), transforms=transforms.standard_transforms_for(model, a.size),
                      seed=0, progress=False, cache=cache, slice_channels=sliced[0])
            render.render(model, objective, thresholds=(a.steps,), **kw)     # traces, meets the shapes
            runs[sliced] = (model, kw)
        ratios, cpu_ratios = {p: [] for p in precisions}, {p: [] for p in precisions}
        for k in range(a.rounds):
            ms, cpu = {}, {}
            for key, (model, kw) in runs.items():
                start, c0 = time.perf_counter(), time.process_time()
                render.render(model, objective, thresholds=(a.steps,), **kw)
                ms[key] = (time.perf_counter() - start) / a.steps * 1e3
                cpu[key] = (time.process_time() - c0) / a.steps * 1e3
            for p in precisions:
                ratios[p].append(ms[True, p] / ms[False, p])
                cpu_ratios[p].append(cpu[True, p] / cpu[False, p])
                print(f"{layer} {p} round {k + 1}: sliced {ms[True, p]:.0f} ms/step (CPU {cpu[True, p]:.0f} ms), "
                      f"whole {ms[False, p]:.0f} ms/step (CPU {cpu[False, p]:.0f} ms); ratio wall "
                      f"{ratios[p][-1]:.3f}, CPU {cpu_ratios[p][-1]:.3f} (load {loadavg()})", flush=True)
            if len(precisions) > 1:
                p = precisions[-1]
                print(f"  {p} sliced / float32 whole: wall {ms[True, p] / ms[False, 'float32']:.3f}, CPU "
                      f"{cpu[True, p] / cpu[False, 'float32']:.3f}", flush=True)
        for p in precisions:
            print(f"{layer} {p}: median sliced/whole: wall {np.median(ratios[p]):.3f}, "
                  f"CPU time {np.median(cpu_ratios[p]):.3f}")


if __name__ == "__main__":
    main()
