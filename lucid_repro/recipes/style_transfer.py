"""2D style transfer on any architecture (the article's "Style Transfer with non-VGG
architectures"; Gatys, Ecker & Bethge 2016; He, Wang & Hopcroft 2016 on random weights).

Loss (to minimize) = content_weight * sum_c w_c * distance(phi_c(x), phi_c(content))
                   + style_weight   * sum_l w_l * distance(Gram_l(x), Gram_l(style))
                   + tv_weight * TV(x)      (objectives.tv, mean over pixels)
with per-term weights w (`style.StyleConfig.weighting`: 1, He et al.'s omega_l, or
relative to the target's magnitude), optimized by
`render.render` on a `param.image` (fft + decorrelated colours, or plain pixels).

Two ways to feed the targets, chosen by the style configuration (`StyleConfig.batch_mode`):
* `batch_mode="lucid"` (Lucid's `style_transfer_2d` notebook, used for InceptionV1): every step
  runs the batch [generated, content, random crop of the style image] through the
  standard transformations, and the targets are taken from batch items 1 and 2 of the
  same transformed batch, so content stays aligned under jitter/rotation/scale.
* `batch_mode="fixed"` (Gatys; used for VGG19 and the random VGG19): the content activations
  and the style Grams are computed once, and only the generated image runs each step,
  without transformations (three times cheaper on a CPU).
"""
import dataclasses
import os
import time
from typing import Any, Dict, List

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.images import to_channels
from lucid_repro.models.families import RANVGG19
from lucid_repro.optvis import param, render, style
from lucid_repro.optvis.style_config import GATYS_STYLE_LAYERS


def numbers(out):
    r = read_json(out, "style_transfer/style_transfer_*.json")
    rows = []
    for kind in ("pixel", "fft"):
        x = dig(r, "results", kind)
        rows.append((f"final content / style loss, {'pixel' if kind == 'pixel' else 'Fourier + decorrelated'}"
                     f" ({dig(r, 'model') or '?'})",
                     f"{fmt(dig(x, 'content_loss'))} / {fmt(dig(x, 'style_loss'))}",
                     "none given (figure: decorrelated works on non-VGG nets, pixel does not)"))
    return rows


_IMAGES = {"content": "zurich", "style": "starry_night"}

SECTION = Section(
    name="style_transfer", part="article", order=20,
    title="Style transfer: pixel vs decorrelated parameterization",
    claim="A Fourier-space, colour-decorrelated image parameterization lets style transfer work on "
          "networks where optimizing pixels fails; on VGG both parameterizations do.",
    settings={
        # param / batch_mode None: the model family's StyleConfig (recipes.style_transfer.STYLE_CONFIGS;
        # on VGG19 pixels, fixed targets, no transforms)
        "library": dict(size=256, steps=256, lr=0.05, param=None, batch_mode=None, pooling="avg",
                        style_fit="content", optimizer="adam",
                        by_model={RANVGG19.name: dict(RANVGG19.reconstruction, style_weight=10.0)},
                        **_IMAGES),
        "paper": dict(size=256, steps=2000, optimizer="lbfgs", param="box", batch_mode="fixed", pooling="avg",
                      style_fit="content", **_IMAGES),
        "demo": dict(size=160, steps=200, lr=0.05, param="both", batch_mode=None, pooling="avg",
                     style_fit="content", **_IMAGES),
        "quick": dict(size=32, steps=4, lr=0.05, param="both", batch_mode=None, pooling="avg",
                      style_fit="content", **_IMAGES),
        "article": dict(size=512, steps=512, lr=0.05, param="both", batch_mode="lucid", pooling="max",
                        style_fit="native", **_IMAGES),
    },
    sources={
        "library": "Gatys et al. 2016's setup on VGG19 (average pooling, pixels, fixed targets, no "
                   "transforms); sizes ours, for a CPU. On ranvgg19: L-BFGS from white noise in the [0, 1] box "
                   "and style weight 10 (alpha:beta = 10:1 instead of He et al.'s 100:1, under which our "
                   "normalization leaves the photo unstyled; issue 24, BUILD_NOTES; a few minutes at 256 px)",
        "demo": "ours: make demo's budget, both parameterizations",
        "quick": "ours: smoke tests",
        "article": "Lucid style_transfer_2d.ipynb: batch [generated, content, random crop of the style at "
                   "its own resolution] through the standard transforms, Adam 0.05, 512 steps, both "
                   "parameterizations on the unchanged (max-pool) network",
        "paper": "Gatys, Ecker & Bethge 2016 (vgg19) and He, Wang & Hopcroft 2016 Sec. 4.3 (ranvgg19: "
                 "relu2_2 content, relu1_1..relu5_1 style, omega_l, alpha:beta:gamma = 100:1:1000, the "
                 "model's StyleConfig): L-BFGS on pixels in [0, 1] from white noise, fixed targets, no "
                 "transforms, average pooling, 256 px, 2000 iterations",
    },
    figures=(("style_transfer/style_transfer_*.png", "content, style, pixel result, decorrelated result"),
             ("style_transfer/style_transfer_*_pixel.png", "pixel"),
             ("style_transfer/style_transfer_*_fft.png", "Fourier + decorrelated")),
    numbers=numbers,
    describe="{content} × {style}, {size} px, {steps} steps per parameterization, {pooling} pooling (the "
             "classic Gatys style transfer is this run's pixel column)",
    note="The article's point needs a non-VGG network (InceptionV1, not reachable offline): "
         "run scripts.style_transfer --model=inception_v1 --param=both where it is.",
    expected_seconds=110,
)


PARAMS = ("pixel", "fft")          # compared by --param=both
KINDS = PARAMS + ("box",)          # every parameterization `transfer` accepts


# ---------------------------------------------------------------- images

def fit_style(style_image, h, w, scale=1.0):
    """Resize the style image so its longer side is `scale` x the content's longer side,
    enlarged if needed so that it covers an h x w crop (Lucid crops it randomly)."""
    sh, sw = style_image.shape[:2]
    side = max(h, w) * scale
    factor = max(side / max(sh, sw), h / sh, w / sw)
    target = max(round(max(sh, sw) * factor), 1)
    out = assets.resize_longer_side(style_image, target)
    if out.shape[0] < h or out.shape[1] < w:  # rounding
        out = assets.resize_longer_side(style_image, target + 1)
    return out


def native_style(style_image, h, w):
    """The style image at its own resolution (Lucid's notebook crops it as loaded),
    enlarged only if it cannot cover an h x w crop."""
    sh, sw = style_image.shape[:2]
    factor = max(h / sh, w / sw)
    if factor <= 1.0:
        return style_image
    return fit_style(style_image, h, w, scale=0.0)


# ---------------------------------------------------------------- presets

STYLE_CONFIGS = {
    # Lucid, notebooks/differentiable-parameterizations/style_transfer_2d.ipynb
    "inception_v1": style.StyleConfig(
        style_layers=("conv2d2", "mixed3a", "mixed4a", "mixed4b", "mixed4c"),
        content_layers=("mixed3b",), content_weight=100.0, style_weight=1.0,
        style_loss="mean_l1", content_loss="mean_l1", weighting="none", batch_mode="lucid", param="fft",
        source="Lucid style_transfer_2d: GoogLeNet layers, mean L1, content x100, "
               "fft + decorrelate, standard transforms, 512 steps"),
    # Gatys et al. 2016 layers (Caffe's convX_Y blobs are post-ReLU); each term divided by
    # its target's own magnitude (relative errors)
    "vgg19": style.StyleConfig(
        style_layers=GATYS_STYLE_LAYERS, content_layers=("relu4_2",), content_weight=3.0,
        style_weight=1.0, style_loss="squared", content_loss="squared", weighting="relative",
        batch_mode="fixed", param="pixel",
        source="Gatys et al. 2016 layers (relu1_1..relu5_1 style, relu4_2 content), squared "
               "losses, each term relative to its target's magnitude; pixels, fixed targets, no "
               "transforms (Gatys' setup; the scripts' --pooling=avg default and make demo "
               "use average pooling; --preset=article: fft and pixel, Lucid's batch, transforms, max pooling)"),
    # He, Wang & Hopcroft 2016: content conv2_2, Gatys style layers, alpha:beta:gamma
    "ranvgg19": style.StyleConfig(
        style_layers=GATYS_STYLE_LAYERS, content_layers=("relu2_2",), content_weight=100.0,
        style_weight=1.0, tv_weight=1000.0, style_loss="squared", content_loss="squared",
        weighting="omega", batch_mode="fixed", param="pixel",
        source="He, Wang & Hopcroft 2016: relu2_2 content, relu1_1..relu5_1 style, omega_l, "
               "alpha:beta:gamma = 100:1:1000 (content:style:TV)"),
}


def style_config(model, **overrides):
    """The model family's StyleConfig (`style.config_for`) with overrides."""
    return style.config_for(model, STYLE_CONFIGS, params=KINDS, **overrides)


def batch_param(inner, content, style_image=None):
    """Lucid's style_transfer_param: stack [generated, content] and, if `style_image` is
    given, a random crop of it the size of the content (offset = a per-step input drawn
    by `crop_inputs`), so that all of them go through the same transformations."""
    h, w = content.shape[:2]
    content_c = tf.constant(content[None])
    if style_image is None:
        return param.Param(lambda **_: tf.concat([inner(), content_c], 0), inner.trainable_variables,
                           name="style_transfer_batch")
    style_c = tf.constant(style_image)

    def fn(offset):
        crop = tf.slice(style_c, tf.stack([offset[0], offset[1], 0]), [h, w, style_image.shape[-1]])
        return tf.concat([inner(), content_c, crop[None]], 0)
    return param.Param(fn, inner.trainable_variables, name="style_transfer_batch")


def crop_inputs(style_shape, h, w):
    sh, sw = style_shape[:2]

    def inputs(step, rng):
        return {"offset": np.asarray([rng.randint(0, sh - h + 1), rng.randint(0, sw - w + 1)], np.int32)}
    return inputs


# ---------------------------------------------------------------- running

@dataclasses.dataclass
class TransferResult:
    image: np.ndarray                 # [H, W, C] (the model's channels)
    images: List[np.ndarray]          # at each threshold
    final: Dict[str, Any]             # evaluate() of the final image
    weights: Dict[str, float]         # effective weight of each term
    losses: np.ndarray                # optimizer loss per step
    seconds: float
    param_kind: str
    render_result: Any               # the loop's RenderResult


def model_images(model, content, style_image):
    """The content and style images in the model's bands ([H, W, C], C = `model.channels`):
    unchanged when they have C channels; RGB photos to gray by luminance for a grayscale
    model; otherwise a UserError asking for a `.npy` of the model's bands."""
    return (to_channels(content, model.channels, "the content image"),
            to_channels(style_image, model.channels, "the style image"))


def transfer(model, content, style_image, config=None, param_kind=None, steps=512, seed=0,
             lr=render.DEFAULT_LEARNING_RATE, progress=True, thresholds=None, loss=None, optimizer=None):
    """Style transfer of `content` ([H, W, C]; sets the output size) with `style_image`
    (any size; Lucid mode crops it, so it must cover H x W, see `fit_style`); both in the
    model's C channels (`model_images` converts RGB photos for a grayscale model).
    optimizer: "adam" (default, learning rate `lr`), "lbfgs" or an optimizer object."""
    if steps <= 0:
        raise UserError(f"steps must be positive, got {steps}")
    content, style_image = model_images(model, content, style_image)
    config = config or style_config(model)
    param_kind = param_kind or config.param
    if param_kind not in KINDS:
        raise UserError(f"--param must be one of {', '.join(KINDS)}, got {param_kind!r}")
    loss = loss or style.StyleContentLoss(model, content, style_image, config)
    h, w = loss.h, loss.w
    style_fitted = fit_style(loss.style_image, h, w) if config.batch_mode == "lucid" else None

    def param_f():
        # the generated image is the first of the batch: the loop's images are [B, H, W, C]
        inner = param.image_of_kind(param_kind, w, h, **param.for_model(model))
        if config.batch_mode == "fixed":
            return inner
        return batch_param(inner, loss.content, style_fitted)

    step_inputs = crop_inputs(style_fitted.shape, h, w) if config.batch_mode == "lucid" else None
    start = time.time()
    result = render.render(model, loss.objective(), param_f=param_f, optimizer=render.make_optimizer(optimizer, lr),
                           transforms=[] if config.batch_mode == "fixed" else None,
                           thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           step_inputs=step_inputs,
                           description=f"style transfer ({param_kind})")
    seconds = time.time() - start
    images = [im[0] for im in result.images]
    return TransferResult(image=images[-1], images=images, final=loss.evaluate(images[-1]),
                          weights=loss.weights, losses=result.losses, seconds=seconds,
                          param_kind=param_kind, render_result=result)


def compare_params(model, content, style_image, config=None, params=PARAMS, steps=512, seed=0,
                   progress=True, lr=render.DEFAULT_LEARNING_RATE, optimizer=None):
    """Run the same style transfer with each parameterization (same loss, weights, steps,
    seed). Returns {param: TransferResult}."""
    config = config or style_config(model)
    content, style_image = model_images(model, content, style_image)
    loss = style.StyleContentLoss(model, content, style_image, config)
    return {kind: transfer(model, content, style_image, config, kind, steps=steps, seed=seed,
                           progress=progress, lr=lr, loss=loss, optimizer=optimizer)
            for kind in params}


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def comparison_sheet(content, style_image, results):
    """One row: content, the style image (cut to the content's size), each result."""
    from lucid_repro.images import contact_sheet
    h, w = content.shape[:2]
    style_view = assets.resize_longer_side(style_image, max(h, w))[:h, :w]
    style_view = np.pad(style_view, ((0, h - style_view.shape[0]), (0, w - style_view.shape[1]), (0, 0)),
                        constant_values=1.0)
    return contact_sheet([[content, style_view] + [r.image for r in results.values()]])


def summary(results, model_name, config, extra=None):
    """JSON-ready record of one or several TransferResults."""
    first = next(iter(results.values()))
    record = {"model": model_name, "size": list(first.image.shape[:2]),
              "steps": int(first.render_result.steps), "style_config": config.to_dict(),
              "weights": first.weights, "results": {}}
    record.update(extra or {})
    for kind, r in results.items():
        record["results"][kind] = {
            "content_loss": r.final["content_loss"], "style_loss": r.final["style_loss"],
            "tv": r.final["tv"], "total": r.final["total"], "raw_losses": r.final["raw"],
            "seconds": round(r.seconds, 1)}
    return record


def format_summary(record):
    lines = []
    for kind, r in record["results"].items():
        lines.append(f"{record['model']} {kind:5s}: content {r['content_loss']:.4g}  style {r['style_loss']:.4g}  "
                     f"total {r['total']:.4g}  ({record['steps']} steps, {r['seconds']:.0f} s)")
    return "\n".join(lines)


def demo(model, output_dir, quick=False, progress=True):
    """Starry-night transfer of a packaged photo with pixel and fft parameterizations
    (same steps), the content/style losses of both in JSON. Returns the written paths."""
    from lucid_repro.models import random_vgg
    from lucid_repro.images import save_image
    settings = SECTION.demo_row(quick, model)
    size, steps, content, style_name = settings["size"], settings["steps"], settings["content"], settings["style"]
    if settings["pooling"] == "avg":
        model = random_vgg.with_avg_pooling(model)
    content_image = assets.load(content, "content", max_side=size)
    h, w = content_image.shape[:2]
    style_image = fit_style(assets.load(style_name, "styles"), h, w)
    config = style_config(model)
    results = compare_params(model, content_image, style_image, config, steps=steps, lr=settings["lr"],
                             progress=progress)
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for kind, r in results.items():
        paths.append(save_image(os.path.join(output_dir, f"style_transfer_{model.name}_{kind}.png"), r.image))
    paths.append(save_image(os.path.join(output_dir, f"style_transfer_{model.name}.png"),
                            comparison_sheet(content_image, style_image, results)))
    record = summary(results, model.name, config, {"content": content, "style": style_name})
    paths.append(write_json(os.path.join(output_dir, f"style_transfer_{model.name}.json"), record))
    if progress:
        print(format_summary(record))
    return paths
