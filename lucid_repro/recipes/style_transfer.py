"""2D style transfer on any architecture (the article's "Style Transfer with non-VGG
architectures"; Gatys, Ecker & Bethge 2016; He, Wang & Hopcroft 2016 on random weights).

Loss (to minimize) = content_weight * sum_c w_c * distance(phi_c(x), phi_c(content))
                   + style_weight   * sum_l w_l * distance(Gram_l(x), Gram_l(style))
                   + tv_weight * TV(x)      (objectives.tv, mean over pixels)
with per-layer weights w (1, or He et al.'s automatic omega_l), optimized by
`render.render` on a `param.image` (fft + decorrelated colours, or plain pixels).

Two ways to feed the targets, chosen by the preset:
* `lucid_batch` (Lucid's `style_transfer_2d` notebook, used for InceptionV1): every step
  runs the batch [generated, content, random crop of the style image] through the
  standard transformations, and the targets are taken from batch items 1 and 2 of the
  same transformed batch, so content stays aligned under jitter/rotation/scale.
* fixed targets (Gatys; used for VGG19 and the random VGG19): the content activations
  and the style Grams are computed once, and only the generated image runs each step,
  without transformations (three times cheaper on a CPU).
"""
import dataclasses
import time
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render, style

PARAMS = ("pixel", "fft")
GATYS_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
BATCH_MODES = ("lucid", "content", "fixed")
TRANSFER_INDEX, CONTENT_INDEX, STYLE_INDEX = 0, 1, 2  # batch items (Lucid's notebook)


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


# ---------------------------------------------------------------- presets

@dataclasses.dataclass(frozen=True)
class Preset:
    style_layers: Tuple[str, ...]
    content_layers: Tuple[str, ...]
    content_weight: float = 1.0
    style_weight: float = 1.0
    tv_weight: float = 0.0
    style_loss: str = "mean_l1"
    content_loss: str = "mean_l1"
    weighting: str = "none"      # per-term weights: "none" | "omega" (He et al.) | "relative"
    batch: str = "fixed"         # "lucid" | "content" | "fixed", see BATCH_MODES
    param: str = "fft"           # default parameterization: "fft" (+ decorrelated) | "pixel"
    source: str = ""

    def to_dict(self):
        return dataclasses.asdict(self)


PRESETS = {
    # Lucid, notebooks/differentiable-parameterizations/style_transfer_2d.ipynb
    "inception_v1": Preset(
        style_layers=("conv2d2", "mixed3a", "mixed4a", "mixed4b", "mixed4c"),
        content_layers=("mixed3b",), content_weight=100.0, style_weight=1.0,
        style_loss="mean_l1", content_loss="mean_l1", weighting="none", batch="lucid", param="fft",
        source="Lucid style_transfer_2d: GoogLeNet layers, mean L1, content x100, "
               "fft + decorrelate, standard transforms, 512 steps"),
    # Gatys et al. 2016 layers (Caffe's convX_Y blobs are post-ReLU); weights balanced
    # with He et al.'s omega_l (see BUILD_NOTES for the choice of content weight)
    "vgg19": Preset(
        style_layers=GATYS_STYLE_LAYERS, content_layers=("relu4_2",), content_weight=3.0,
        style_weight=1.0, style_loss="squared", content_loss="squared", weighting="relative",
        batch="fixed", param="pixel",
        source="Gatys et al. 2016 layers (relu1_1..relu5_1 style, relu4_2 content), squared "
               "losses, per-term weights by He et al.'s omega_l"),
    # He, Wang & Hopcroft 2016: content conv2_2, Gatys style layers, alpha:beta:gamma
    "ranvgg19": Preset(
        style_layers=GATYS_STYLE_LAYERS, content_layers=("relu2_2",), content_weight=100.0,
        style_weight=1.0, tv_weight=1000.0, style_loss="squared", content_loss="squared",
        weighting="omega", batch="fixed", param="pixel",
        source="He, Wang & Hopcroft 2016: relu2_2 content, relu1_1..relu5_1 style, omega_l, "
               "alpha:beta:gamma = 100:1:1000 (content:style:TV)"),
}


def preset_for(model, **overrides):
    """The preset of the model's family (ranvgg19_stacked -> ranvgg19), with overrides
    (None values ignored). Models without a preset need style_layers and content_layers."""
    name = model.name
    base = None
    for key in ("ranvgg19", "vgg19", "inception_v1"):
        if name == key or name.startswith(key + "_"):
            base = PRESETS[key]
            break
    overrides = {k: v for k, v in overrides.items() if v is not None}
    for key in ("style_layers", "content_layers"):
        if key in overrides:
            value = overrides[key]
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            overrides[key] = tuple(value)
    if base is None:
        if "style_layers" not in overrides or "content_layers" not in overrides:
            raise UserError(f"no style-transfer preset for model {name}; give --style_layers and --content_layers")
        base = Preset(style_layers=(), content_layers=())
    preset = dataclasses.replace(base, **overrides)
    if not preset.style_layers:
        raise UserError("style transfer needs at least one style layer")
    for layer in preset.style_layers + preset.content_layers:
        model.check_layer(layer)
    if preset.weighting not in style.WEIGHTINGS:
        raise UserError(f"weighting must be one of {', '.join(style.WEIGHTINGS)}, got {preset.weighting!r}")
    if preset.batch not in BATCH_MODES:
        raise UserError(f"batch mode must be one of {', '.join(BATCH_MODES)}, got {preset.batch!r}")
    if preset.param not in PARAMS:
        raise UserError(f"--param must be one of {', '.join(PARAMS)}, got {preset.param!r}")
    for kind in (preset.style_loss, preset.content_loss):
        if kind not in style.LOSS_KINDS:
            raise UserError(f"loss must be one of {', '.join(style.LOSS_KINDS)}, got {kind!r}")
    for key in ("content_weight", "style_weight", "tv_weight"):
        if getattr(preset, key) < 0:
            raise UserError(f"{key} must be >= 0, got {getattr(preset, key)}")
    return preset


# ---------------------------------------------------------------- losses

class StyleTransferLoss:
    """Targets, per-term weights and the losses of one content/style pair on one model."""

    def __init__(self, model, content, style_image, preset, weights_image=None):
        self.model, self.preset = model, preset
        self.content = np.asarray(content, np.float32)
        self.style_image = np.asarray(style_image, np.float32)
        self.h, self.w = self.content.shape[:2]
        p = preset
        self.layers = list(dict.fromkeys(p.style_layers + p.content_layers))
        style_acts = model.activations(tf.constant(self.style_image[None]), list(p.style_layers))
        self.style_grams = {l: style.gram_matrix(style_acts[l])[0].numpy() for l in p.style_layers}
        content_acts = model.activations(tf.constant(self.content[None]), list(p.content_layers))
        self.content_acts = {l: content_acts[l].numpy() for l in p.content_layers}
        self.omega = {f"style/{l}": 1.0 for l in p.style_layers}
        self.omega.update({f"content/{l}": 1.0 for l in p.content_layers})
        if p.weighting == "omega":
            # He et al.: omega_l (Eq. 4) for the style layers, Gatys' content loss
            # 1/2 sum (F - P)^2 = (N / 2) x our mean, N = number of activations
            image = weights_image if weights_image is not None else style.white_noise(self.h, self.w)
            style_terms = {k: v for k, v in self.terms().items() if k.startswith("style/")}
            self.omega.update(style.auto_weights(model, style_terms, image))
            self.omega.update({f"content/{l}": 0.5 * self.content_acts[l].size for l in p.content_layers})
        elif p.weighting == "relative":
            self.omega.update({f"style/{l}": 1.0 / style.relative_scale(self.style_grams[l], p.style_loss)
                               for l in p.style_layers})
            self.omega.update({f"content/{l}": 1.0 / style.relative_scale(self.content_acts[l], p.content_loss)
                               for l in p.content_layers})
        self.style_layer_weights = [p.style_weight * self.omega[f"style/{l}"] for l in p.style_layers]
        self.content_layer_weights = [p.content_weight * self.omega[f"content/{l}"] for l in p.content_layers]

    def terms(self):
        """name -> (layers, fn(acts)) raw (unweighted) loss of each term, fixed targets."""
        p, out = self.preset, {}
        for l in p.style_layers:
            target = tf.constant(self.style_grams[l][None])
            out[f"style/{l}"] = ([l], lambda a, l=l, t=target: style.distance(style.gram_matrix(a[l]), t, p.style_loss))
        for l in p.content_layers:
            target = tf.constant(self.content_acts[l])
            out[f"content/{l}"] = ([l], lambda a, l=l, t=target: style.distance(a[l], t, p.content_loss))
        return out

    def objective(self):
        """The Objective (to maximize) for render.render."""
        p = self.preset
        if p.batch == "fixed":
            style_loss = style.StyleLoss(p.style_layers, style_grams=self.style_grams,
                                         layer_weights=self.style_layer_weights, loss=p.style_loss)
            content = [style.content_objective([l], content_acts={l: self.content_acts[l]},
                                               loss=p.content_loss, weight=w)
                       for l, w in zip(p.content_layers, self.content_layer_weights)]
        else:
            if p.batch == "lucid":
                style_loss = style.StyleLoss(p.style_layers, style_batch=STYLE_INDEX,
                                             generated_batch=TRANSFER_INDEX,
                                             layer_weights=self.style_layer_weights, loss=p.style_loss)
            else:
                style_loss = style.StyleLoss(p.style_layers, style_grams=self.style_grams,
                                             generated_batch=TRANSFER_INDEX,
                                             layer_weights=self.style_layer_weights, loss=p.style_loss)
            content = [style.content_objective([l], content_batch=CONTENT_INDEX, generated_batch=TRANSFER_INDEX,
                                               loss=p.content_loss, weight=w)
                       for l, w in zip(p.content_layers, self.content_layer_weights)]
        parts = [style_loss.objective()] + content
        if p.tv_weight:
            parts.append(-p.tv_weight * objectives.total_variation(batch=0, reduce="mean"))
        return objectives.Objective.sum(parts)

    def evaluate(self, image):
        """Losses of an [H, W, 3] image against the fixed targets (no transforms)."""
        p = self.preset
        x = tf.constant(np.asarray(image, np.float32)[None])
        acts = self.model.activations(x, self.layers)
        raw = {name: float(fn(acts)) for name, (_, fn) in self.terms().items()}
        style_total = sum(w * raw[f"style/{l}"] for l, w in zip(p.style_layers, self.style_layer_weights))
        content_total = sum(w * raw[f"content/{l}"] for l, w in zip(p.content_layers, self.content_layer_weights))
        tv = float(objectives.tv(x, reduce="mean"))
        return {"content_loss": content_total, "style_loss": style_total, "tv": tv,
                "total": content_total + style_total + p.tv_weight * tv, "raw": raw}


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
        crop = tf.slice(style_c, tf.stack([offset[0], offset[1], 0]), [h, w, 3])
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
    image: np.ndarray                 # [H, W, 3]
    images: List[np.ndarray]          # at each threshold
    final: Dict[str, Any]             # evaluate() of the final image
    weights: Dict[str, float]         # effective weight of each term
    losses: np.ndarray                # optimizer loss per step
    seconds: float
    param_kind: str
    render: Any


def transfer(model, content, style_image, preset=None, param_kind=None, steps=512, seed=0,
             lr=render.DEFAULT_LEARNING_RATE, progress=True, thresholds=None, loss=None):
    """Style transfer of `content` ([H, W, 3]; sets the output size) with `style_image`
    (any size; Lucid mode crops it, so it must cover H x W, see `fit_style`)."""
    if steps <= 0:
        raise UserError(f"steps must be positive, got {steps}")
    preset = preset or preset_for(model)
    param_kind = param_kind or preset.param
    if param_kind not in PARAMS:
        raise UserError(f"--param must be one of {', '.join(PARAMS)}, got {param_kind!r}")
    loss = loss or StyleTransferLoss(model, content, style_image, preset)
    h, w = loss.h, loss.w
    style_fitted = fit_style(loss.style_image, h, w) if preset.batch == "lucid" else None

    def param_f():
        # the generated image is the first of the batch: the loop's images are [B, H, W, 3]
        inner = param.image_of_kind(param_kind, w, h)
        if preset.batch == "fixed":
            return inner
        return batch_param(inner, loss.content, style_fitted)

    step_inputs = crop_inputs(style_fitted.shape, h, w) if preset.batch == "lucid" else None
    start = time.time()
    result = render.render(model, loss.objective(), param_f=param_f, optimizer=render.adam(lr),
                           transforms=[] if preset.batch == "fixed" else None,
                           thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           step_inputs=step_inputs,
                           description=f"style transfer ({param_kind})")
    seconds = time.time() - start
    images = [im[0] for im in result.images]
    weights = {f"style/{l}": wt for l, wt in zip(preset.style_layers, loss.style_layer_weights)}
    weights.update({f"content/{l}": wt for l, wt in zip(preset.content_layers, loss.content_layer_weights)})
    if preset.tv_weight:
        weights["tv"] = preset.tv_weight
    return TransferResult(image=images[-1], images=images, final=loss.evaluate(images[-1]),
                          weights=weights, losses=result.losses, seconds=seconds,
                          param_kind=param_kind, render=result)


def compare_params(model, content, style_image, preset=None, params=PARAMS, steps=512, seed=0,
                   progress=True, lr=render.DEFAULT_LEARNING_RATE):
    """Run the same style transfer with each parameterization (same loss, weights, steps,
    seed). Returns {param: TransferResult}."""
    preset = preset or preset_for(model)
    loss = StyleTransferLoss(model, content, style_image, preset)
    return {kind: transfer(model, content, style_image, preset, kind, steps=steps, seed=seed,
                           progress=progress, lr=lr, loss=loss) for kind in params}


def summary(results, model_name, preset, extra=None):
    """JSON-ready record of one or several TransferResults."""
    first = next(iter(results.values()))
    record = {"model": model_name, "size": list(first.image.shape[:2]),
              "steps": int(first.render.steps), "preset": preset.to_dict(),
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


# ---------------------------------------------- demo settings (lucid_repro.outputs)

DEMO_CONTENT = "zurich"
DEMO_STYLE = "starry_night"
