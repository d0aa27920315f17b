"""Parameterizations compared (issue 28): pixel, Fourier + decorrelated (Lucid), MaCo, on
VGG19 (trained) and a keras.applications ResNet50 with RANDOM weights (mechanics only: no
trained deep model loads offline), for N units (channels 0..N-1) of two layers each.

Per run (same seed, steps, size and Lucid's standard transforms for all three):
  obj/s       final objective / (steps x median step time): the objective reached per
              second of compute (tracing left out)
  rel_top     the unit's strongest activation (max over positions) on the visualization,
              over its strongest on any natural image of the collection (default
              collection, same size): > 1 = beyond the top natural patch
  slope, sat  spectral slope of the grey levels (natural images about -2) and mean HSV
              saturation (lucid_repro.image_stats)
The machine is shared: compare ratios within one run, not seconds between runs.

    PYTHONPATH=. python benchmarks/param_comparison.py [--units=16 --size=128 --steps=256 --models=vgg19,resnet50]
"""
import argparse
import json
import time

import numpy as np


def main():
    import tensorflow as tf
    from lucid_repro import models, runtime
    from lucid_repro.activations import layer_activations
    from lucid_repro.collection import ImageCollection
    from lucid_repro.image_stats import stats
    from lucid_repro.optvis import objectives, param, render, transforms
    from lucid_repro.optvis.param import maco as maco_param
    p = argparse.ArgumentParser()
    p.add_argument("--units", type=int, default=16)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--steps", type=int, default=256)
    p.add_argument("--models", default="vgg19", help="comma-separated: vgg19, resnet50 (random weights)")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    runtime.deterministic()
    collection = ImageCollection.default()
    names = args.models.split(",")
    nets = [("vgg19", models.load("vgg19"), ["conv4_2", "conv5_1"])] if "vgg19" in names else []
    if "resnet50" in names:
        net = tf.keras.applications.ResNet50(weights=None)
        nets.append(("resnet50 (random)", models.from_keras(net, preprocess="caffe"),
                     ["conv3_block4_out", "conv4_block6_out"]))
    kinds = {
        "pixel": (lambda: param.image_of_kind("pixel", args.size), lambda: render.adam(0.05)),
        "fft": (lambda: param.image_of_kind("fft", args.size), lambda: render.adam(0.05)),
        "maco": (lambda: maco_param.maco_image(args.size), lambda: tf.keras.optimizers.Nadam(1.0)),
    }
    rows = []
    for net_name, model, layers in nets:
        for layer in layers:
            acts = layer_activations(model, layer, collection, size=args.size, pooled=False, progress=False)
            top = np.asarray(acts).max(axis=(0, 1, 2))
            for unit in range(args.units):
                obj = objectives.channel(layer, unit)
                for kind, (make, opt) in kinds.items():
                    stamps = []
                    r = render.render(model, obj, param_f=make, optimizer=opt(), seed=0, progress=False,
                                      transforms=transforms.standard_transforms_for(model, args.size),
                                      thresholds=(args.steps,),
                                      stop_when=lambda i, loss, m: stamps.append(time.perf_counter()) or False)
                    step = float(np.median(np.diff(stamps)[1:]))
                    image = r.images[-1]
                    a = model.activations(tf.constant(image), [layer])[layer].numpy()[0, ..., unit].max()
                    row = dict(model=net_name, layer=layer, unit=unit, param=kind,
                               objective=float(-r.losses[-1]), step_s=step,
                               obj_per_s=float(-r.losses[-1]) / (args.steps * step),
                               rel_top=float(a / top[unit]) if top[unit] > 0 else float("nan"), **stats(image[0]))
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    print(f"\n{args.units} units per layer, {args.size} px, {args.steps} steps; medians over units "
          "(obj/s and objective also as a ratio to fft's, per unit)")
    print("| model | layer | param | objective / fft's | obj/s / fft's | act. / top natural patch | "
          "spectral slope | saturation |")
    print("|---|---|---|---|---|---|---|---|")
    for net_name, _, layers in nets:
        for layer in layers:
            for kind in kinds:
                sel = [r for r in rows if r["model"] == net_name and r["layer"] == layer and r["param"] == kind]
                ref = {r["unit"]: r for r in rows if r["model"] == net_name and r["layer"] == layer
                       and r["param"] == "fft"}
                ratio = np.median([r["objective"] / ref[r["unit"]]["objective"] for r in sel])
                speed = np.median([r["obj_per_s"] / ref[r["unit"]]["obj_per_s"] for r in sel])
                med = {k: np.median([r[k] for r in sel]) for k in ("rel_top", "slope", "saturation")}
                print(f"| {net_name} | {layer} | {kind} | {ratio:.2f} | {speed:.2f} | {med['rel_top']:.2f} | "
                      f"{med['slope']:.2f} | {med['saturation']:.2f} |")


if __name__ == "__main__":
    main()
