"""Feature inversion: find an image whose activations at a layer match a target image's
(Mahendran & Vedaldi 2015), on trained or random weights (He, Wang & Hopcroft 2016),
and He et al.'s greedy stacked random VGG19, whose weights are chosen by inversion.

Loss (to minimize) = sum over layers of ||phi(x) - phi(x0)||^2 / ||phi(x0)||^2
                     + tv_weight * TV2(x),
the relative squared error of Mahendran & Vedaldi and their beta = 2 total variation
(mean over pixels of squared neighbour differences of the [0, 1] image). The image is
a `param.image` (pixels on the VGGs, fft + decorrelated colours otherwise) optimized by `render.render`
without transformations: the target activations are spatial, so jitter would blur them.
"""
import dataclasses
import os
from typing import Any, Dict, List

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import NO_NUMBER, Section, dig, fmt, read_json
from lucid_repro.errors import UserError
from lucid_repro.models import random_vgg, vgg
from lucid_repro.models.families import RANVGG19, family_of
from lucid_repro.optvis import objectives, param, render


def numbers(out, models=("vgg19",)):
    """Relative inversion loss per layer of each model in `models` (None: all)."""
    r = read_json(out, "feature_inversion/feature_inversion.json")
    losses = dig(r, "losses") or {}
    by_model = {}
    for key, v in losses.items():
        name, layer = key.split("/", 1)
        by_model.setdefault(name, []).append((layer, v))
    return [(f"relative inversion loss, {name} ({', '.join(l for l, _ in lv)})",
             " / ".join(fmt(v, 4) for _, v in lv), NO_NUMBER)
            for name, lv in by_model.items() if models is None or name in models] or \
        [("inversion loss", "—", NO_NUMBER)]


_LAYERS = ["relu2_1", "relu4_1", "relu5_1"]

# on random-weight VGG19, what reproduces He et al.'s results (issue 24: L-BFGS from white noise)
_RANDOM_LBFGS = dict(by_model={RANVGG19.name: dict(RANVGG19.reconstruction)})


SECTION = Section(
    name="feature_inversion", part="classic", order=130, title="Feature inversion",
    claim="Reconstructing an image from one layer's features shows what the layer keeps: shallow "
          "layers keep the photo, deep ones keep objects and lose exact colours and positions.",
    settings={
        # param None: the model family's (pixels on the VGGs)
        "library": dict(image="zurich", layer="relu4_1", size=128, steps=256, param=None, tv_weight=0.0,
                        lr=0.05, pooling="avg", optimizer="adam",
                        **_RANDOM_LBFGS),
        "paper": dict(size=256, steps=2000, lr=0.05, optimizer="lbfgs", param="box", pooling="avg",
                      tv_weight=0.0),
        "demo": dict(image="zurich", layers=_LAYERS, size=128, steps=150, pooling="avg", **_RANDOM_LBFGS),
        "quick": dict(image="zurich", layers=_LAYERS, size=32, steps=4, pooling="avg", **_RANDOM_LBFGS),
    },
    sources={
        "library": "Mahendran & Vedaldi 2015's objective (relative feature distance) without their priors "
                   "(tv_weight 0), Adam; size and steps ours. On ranvgg19: L-BFGS from white noise in the [0, 1] "
                   "box, the setting that reproduces He et al.'s claim (random beats trained) up to relu4_1 "
                   "(issue 24, BUILD_NOTES; about 1-3 min per layer at 128 px on 2 CPU cores)",
        "demo": "ours: three depths, trained and random VGG19",
        "quick": "ours: smoke tests",
        "paper": "He, Wang & Hopcroft 2016 Sec. 4.1: L-BFGS (our projected L-BFGS with the [0, 1] box, "
                 "optvis/lbfgs.py), 256 x 256, up to 2000 iterations ('within 100' at conv5_1 on ranVGG, "
                 "their Figure 5), white-noise start, pixels, average pooling, N(0, 0.015^2) weights (the "
                 "ranvgg19 default), the relative feature loss alone",
    },
    figures=(("feature_inversion/feature_inversion.png", "target, then relu2_1 … relu5_1; rows: VGG19, random"),),
    numbers=numbers,
    describe="{image}, layers {layers}, {size} px, {steps} steps",
    expected_seconds=111,
)


# He et al. invert every layer of VGG19 from its rectified output.


@dataclasses.dataclass
class InversionResult:
    image: np.ndarray            # [H, W, 3] final image
    images: List[np.ndarray]     # [H, W, 3] at each threshold
    loss: float                  # relative feature loss of the final image (no TV)
    layer_losses: Dict[str, float]
    losses: np.ndarray           # objective loss at each step
    render_result: Any               # the loop's RenderResult


def relative_loss(acts, target):
    """||a - t||^2 / ||t||^2 (Mahendran & Vedaldi's normalized reconstruction error)."""
    target = tf.convert_to_tensor(target)
    return tf.reduce_sum(tf.square(acts - target)) / (tf.reduce_sum(tf.square(target)) + 1e-12)


def inversion_objective(targets, tv_weight=0.0):
    """Objective (to maximize) = -(sum of relative losses + tv_weight * TV2)."""
    layers = list(targets)
    consts = {l: tf.constant(targets[l]) for l in layers}

    def fn(T):
        total = tf.add_n([relative_loss(T(l), consts[l]) for l in layers])
        if tv_weight:
            total += tv_weight * objectives.tv(T("input"), power=2, reduce="mean")
        return -total
    return objectives.Objective(fn, layers + ["input"], (), "inversion")


def invert(model, image, layers, steps=256, param_kind=None, decorrelate=None, tv_weight=0.0,
           lr=render.DEFAULT_LEARNING_RATE, seed=0, progress=True, thresholds=None, optimizer=None):
    """Reconstruct `image` ([H, W, C] in [0, 1], C the model's channels) from its activations
    at `layers`. optimizer: "adam" (default, learning rate `lr`), "lbfgs" or an optimizer object."""
    layers = model.check_layers(layers)
    if steps <= 0:
        raise UserError(f"steps must be positive, got {steps}")
    if tv_weight < 0:
        raise UserError(f"tv_weight must be >= 0, got {tv_weight}")
    param_kind = param_kind or family_of(model).default_param
    image = np.asarray(image, np.float32)
    h, w = image.shape[:2]
    acts = model.activations(tf.constant(image[None]), layers)
    targets = {l: acts[l].numpy() for l in layers}
    objective = inversion_objective(targets, tv_weight)
    result = render.render(model, objective,
                           param_f=lambda: param.image_of_kind(param_kind, w, h, decorrelate=decorrelate,
                                                               **param.for_model(model)),
                           optimizer=render.make_optimizer(optimizer, lr), transforms=[],
                           thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           description="invert " + ",".join(layers))
    final = result.images[-1][0]
    final_acts = model.activations(tf.constant(final[None]), layers)
    layer_losses = {l: float(relative_loss(final_acts[l], targets[l])) for l in layers}
    return InversionResult(image=final, images=[im[0] for im in result.images],
                           loss=float(sum(layer_losses.values())), layer_losses=layer_losses,
                           losses=result.losses, render_result=result)


def stacked_ranvgg19(reference, layers, k=4, size=64, steps=64, seed=0, sigma=vgg.RANDOM_SIGMA,
                     param_kind=None, progress=False):
    """He et al.'s greedy "stacked" random VGG19 (`models.random_vgg.stacked_ranvgg19`),
    each weight set scored by inverting `reference` (an [H, W, 3] image, resized so its
    longer side is `size`) from the layer's ReLU output for `steps` steps: the set with
    the lowest relative reconstruction loss is kept.
    Returns (FeatureModel, report) with report = [{layer, losses, chosen}].
    """
    if k < 1 or steps < 1 or size < 1:
        raise UserError(f"stacked ranVGG needs k, steps and size >= 1, got k={k} steps={steps} size={size}")
    if reference is None:
        raise UserError("the stacked random VGG19 needs a reference image")
    reference = assets.resize_longer_side(reference, size)

    def score(model, layer):
        return invert(model, reference, [layer], steps=steps, param_kind=param_kind, seed=seed,
                      progress=progress).loss
    return random_vgg.stacked_ranvgg19(layers, score, k=k, seed=seed, sigma=sigma)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True, random_model=None):
    """Inversions of a packaged photo from shallow to deep layers, on `model` and on the
    random-weight VGG19 (He et al.'s comparison). Returns the written paths."""
    import json

    from lucid_repro import models
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick, model)
    size, steps, content, layers = settings["size"], settings["steps"], settings["image"], settings["layers"]
    if settings["pooling"] == "avg":
        model = random_vgg.with_avg_pooling(model)
    target = assets.load(content, "content", max_side=size)
    rows, record = [], {"content": content, "size": list(target.shape[:2]), "steps": steps, "losses": {}}
    runs = [(model.name, model)]
    if model.family.random_counterpart:     # He et al.'s comparison: the same net, random weights
        name = model.family.random_counterpart
        runs.append((name, random_model or models.load(name, seed=0)))
    for name, m in runs:
        row = [target]
        own = SECTION.demo_row(quick, name)       # the random net's own optimizer and start
        for layer in layers:
            r = invert(m, target, [layer], steps=steps, progress=progress, optimizer=own.get("optimizer"),
                       param_kind=own.get("param"))
            record["losses"][f"{name}/{layer}"] = r.loss
            row.append(r.image)
        rows.append(row)
    os.makedirs(output_dir, exist_ok=True)
    sheet = save_image(os.path.join(output_dir, "feature_inversion.png"), contact_sheet(rows))
    path_json = os.path.join(output_dir, "feature_inversion.json")
    with open(path_json, "w") as f:
        json.dump(dict(record, rows=[n for n, _ in runs], columns=["target"] + list(layers)), f, indent=1)
    return [sheet, path_json]
