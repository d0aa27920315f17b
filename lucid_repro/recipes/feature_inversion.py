"""Feature inversion: find an image whose activations at a layer match a target image's
(Mahendran & Vedaldi 2015), on trained or random weights (He, Wang & Hopcroft 2016).

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
from PIL import Image

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render

PARAMS = ("fft", "pixel")
# He et al. invert every layer of VGG19 from its rectified output; the demo shows
# shallow to deep ones for trained and random weights.
DEMO_LAYERS = ("relu2_1", "relu4_1", "relu5_1")


@dataclasses.dataclass
class InversionResult:
    image: np.ndarray            # [H, W, 3] final image
    images: List[np.ndarray]     # [H, W, 3] at each threshold
    loss: float                  # relative feature loss of the final image (no TV)
    layer_losses: Dict[str, float]
    losses: np.ndarray           # objective loss at each step
    render: Any


def resize_longer_side(image, size):
    """Resize an [H, W, 3] float image so that its longer side is `size` (bicubic)."""
    image = np.asarray(image, np.float32)
    if size is None:
        return image
    if size <= 0:
        raise UserError(f"size must be positive, got {size}")
    h, w = image.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    if (nh, nw) == (h, w):
        return image
    im = Image.fromarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)).resize((nw, nh), Image.BICUBIC)
    return np.asarray(im, np.float32) / 255.0


def default_param(model):
    """Pixels on the VGGs (Gatys, Mahendran & Vedaldi and He et al. optimize pixels; the
    Fourier parameterization shows checkerboard artefacts there at our step budgets,
    see BUILD_NOTES), the article's fft + decorrelated colours on other models."""
    return "pixel" if model.name.startswith(("vgg19", "ranvgg19")) else "fft"


def image_param(h, w, param_kind="fft", decorrelate=None, seed=None):
    """fft -> Fourier + decorrelated colours (the article's); pixel -> plain RGB pixels."""
    if param_kind not in PARAMS:
        raise UserError(f"--param must be one of {', '.join(PARAMS)}, got {param_kind!r}")
    fft = param_kind == "fft"
    return param.image(w, h, fft=fft, decorrelate=fft if decorrelate is None else decorrelate, seed=seed)


def relative_loss(acts, target):
    """||a - t||^2 / ||t||^2 (Mahendran & Vedaldi's normalized reconstruction error)."""
    target = tf.convert_to_tensor(target)
    return tf.reduce_sum(tf.square(acts - target)) / (tf.reduce_sum(tf.square(target)) + 1e-12)


def tv2(image):
    """Mean squared difference of horizontal and vertical neighbours (TV with beta = 2)."""
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    return tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))


def check_layers(model, layers):
    if isinstance(layers, str):
        layers = [l.strip() for l in layers.split(",") if l.strip()]
    layers = list(layers)
    if not layers:
        raise UserError("give at least one layer")
    for layer in layers:
        model.check_layer(layer)
    return layers


def inversion_objective(targets, tv_weight=0.0):
    """Objective (to maximize) = -(sum of relative losses + tv_weight * TV2)."""
    layers = list(targets)
    consts = {l: tf.constant(targets[l]) for l in layers}

    def fn(T):
        total = tf.add_n([relative_loss(T(l), consts[l]) for l in layers])
        if tv_weight:
            total += tv_weight * tv2(T("input"))
        return -total
    return objectives.Objective(fn, layers + ["input"], (), "inversion")


def invert(model, image, layers, steps=256, param_kind=None, decorrelate=None, tv_weight=0.0,
           lr=render.DEFAULT_LEARNING_RATE, seed=0, progress=True, thresholds=None):
    """Reconstruct `image` ([H, W, 3] in [0, 1]) from its activations at `layers`."""
    layers = check_layers(model, layers)
    if steps <= 0:
        raise UserError(f"steps must be positive, got {steps}")
    if tv_weight < 0:
        raise UserError(f"tv_weight must be >= 0, got {tv_weight}")
    param_kind = param_kind or default_param(model)
    image = np.asarray(image, np.float32)
    h, w = image.shape[:2]
    acts = model.activations(tf.constant(image[None]), layers)
    targets = {l: acts[l].numpy() for l in layers}
    objective = inversion_objective(targets, tv_weight)
    result = render.render(model, objective,
                           param_f=lambda: image_param(h, w, param_kind, decorrelate),
                           optimizer=render.adam(lr), transforms=[],
                           thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           description="invert " + ",".join(layers))
    final = result.images[-1][0]
    final_acts = model.activations(tf.constant(final[None]), layers)
    layer_losses = {l: float(relative_loss(final_acts[l], targets[l])) for l in layers}
    return InversionResult(image=final, images=[im[0] for im in result.images],
                           loss=float(sum(layer_losses.values())), layer_losses=layer_losses,
                           losses=result.losses, render=result)


def demo(model, output_dir, quick=False, progress=True, content="zurich", layers=DEMO_LAYERS,
         random_model=None):
    """Inversions of a packaged photo from shallow to deep layers, on `model` and on the
    random-weight VGG19 (He et al.'s comparison). Returns the written paths."""
    import json

    from lucid_repro import models
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.recipes.style_transfer import load_input
    from lucid_repro.recipes import random_vgg
    size, steps = (32, 4) if quick else (128, 150)
    model = random_vgg.with_avg_pooling(model)
    target = load_input(content, "content", max_side=size)
    rows, record = [], {"content": content, "size": list(target.shape[:2]), "steps": steps, "losses": {}}
    runs = [(model.name, model)]
    if model.name.startswith("vgg19"):
        runs.append(("ranvgg19", random_model or models.load("ranvgg19", seed=0)))
    for name, m in runs:
        row = [target]
        for layer in layers:
            r = invert(m, target, [layer], steps=steps, progress=progress)
            record["losses"][f"{name}/{layer}"] = r.loss
            row.append(r.image)
        rows.append(row)
    os.makedirs(output_dir, exist_ok=True)
    sheet = save_image(os.path.join(output_dir, "feature_inversion.png"), contact_sheet(rows))
    path_json = os.path.join(output_dir, "feature_inversion.json")
    with open(path_json, "w") as f:
        json.dump(dict(record, rows=[n for n, _ in runs], columns=["target"] + list(layers)), f, indent=1)
    return [sheet, path_json]
