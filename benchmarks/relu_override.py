"""Effect of Lucid's ReLU gradient override (`render(..., relu_override=True)`, issue 28) on
the article's VGG19 units: the objective after N steps with and without it, and how often
it fires (redirected / computed (ReLU layer, batch item) gradients during its 17 steps).

Units: the article preset's stand-ins (conv5_1:15, conv5_1:34: aligned interpolation,
CPPN; objectives on pre-ReLU conv outputs), the same channels read after their ReLU
(relu5_1), and the relu5_4 channels that are dead on the starting image (mean activation 0:
where Lucid's override is meant to act). Feature-visualization recipe (fft + decorrelated,
standard transforms, Adam 0.05, seed 0).

    PYTHONPATH=. python benchmarks/relu_override.py [--size=64 --steps=64 --dead=3]
"""
import argparse
import json

import numpy as np


def main():
    from lucid_repro import models, runtime
    from lucid_repro.optvis import gradients, param, render
    from lucid_repro.recipes import feature_vis
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=64)
    p.add_argument("--dead", type=int, default=3, help="how many dead relu5_4 channels")
    args = p.parse_args()
    runtime.deterministic()
    model = models.load("vgg19")
    # channels of relu5_4 that are zero everywhere on the seed-0 starting image
    start = render.render(model, "relu5_4:0", param_f=lambda: param.image(args.size), thresholds=(0,),
                          seed=0, progress=False).images[0]
    acts = model.activations(start, ["relu5_4"])["relu5_4"].numpy()[0]
    dead = [int(c) for c in np.flatnonzero(acts.max(axis=(0, 1)) == 0)[:args.dead]]
    units = ["conv5_1:15", "conv5_1:34", "relu5_1:15", "relu5_1:34"] + [f"relu5_4:{c}" for c in dead]
    rows = []
    for unit in units:
        row = {"unit": unit}
        for override in (False, True):
            r = feature_vis.visualize(model, unit, size=args.size, steps=args.steps, seed=0, progress=False,
                                      saturation_penalty=0.0, relu_override=override)
            key = "override" if override else "plain"
            row[key] = float(-r.losses[-1])
            row[key + "_at_17"] = float(-r.losses[16])
            if override:
                row.update(gradients.relu_override(model).stats())
            else:
                image = r.images[-1]
            row["same_image"] = bool(np.array_equal(image, r.images[-1])) if override else None
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n| unit | objective after 17 / {args.steps} steps, plain | with override | fired / computed | same image |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['unit']} | {r['plain_at_17']:.4g} / {r['plain']:.4g} | {r['override_at_17']:.4g} / "
              f"{r['override']:.4g} | {r['fired']:.0f} / {r['seen']:.0f} ({100 * r['rate']:.1f} %) | "
              f"{'yes' if r['same_image'] else 'no'} |")


if __name__ == "__main__":
    main()
