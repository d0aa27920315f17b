"""Benchmark (not a test; issue 29): what slicing the last layer contributes per step.
Steady-state ms per feature-visualization step (fft + decorrelated, Lucid's transforms,
objective <layer>:17; tracing excluded via render.StepCache) with the layer cut to the
channel read (slice_channels=True) and whole (False), interleaved A B A B ... on a shared
machine; prints each pair's ratio with the load average, and the median ratio, in wall
time and in this process's CPU time (user + system of all its threads: what the step
costs, much less moved by other processes on a shared machine than wall time).

    python benchmarks/slice_step.py [--layers conv3_1,conv4_2 --size 128 --steps 16 --rounds 4]
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
    a = ap.parse_args()
    model = models.load("vgg19")
    for layer in a.layers.split(","):
        objective = objectives.channel(layer, 17)
        runs = {}
        for sliced in (True, False):
            cache = render.StepCache()
            kw = dict(param_f=lambda: param.image(a.size), transforms=transforms.standard_transforms_for(model, a.size),
                      seed=0, progress=False, cache=cache, slice_channels=sliced)
            render.render(model, objective, thresholds=(a.steps,), **kw)     # traces, meets the shapes
            runs[sliced] = kw
        ratios, cpu_ratios = [], []
        for k in range(a.rounds):
            ms, cpu = {}, {}
            for sliced in (True, False):
                start, c0 = time.perf_counter(), time.process_time()
                render.render(model, objective, thresholds=(a.steps,), **runs[sliced])
                ms[sliced] = (time.perf_counter() - start) / a.steps * 1e3
                cpu[sliced] = (time.process_time() - c0) / a.steps * 1e3
            ratios.append(ms[True] / ms[False])
            cpu_ratios.append(cpu[True] / cpu[False])
            print(f"{layer} round {k + 1}: sliced {ms[True]:.0f} ms/step (CPU {cpu[True]:.0f} ms), whole "
                  f"{ms[False]:.0f} ms/step (CPU {cpu[False]:.0f} ms); ratio wall {ratios[-1]:.3f}, CPU "
                  f"{cpu_ratios[-1]:.3f} (load {loadavg()})", flush=True)
        print(f"{layer}: median sliced/whole: wall {np.median(ratios):.3f}, CPU time {np.median(cpu_ratios):.3f}")


if __name__ == "__main__":
    main()
