"""Texture synthesis by matching Gram matrices (Gatys, Ecker & Bethge 2015), on trained
or random VGG19 (He, Wang & Hopcroft 2016) or any model of the zoo.

Loss (to minimize) = sum_l w_l * distance(Gram_l(x), Gram_l(texture)), with Gatys'
squared distance and equal weights on trained networks, and He et al.'s automatic
omega_l (`style.auto_weights`) on random ones. Gatys' E_l = sum (G - A)^2 /
(4 N_l^2 M_l^2) equals our squared distance / 4 (Grams here are divided by the number
of positions M_l, and the squared distance is a mean over the N_l^2 entries), a
constant factor that Adam does not see.

The Gram targets come from the texture resized so its longer side is the output size;
the output is square. Gatys' figure adds layers one at a time (L1 = conv1_1,
L2 = + pool1, ..., L5 = + pool4): `figure` renders one row per such layer set.
"""
import dataclasses
import os
import time
from typing import Any, Dict, List

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import NO_NUMBER, Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.images import to_channels
from lucid_repro.models.families import RANVGG19, family_of, pick
from lucid_repro.optvis import objectives, param, render, style


def numbers(out, models=("vgg19",)):
    """Relative Gram error per layer of each model in `models` (the random VGG19's rows are
    the random_vgg section's)."""
    r = read_json(out, "texture_synthesis/texture_*.json")
    rows = []
    for name in models:
        x = dig(r, "results", name)
        if x:
            errs = x.get("relative_errors") or {}
            rows.append((f"relative Gram error per layer, {name} ({', '.join(errs)})",
                         " / ".join(fmt(v) for v in errs.values()),
                         "none given (Gatys: visually; He et al.: random VGG also works)"))
    return rows or [("relative Gram error", "—", NO_NUMBER)]


# on random-weight VGG19, what reproduces He et al.'s results (issue 24: L-BFGS from white noise)
_RANDOM_LBFGS = dict(by_model={RANVGG19.name: dict(RANVGG19.reconstruction)})


SECTION = Section(
    name="texture_synthesis", part="classic", order=80, title="Texture synthesis (Gatys et al.)",
    claim="Matching the Gram matrices of a texture's VGG features from noise synthesizes new samples "
          "of that texture.",
    settings={
        # param / weighting / layers None: the model family's (pixels and relative errors on the VGGs,
        # Gatys' layers; recipes.texture_synthesis)
        "library": dict(style="starry_night", size=128, steps=256, lr=0.05, loss="squared", param=None,
                        weighting=None, layers=None, transforms=False, pooling="avg", optimizer="adam",
                        **_RANDOM_LBFGS),
        "paper": dict(size=256, steps=2000, lr=0.05, optimizer="lbfgs", param="box", pooling="avg",
                      loss="squared",
                      by_model={"vgg19": dict(layers="relu1_1,pool1,pool2,pool3,pool4", weighting="none"),
                                "ranvgg19": dict(layers="relu1_1,relu2_1,relu3_1,relu4_1", weighting="omega")}),
        "demo": dict(style="starry_night", size=128, steps=160, pooling="avg", **_RANDOM_LBFGS),
        "quick": dict(style="starry_night", size=32, steps=4, pooling="avg", **_RANDOM_LBFGS),
    },
    sources={
        "library": "Gatys, Ecker & Bethge 2015: Gram matrices of relu1_1, pool1..pool4, squared distance, "
                   "average pooling, no transforms; size, steps and Adam ours. On ranvgg19: L-BFGS from white "
                   "noise in the [0, 1] box (issue 24: textures of the painting instead of Adam's coloured "
                   "noise; about 1 min at 128 px on 2 CPU cores)",
        "demo": "ours: make demo's budget, trained and random VGG19",
        "quick": "ours: smoke tests",
        "paper": "on vgg19 Gatys, Ecker & Bethge 2015 (conv1_1, pool1..pool4, equal weights, squared Gram "
                 "distance, L-BFGS, 256 px, white noise); on ranvgg19 He, Wang & Hopcroft 2016 Sec. 4.2 / "
                 "Figure 8 (conv1_1..conv4_1, --figure gives the figure's rows, omega_l weights). Both: "
                 "pixels in [0, 1] from white noise, L-BFGS with the box (optvis/lbfgs.py), up to 2000 "
                 "iterations, average pooling",
    },
    figures=(("texture_synthesis/texture_*.png", "original crop, VGG19, random-weight VGG19"),),
    numbers=numbers,
    describe="{style}, {size} px, {steps} steps, {pooling} pooling",
    expected_seconds=107,
)


# Gatys 2015: conv1_1, pool1..pool4 (Caffe's conv1_1 blob is rectified in place: relu1_1)
GATYS_LAYERS = ("relu1_1", "pool1", "pool2", "pool3", "pool4")
DEFAULT_LAYERS = {"vgg19": GATYS_LAYERS, "ranvgg19": GATYS_LAYERS,
                  "inception_v1": ("conv2d2", "mixed3a", "mixed4a", "mixed4b", "mixed4c")}


@dataclasses.dataclass
class TextureResult:
    image: np.ndarray                 # [size, size, 3]
    images: List[np.ndarray]
    layer_losses: Dict[str, float]    # raw Gram loss per layer at the end
    relative_errors: Dict[str, float] # the same divided by distance(target Gram, 0)
    weights: Dict[str, float]         # weight of each layer in the objective
    loss: float                       # weighted total at the end
    losses: np.ndarray                # optimizer loss per step
    seconds: float
    render_result: Any               # the loop's RenderResult


def default_layers(model):
    layers = pick(DEFAULT_LAYERS, model)
    if layers is not None:
        return layers
    raise UserError(f"no default texture layers for model {model.name}; give --layers")


def parse_layers(model, layers):
    if layers is None:
        layers = default_layers(model)
    return tuple(model.check_layers(layers, "texture synthesis layers"))


def default_weighting(model):
    """He et al.'s omega_l on the random VGG19, relative errors otherwise (BUILD_NOTES "Gram and
    content losses")."""
    return "omega" if family_of(model).random_weights else "relative"


class GramTargets:
    """The texture's Grams at `layers` and the per-layer weights."""

    def __init__(self, model, texture, layers, size, loss="squared", weighting=None):
        if loss not in style.LOSS_KINDS:
            raise UserError(f"loss must be one of {', '.join(style.LOSS_KINDS)}, got {loss!r}")
        self.weighting = default_weighting(model) if weighting is None else weighting
        if self.weighting not in style.WEIGHTINGS:
            raise UserError(f"weighting must be one of {', '.join(style.WEIGHTINGS)}, got {self.weighting!r}")
        self.model, self.layers, self.size, self.loss = model, tuple(layers), size, loss
        # a photo becomes the model's bands (RGB to gray by luminance; other counts must match)
        self.texture = assets.resize_longer_side(to_channels(texture, model.channels, "the texture"), size)
        acts = model.activations(tf.constant(self.texture[None]), list(self.layers))
        self.grams = {l: style.gram_matrix(acts[l])[0].numpy() for l in self.layers}
        self.scales = {l: style.relative_scale(self.grams[l], loss) for l in self.layers}
        self.weights = {l: 1.0 for l in self.layers}
        if self.weighting == "omega":
            omega = style.auto_weights(model, self.terms(), style.white_noise(size, size, channels=self.texture.shape[-1]))
            self.weights = {l: omega[l] for l in self.layers}
        elif self.weighting == "relative":
            self.weights = {l: 1.0 / self.scales[l] for l in self.layers}

    def terms(self):
        return {l: ([l], lambda a, l=l, t=tf.constant(self.grams[l][None]):
                    style.distance(style.gram_matrix(a[l]), t, self.loss)) for l in self.layers}

    def style_loss(self):
        return style.StyleLoss(self.layers, style_grams=self.grams,
                               layer_weights=[self.weights[l] for l in self.layers], loss=self.loss)

    def evaluate(self, image):
        acts = self.model.activations(tf.constant(np.asarray(image, np.float32)[None]), list(self.layers))
        return {name: float(fn(acts)) for name, (_, fn) in self.terms().items()}


def synthesize(model, texture, layers=None, size=128, steps=256, param_kind=None, loss="squared",
               weighting=None, use_transforms=False, tv_weight=0.0, seed=0, lr=render.DEFAULT_LEARNING_RATE,
               progress=True, thresholds=None, targets=None, optimizer=None):
    """A new size x size image with the Gram statistics of `texture` ([H, W, C], C the
    model's channels) at `layers`. optimizer: "adam" (default, learning rate `lr`), "lbfgs" or
    an optimizer object."""
    if size <= 0 or steps <= 0:
        raise UserError(f"size and steps must be positive, got size={size} steps={steps}")
    layers = parse_layers(model, layers)
    param_kind = param_kind or family_of(model).default_param
    targets = targets or GramTargets(model, texture, layers, size, loss, weighting)
    if tv_weight < 0:
        raise UserError(f"tv_weight must be >= 0, got {tv_weight}")
    objective = targets.style_loss().objective()
    if tv_weight:
        objective = objective - tv_weight * objectives.total_variation(reduce="mean")
    start = time.time()
    result = render.render(model, objective,
                           param_f=lambda: param.image_of_kind(param_kind, size, size, **param.for_model(model)),
                           optimizer=render.make_optimizer(optimizer, lr),
                           transforms=None if use_transforms else [],
                           thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           description=f"texture {len(layers)} layers")
    seconds = time.time() - start
    final = result.images[-1][0]
    layer_losses = targets.evaluate(final)
    return TextureResult(image=final, images=[im[0] for im in result.images], layer_losses=layer_losses,
                         relative_errors={l: layer_losses[l] / targets.scales[l] for l in layers},
                         weights=dict(targets.weights),
                         loss=float(sum(targets.weights[l] * layer_losses[l] for l in layers)),
                         losses=result.losses, seconds=seconds, render_result=result)


def figure(model, textures, layers=None, size=128, steps=256, param_kind=None, seed=0, progress=True,
           **kwargs):
    """Gatys' layer figure: row k synthesizes each texture with layers[:k+1].

    textures: {name: [H, W, C] image} (RGB photos: gray by luminance for a 1-channel model). Returns (rows of images, record) where the first
    row holds the originals (centre crops at the output size) and record the final
    per-layer Gram losses of every synthesis.
    """
    layers = parse_layers(model, layers)
    param_kind = param_kind or family_of(model).default_param
    textures = {k: to_channels(t, model.channels, f"the texture {k}") for k, t in textures.items()}
    rows = [[center_crop(resize_to_cover(t, size), size) for t in textures.values()]]
    record = {"model": model.name, "size": size, "steps": steps, "param": param_kind,
              "layer_sets": [list(layers[:k + 1]) for k in range(len(layers))], "results": {}}
    for k in range(len(layers)):
        row = []
        for name, texture in textures.items():
            r = synthesize(model, texture, layers[:k + 1], size=size, steps=steps, param_kind=param_kind,
                           seed=seed, progress=progress, **kwargs)
            record["results"][f"{name}/L{k + 1}"] = {"layer_losses": r.layer_losses,
                                                     "relative_errors": r.relative_errors, "weights": r.weights,
                                                     "loss": r.loss, "seconds": round(r.seconds, 1)}
            row.append(r.image)
        rows.append(row)
    return rows, record


def resize_to_cover(image, size):
    h, w = image.shape[:2]
    return assets.resize_longer_side(image, int(np.ceil(size * max(h, w) / min(h, w))))


def center_crop(image, size):
    h, w = image.shape[:2]
    y, x = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return image[y:y + size, x:x + size]


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Texture of a packaged painting on `model` and on the random VGG19 (He et al.):
    PNG of [original crop, trained, random], JSON of the final Gram loss per layer."""
    from lucid_repro.models import random_vgg
    from lucid_repro import models
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick, model)
    size, steps, texture = settings["size"], settings["steps"], settings["style"]
    if settings["pooling"] == "avg":
        model = random_vgg.with_avg_pooling(model)
    image = assets.load(texture, "styles")
    runs = [(model.name, model)]
    if model.family.random_counterpart:     # He et al.'s comparison: the same net, random weights
        name = model.family.random_counterpart
        runs.append((name, models.load(name, seed=0)))
    row = [center_crop(resize_to_cover(image, size), size)]
    record = {"texture": texture, "size": size, "steps": steps, "results": {}}
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for name, m in runs:
        own = SECTION.demo_row(quick, name)       # the random net's own optimizer and start
        r = synthesize(m, image, size=size, steps=steps, progress=progress, optimizer=own.get("optimizer"),
                       param_kind=own.get("param"))
        record["results"][name] = {"layers": list(r.layer_losses), "layer_losses": r.layer_losses,
                                   "relative_errors": r.relative_errors,
                                   "weights": r.weights, "loss": r.loss, "seconds": round(r.seconds, 1)}
        paths.append(save_image(os.path.join(output_dir, f"texture_{texture}_{name}.png"), r.image))
        row.append(r.image)
    paths.append(save_image(os.path.join(output_dir, f"texture_{texture}.png"), contact_sheet([row])))
    paths.append(write_json(os.path.join(output_dir, f"texture_{texture}.json"), record))
    return paths
