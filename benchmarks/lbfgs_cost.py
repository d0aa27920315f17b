"""Cost of one L-BFGS iteration against one Adam step in the one render loop (issue 24).

Two measurements, each the median over the steps after the first (tracing) of the
wall-clock time between consecutive steps (`stop_when` timestamps):
  overhead  a quadratic on a 256 x 256 x 3 pixel image (no network): what the optimizers
            themselves cost (L-BFGS: the two-loop recursion over 10 pairs, the line search)
  network   inversion of a 128 px photo from VGG19 relu4_1 (the papers' kind of run):
            time per step and function evaluations per iteration

    PYTHONPATH=. python benchmarks/lbfgs_cost.py [--steps=30]
"""
import argparse
import json
import time

import numpy as np
import tensorflow as tf


def timed(run):
    stamps = []
    result = run(lambda i, loss, m: stamps.append(time.perf_counter()) or False)
    dt = np.diff(stamps)
    return float(np.median(dt[1:])), result


def main():
    from lucid_repro import models, runtime
    from lucid_repro.optvis import objectives as obj
    from lucid_repro.optvis import param, render
    from lucid_repro.recipes import feature_inversion as fi
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=30)
    args = p.parse_args()
    runtime.deterministic()
    out = {}
    target = np.random.RandomState(1).uniform(0, 1, (1, 256, 256, 3)).astype(np.float32)
    quad = obj.Objective(lambda T: -tf.reduce_sum((T("input") - target) ** 2), ["input"])
    for name in ("adam", "lbfgs"):
        sec, r = timed(lambda hook: render.render(None, quad, param_f=lambda: param.image_of_kind("box", 256),
                                                  optimizer=render.make_optimizer(name, 0.01), transforms=[],
                                                  thresholds=(args.steps,), seed=0, progress=False,
                                                  stop_when=hook))
        out[f"overhead/{name}"] = {"seconds_per_step": sec}
    model = models.load("vgg19", pooling="avg")
    photo = np.random.RandomState(2).uniform(0, 1, (128, 128, 3)).astype(np.float32)
    from lucid_repro.images import load_image
    import os
    girl = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "content",
                        "girl.jpg")
    if os.path.isfile(girl):
        photo = load_image(girl, size=128)
    for name in ("adam", "lbfgs"):
        def run(hook):
            image = photo
            acts = model.activations(tf.constant(image[None]), ["relu4_1"])
            objective = fi.inversion_objective({"relu4_1": acts["relu4_1"].numpy()})
            return render.render(model, objective, param_f=lambda: param.image_of_kind("box", 128),
                                 optimizer=render.make_optimizer(name, 0.01), transforms=[],
                                 thresholds=(args.steps,), seed=0, progress=False, stop_when=hook)
        sec, r = timed(run)
        ev = r.metric_history.get(render.EVALUATIONS)
        out[f"network/{name}"] = {"seconds_per_step": sec,
                                  "evaluations_per_step": float(ev[-1] / len(ev)) if ev is not None else 1.0,
                                  "final_loss": float(r.losses[-1])}
    for k, v in out.items():
        print(k, v)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
