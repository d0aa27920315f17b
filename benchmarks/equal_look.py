"""Benchmark (not a test; issue 29): equal look in less time. For units of two VGG19
layers at 128 px, the wall time each method needs to reach 95 % of the objective that
Lucid's recipe reaches in 512 steps, with the image statistics of each result (spectral
slope, clipped fraction, saturation: lucid_repro/image_stats.py), so "equal look" is
checked, not assumed.

Methods (all: fft + decorrelated colour, Lucid's standard transforms, Adam 0.05, the
bare channel objective as Lucid's, seed 0, float32):
  lucid      every step at full size, every layer computed whole (Lucid's recipe;
             slice_channels=False): the reference, 512 steps
  sliced     the same, the last layer cut to the channel the objective reads
  c2f        sliced + --schedule=coarse_to_fine (half the steps at 64 px, then 128 px)
  bf16       sliced, the network in bfloat16 (models.precision; what --precision=auto picks
             where bf16 is faster), objective measured in the run itself
  fused      sliced + --fused_transforms (Lucid's transform values as one warp to a fixed
             size: transforms.fused_standard_transforms)
  atlas      sliced, all units of a layer in ONE batch (optvis.units.UnitRenderer):
             per-unit time = batch time / units
The methods are interleaved unit by unit in one process (the machine is shared: ratios
measured side by side mean more than absolute times); each non-reference run stops at the
step where its objective (mean of the last 16 steps, full-size steps only) reaches 95 % of
the reference's (mean of its steps 497..512), and reports that time; a run that never gets
there reports its time at the reference's step count and "not reached".
Tracing excluded: the first step of each compiled stage counts as the stage's median step.
`cat /proc/loadavg` is printed beside each number. Times are wall clock; the ratios are
also given in this process's CPU time (user + system, all threads), which other
processes on a shared machine move much less.

    python benchmarks/equal_look.py [--layers conv3_1,conv4_1 --units 4 --size 128 --steps 512]
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from lucid_repro import image_stats, models  # noqa: E402
from lucid_repro.optvis import objectives, param, render, schedule, transforms, units  # noqa: E402

WINDOW = 16


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Clock:
    """stop_when hook: a timestamp per step, stops once the smoothed objective of the
    full-size steps reaches `target` (None: never)."""

    def __init__(self, target=None, min_stage=0):
        self.target, self.min_stage, self.start = target, min_stage, time.perf_counter()
        self.cpu_start, self.cpu = time.process_time(), []
        self.values, self.times, self.stage, self.last_i = [], [], 0, 0
        self.stage_starts = [0]
        self.reached = self.reached_cpu = None

    def __call__(self, i, loss, metrics):
        if i < self.last_i:
            self.stage += 1           # coarse_to_fine: the full-size stage began
            self.values = []
            self.stage_starts.append(len(self.times))
        self.last_i = i
        self.times.append(time.perf_counter() - self.start)
        self.cpu.append(time.process_time() - self.cpu_start)
        value = float(np.mean(list(metrics.values()))) if metrics else -loss
        self.values.append(value)
        smooth = float(np.mean(self.values[-WINDOW:]))
        armed = self.target is not None and self.stage >= self.min_stage and self.reached is None
        if armed and len(self.values) >= WINDOW and smooth >= self.target:
            self.reached = untraced(self.times, self.stage_starts)[-1]
            self.reached_cpu = untraced(self.cpu, self.stage_starts)[-1]
            return True
        return False


def untraced(times, stage_starts=(0,)):
    """Cumulative times with the first step of each stage (its tf.function tracing, and
    the parameterization's set-up) counted as that stage's median step."""
    t = np.diff(np.concatenate([[0.0], times]))
    bounds = list(stage_starts) + [len(t)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b - a > 1:
            t[a] = np.median(t[a + 1:b])
    return np.cumsum(t)


def run_single(model, unit, size, steps, target, slice_channels, sched, fused=False):
    layer, ch = unit.split(":")
    clock = Clock(target, min_stage=1 if sched == "coarse_to_fine" else 0)
    r = schedule.render_scheduled(
        model, objectives.channel(layer, int(ch)), lambda s: param.image(s), size, steps, schedule=sched,
        transforms_for=lambda s: transforms.standard_transforms_for(model, s, fused=fused),
        optimizer=render.adam(0.05),
        seed=0, progress=False, stop_when=clock, slice_channels=slice_channels)
    return clock, r.images[-1][0], r.steps


def run_atlas(model, layer, channels, size, steps, targets):
    """One batch of all `channels`; stops when every unit's smoothed objective has reached
    its target; per-unit time = wall / units."""
    ur = units.UnitRenderer(model, layer, size=size, steps=steps, batch=len(channels), seed=0)
    seeds = ur.seeds(channels)
    item_tf = [transforms.ItemwiseTransforms(len(channels))]
    item_tf[0].reset(seeds)
    metrics = {f"item{i}": units.item_objective(layer, i) for i in range(len(channels))}
    hist = {k: [] for k in metrics}
    start, cpu0 = time.perf_counter(), time.process_time()
    state = {"reached": None, "times": [], "cpu": []}

    def stop(i, loss, m):
        state["times"].append(time.perf_counter() - start)
        state["cpu"].append(time.process_time() - cpu0)
        for k, v in m.items():
            hist[k].append(v)
        if i >= WINDOW and all(np.mean(hist[f"item{j}"][-WINDOW:]) >= targets[j] for j in range(len(channels))):
            state["reached"] = untraced(state["times"])[-1]
            state["reached_cpu"] = untraced(state["cpu"])[-1]
            return True
        return False
    r = render.render(model, units.channels_objective(layer),
                      param_f=lambda: units.batch_param("fft", size, seeds), optimizer=render.adam(0.05),
                      transforms=item_tf, thresholds=(steps,), seed=seeds[0], progress=False,
                      step_inputs=lambda i, rng: {units.UNIT_KEY: np.asarray(channels, np.int32)},
                      metrics=metrics, stop_when=stop)
    return state, r.images[-1], r.steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", default="conv3_1,conv4_1")
    ap.add_argument("--units", type=int, default=4, help="units per layer")
    ap.add_argument("--first", type=int, default=0, help="index of the first unit (channel 17 + 37 k)")
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=512)
    ap.add_argument("--methods", default="sliced,c2f,bf16,atlas")
    ap.add_argument("--json", default=None)
    ap.add_argument("--sheet", default=None, help="contact sheet PNG: rows units, columns methods")
    a = ap.parse_args()
    from lucid_repro.runtime import deterministic
    deterministic()
    model = models.load("vgg19")
    from lucid_repro.models.precision import with_precision
    methods = a.methods.split(",")
    variants = [v for v in (("sliced", True, "single", model, False),
                            ("c2f", True, "coarse_to_fine", model, False),
                            ("fused", True, "single", model, True),
                            ("bf16", True, "single", None, False)) if v[0] in methods]
    layers = a.layers.split(",")
    chans = {l: [int(17 + 37 * k) % model.layer_depth(l) for k in range(a.first, a.first + a.units)]
             for l in layers}
    rows, sheet_rows = [], []
    print(f"VGG19, {a.size} px, reference {a.steps} steps; load at start {loadavg()}", flush=True)
    for layer in layers:
        targets = []
        for ch in chans[layer]:
            unit = f"{layer}:{ch}"
            rec = {"unit": unit}
            # the reference: Lucid's recipe, 512 steps, every layer whole
            clock, img, n = run_single(model, unit, a.size, a.steps, None, False, "single")
            ref = float(np.mean(clock.values[-WINDOW:]))
            target = 0.95 * ref
            targets.append(target)
            rec["lucid"] = dict(seconds=untraced(clock.times)[-1], cpu=untraced(clock.cpu)[-1], steps=n,
                                objective=ref, load=loadavg(), t95=_first_reach(clock, target),
                                cpu95=_first_reach(clock, target, cpu=True), **image_stats.stats(img))
            imgs = [img]
            for name, sl, sched, m, fused in variants:
                m = m or with_precision(model, "bfloat16")
                c, im, n = run_single(m, unit, a.size, a.steps, target, sl, sched, fused)
                rec[name] = dict(seconds=c.reached if c.reached else untraced(c.times, c.stage_starts)[-1],
                                 cpu=c.reached_cpu if c.reached else untraced(c.cpu, c.stage_starts)[-1],
                                 reached=c.reached is not None,
                                 steps=n, load=loadavg(), objective=float(np.mean(c.values[-WINDOW:])),
                                 **image_stats.stats(im))
                imgs.append(im)
            rows.append(rec)
            sheet_rows.append(imgs)
            print(_line(rec), flush=True)
        if "atlas" not in methods:
            continue
        state, images, n = run_atlas(model, layer, chans[layer], a.size, a.steps, targets)
        per_unit = (state["reached"] or untraced(state["times"])[-1]) / len(chans[layer])
        per_unit_cpu = (state.get("reached_cpu") or untraced(state["cpu"])[-1]) / len(chans[layer])
        st = [image_stats.stats(im) for im in images]
        print(f"  atlas {layer} batch {len(chans[layer])}: {per_unit:.1f} s/unit (CPU {per_unit_cpu:.1f} s) to 95 % "
              f"({'reached' if state['reached'] else 'NOT reached'} at step {n}); "
              f"slope {np.mean([s['slope'] for s in st]):.2f} clipped {np.mean([s['clipped'] for s in st]):.3f} "
              f"sat {np.mean([s['saturation'] for s in st]):.3f}; load {loadavg()}", flush=True)
        for rec, im, s in zip([r for r in rows if r["unit"].startswith(layer + ":")], images, st):
            rec["atlas"] = dict(seconds=per_unit, cpu=per_unit_cpu, reached=state["reached"] is not None, steps=n,
                                load=loadavg(), **s)
        for row, im in zip(sheet_rows[-len(chans[layer]):], images):
            row.append(im)
    print("\nratios (time to 95 % of Lucid's 512-step objective / Lucid's time to the same 95 %, and / "
          "Lucid's full 512 steps):")
    for name in [m for m in ("sliced", "c2f", "fused", "bf16", "atlas") if m in methods]:
        r95 = [r[name]["seconds"] / r["lucid"]["t95"] for r in rows]
        rfull = [r[name]["seconds"] / r["lucid"]["seconds"] for r in rows]
        ok = sum(r[name]["reached"] for r in rows)
        c95 = [r[name]["cpu"] / r["lucid"]["cpu95"] for r in rows]
        print(f"  {name:7s} geo-mean {np.exp(np.mean(np.log(r95))):.3f} (vs Lucid to 95 %), "
              f"{np.exp(np.mean(np.log(rfull))):.3f} (vs Lucid's 512 steps); in CPU time "
              f"{np.exp(np.mean(np.log(c95))):.3f} (vs Lucid to 95 %); reached {ok}/{len(rows)}")
    print(f"load at end {loadavg()}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1, default=float)
    if a.sheet:
        from lucid_repro.images import contact_sheet, save_image
        save_image(a.sheet, contact_sheet(sheet_rows))


def _first_reach(clock, target, cpu=False):
    times = untraced(clock.cpu if cpu else clock.times)
    for k in range(WINDOW, len(clock.values) + 1):
        if np.mean(clock.values[k - WINDOW:k]) >= target:
            return times[k - 1]
    return times[-1]


def _line(rec):
    parts = [rec["unit"]]
    for name in [n for n in ("lucid", "sliced", "c2f", "fused", "bf16") if n in rec]:
        r = rec[name]
        t, c = r.get("t95", r["seconds"]), r.get("cpu95", r["cpu"])
        parts.append(f"{name} {t:.1f}s (CPU {c:.1f}s){'' if r.get('reached', True) else '(NOT reached)'} @{r['steps']} "
                     f"[slope {r['slope']:.2f} clip {r['clipped']:.3f} sat {r['saturation']:.3f}] load {r['load']}")
    return " | ".join(parts)


if __name__ == "__main__":
    main()
