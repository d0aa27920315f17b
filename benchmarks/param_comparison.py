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

    PYTHONPATH=. python benchmarks/param_comparison.py [--units=16 --size=128 --steps=256 --models=vgg19,resnet50] [--json=out.json]

The JSON ({"settings", "rows"}) is rewritten after each row; lucid_repro.param_table
summarizes it (median and range over the units) for the printout and the report's card.
"""
import argparse
import json
import os
import time

import numpy as np


def main():
    import tensorflow as tf
    from lucid_repro import models, param_table, runtime
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
        tops = {}
        for layer in layers:
            acts = layer_activations(model, layer, collection, size=args.size, pooled=False, progress=False)
            tops[layer] = np.asarray(acts).max(axis=(0, 1, 2))
        for unit in range(args.units):          # units outermost: a run cut short has both layers
            for layer in layers:
                top = tops[layer]
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
                    write(args, rows)
    write(args, rows)
    print(f"\n{args.units} units per layer, {args.size} px, {args.steps} steps; median [range] over units "
          "(objective and obj/s as a ratio to fft's on the same unit)")
    print(param_table.markdown(rows))


def write(args, rows):
    """The JSON so far (rewritten after every row: a run cut short keeps what it finished)."""
    if not args.json:
        return
    settings = dict(units=args.units, size=args.size, steps=args.steps, models=args.models, seed=0,
                    optimizers={"pixel": "Adam 0.05", "fft": "Adam 0.05", "maco": "Nadam 1.0"})
    tmp = args.json + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"settings": settings, "rows": rows}, f, indent=1)
    os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
