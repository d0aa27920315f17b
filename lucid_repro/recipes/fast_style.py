"""Fast (feed-forward) style transfer: Johnson, Alahi & Fei-Fei 2016, with instance
normalization (Ulyanov, Vedaldi & Lempitsky 2016) and conditional instance normalization
for several styles in one network (Dumoulin, Shlens & Kudlur 2017).

Training is the project's one loop, `render.render`, with:
* parameterization: the transformation network (`models.transform_net`) applied to a batch
  of content crops that is a per-step input (`step_inputs`: random image, random crop,
  random horizontal flip, drawn from the loop's seeded numpy generator, so a resumed run
  draws the same batches); the parameterization returns [stylized batch, content batch]
  and its variables are the network's weights;
* objective: Johnson's perceptual loss, the style-transfer loss of `optvis.style`
  (`StyleContentLoss.batch_objective`: the same content and Gram terms and weights as the
  Gatys recipe, a mean over the batch); with several styles, one style per step (a one-hot
  step input `style_weights`, fed to the network and gating the styles' Gram terms);
* optimizer: Adam (Johnson: lr 1e-3); transforms: none.
The loop's checkpoint, resume, progress bar, NaN stop and Ctrl-C handling apply unchanged.
The recorded pictures (`thresholds`) are previews: a fixed content image through the
network, once per style.

The demo: a one-style network against the Gatys optimization on the same loss, instance vs
batch norm, a two-style network against two one-style networks.
"""
import dataclasses
import functools
import os
import time
from typing import Any, Dict, List

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.models import transform_net
from lucid_repro.optvis import param, render, style
from lucid_repro.optvis.objectives import Objective
from lucid_repro.optvis.style_config import GATYS_STYLE_LAYERS


_STYLES = ["starry_night", "the_scream"]


def numbers(out):
    r = read_json(out, "fast_style/fast_style.json")
    g, n = dig(r, "gatys"), dig(r, "network")
    rows = [
        ("content / style loss: Gatys optimization", f"{fmt(dig(g, 'content_loss'))} / {fmt(dig(g, 'style_loss'))}",
         "Johnson et al. Fig. 5: the network's loss ~ that of 50-100 L-BFGS iterations"),
        ("content / style loss: trained network (one pass)",
         f"{fmt(dig(n, 'content_loss'))} / {fmt(dig(n, 'style_loss'))}", "higher than Gatys' converged loss"),
        ("seconds per image: Gatys / network (ratio)",
         f"{fmt(dig(g, 'seconds'))} / {fmt(dig(n, 'seconds'), 4)} ({fmt(dig(r, 'speedup'))}x)",
         "Johnson et al. Table 2: ~1000x (GPU, vs 500 L-BFGS iterations, 256-1024 px)"),
    ]
    for norm in ("instance", "batch"):
        rows.append((f"held-out style loss, {norm} norm (same budget)", fmt(dig(r, "norms", norm, "style_loss")),
                     "Ulyanov: instance norm stylizes visibly better" if norm == "instance" else "worse"))
    for s in _STYLES:
        rows.append((f"held-out style loss {s}: two-style net / one-style net",
                     f"{fmt(dig(r, 'two_style', s, 'two_style'))} / {fmt(dig(r, 'two_style', s, 'one_style'))}",
                     "Dumoulin: N styles in one net ~ N separate nets"))
    return rows


SECTION = Section(
    name="fast_style", part="classic", order=85, title="Fast style transfer (feed-forward networks)",
    claim="A transformation network trained once per style on the same perceptual loss stylizes a new "
          "photo in one forward pass, orders of magnitude faster than Gatys' optimization; instance "
          "normalization stylizes better than batch normalization, and conditional instance "
          "normalization holds several styles in one network.",
    settings={
        "library": dict(style="starry_night", norm="instance", size=256, batch_size=4, steps=2000, lr=1e-3,
                        filters=32, res_blocks=5, preview_every=200),
        "demo": dict(styles=_STYLES, content="zurich", size=64, batch_size=4, steps=80, lr=1e-3,
                     filters=16, res_blocks=3, image_size=128, gatys_steps=200),
        "quick": dict(styles=_STYLES, content="zurich", size=32, batch_size=2, steps=3, lr=1e-2,
                      filters=4, res_blocks=1, image_size=32, gatys_steps=3,
                      style_layers="relu1_1,relu2_1", content_layers="relu2_1"),   # shallow: cheap traces
        "paper": dict(style="starry_night", norm="instance", size=256, batch_size=4, steps=40000, lr=1e-3,
                      filters=32, res_blocks=5, preview_every=2000),
    },
    sources={
        "library": "Johnson et al. 2016's network (32 filters, 5 residual blocks), crops and Adam lr 1e-3, "
                   "batch 4; steps ours (a GPU hour is ~40k)",
        "demo": "ours: small network (16 filters, 3 residual blocks), 64 px crops, 80 steps at Johnson's lr "
                "1e-3 (1e-2 saturated the output), so that each of the four trainings takes a few minutes "
                "on 2 shared cores",
        "quick": "ours: smoke tests",
        "paper": "Johnson et al. 2016 Sec. 4.1: 256 px crops, batch 4, 40k iterations (2 epochs of COCO), "
                 "Adam lr 1e-3",
    },
    figures=(("fast_style/fast_style_vs_gatys.png", "content, style, Gatys optimization, one pass of the network"),
             ("fast_style/fast_style_norms.png", "instance norm (top) vs batch norm (bottom), same budget: the held-out photo and a packaged one"),
             ("fast_style/fast_style_two_styles.png",
              "top: the two-style network at weights (1, 0), (0.75, 0.25), (0.5, 0.5), (0.25, 0.75), (0, 1); "
              "bottom: the photo, the two one-style networks")),
    numbers=numbers,
    describe="VGG19, {styles} networks ({filters} filters, {res_blocks} residual blocks) trained {steps} steps "
             "on {size} px crops of the default collection without {content} (batch {batch_size}, Adam {lr}); Gatys: "
             "{gatys_steps} Adam steps on {content} at {image_size} px",
    expected_seconds=1300,   # measured: 1315 s on the 2 shared cores (four trainings ~4-5 min each, Gatys ~2.5 min)
)


CONTENT_KEY, STYLE_KEY = "content", transform_net.STYLE_INPUT    # the step inputs
CROP_MARGIN = 1.15        # images are loaded at 1.15 x the crop size, then cropped at random

# the loss of each model family; VGG19: the Gatys recipe's terms (relu1_1..relu5_1 Gram,
# relu4_2 content, squared, relative weights) with Johnson's content weight ratio
STYLE_CONFIGS = {
    "vgg19": style.StyleConfig(
        style_layers=GATYS_STYLE_LAYERS, content_layers=("relu4_2",), content_weight=3.0,
        style_weight=1.0, style_loss="squared", content_loss="squared", weighting="relative",
        batch_mode="fixed", param="pixel",
        source="the style_transfer recipe's VGG19 loss (Gatys et al. 2016 layers, squared, relative "
               "errors, content x3), so that the network and the Gatys optimization minimize one loss"),
}


def style_config(model, **overrides):
    return style.config_for(model, STYLE_CONFIGS, **overrides)


# ---------------------------------------------------------------- content batches

class ContentBatches:
    """Random training crops of a content collection: anything with `len()` and
    `load(i, size)` -> [size, size, 3] in [0, 1] (an `ImageCollection`), or a list of
    [H, W, 3] arrays. `__call__(step, rng)` is a render step-input function: a batch of
    `batch_size` crops of `size` px (random image, random crop of the image loaded at
    CROP_MARGIN x size, random horizontal flip). At most `cache` loaded images are kept."""

    def __init__(self, source, size, batch_size, cache=64):
        if len(source) == 0:
            raise UserError("no content images to train on")
        self.source, self.size, self.batch_size = source, int(size), int(batch_size)
        self.load_size = int(round(self.size * CROP_MARGIN))
        self._load = functools.lru_cache(maxsize=cache)(self._load_uncached)

    def __len__(self):
        return len(self.source)

    def _load_uncached(self, i):
        if hasattr(self.source, "load"):
            return np.asarray(self.source.load(i, size=self.load_size), np.float32)
        return square(self.source[i], self.load_size)

    def crop(self, i, rng):
        image = self._load(i)
        h, w = image.shape[:2]
        y, x = rng.randint(0, h - self.size + 1), rng.randint(0, w - self.size + 1)
        out = image[y:y + self.size, x:x + self.size]
        return out[:, ::-1] if rng.rand() < 0.5 else out

    def __call__(self, step, rng):
        idx = rng.randint(0, len(self.source), size=self.batch_size)
        return {CONTENT_KEY: np.stack([self.crop(int(i), rng) for i in idx]).astype(np.float32)}

    def first(self, size):
        """The collection's first image, centre square of `size` px (the preview)."""
        if hasattr(self.source, "load"):
            return np.asarray(self.source.load(0, size=size), np.float32)
        return square(self.source[0], size)


def square(image, size):
    """Centre square crop, resized to size x size (shorter side first)."""
    h, w = image.shape[:2]
    s = min(h, w)
    y, x = (h - s) // 2, (w - s) // 2
    return assets.resize_longer_side(np.asarray(image[y:y + s, x:x + s], np.float32), size)


# ---------------------------------------------------------------- the loss

def perceptual_losses(model, style_images, reference_content, config=None):
    """One `StyleContentLoss` per style, all with the same content reference (its
    per-term weights; the content targets are the batch's own images). style_images:
    [H, W, 3] arrays at the scale the network should reproduce (the crop size)."""
    config = config or style_config(model)
    return [style.StyleContentLoss(model, reference_content, s, config) for s in style_images]


def training_objective(losses, batch_size):
    """The perceptual loss of a batch [stylized, content]: the styles' Gram terms (gated by
    the step input `style_weights` when there are several) + the content terms."""
    content = losses[0].batch_content_objectives(batch_size)
    style_losses = [l.batch_style_loss(batch_size) for l in losses]
    if len(losses) == 1:
        style_term = style_losses[0].objective()
    else:
        layers = list(style_losses[0].layers)
        style_term = Objective(
            lambda T: -tf.add_n([T(STYLE_KEY)[0, s] * sl(T) for s, sl in enumerate(style_losses)]),
            layers + [STYLE_KEY], (), "style")
    metrics = {"style": -style_term, "content": -Objective.sum(content)}
    return Objective.sum([style_term] + content), metrics


# ---------------------------------------------------------------- training

@dataclasses.dataclass
class TrainResult:
    net: Any                      # the keras.Model
    losses: np.ndarray            # total loss per step
    metric_history: Dict[str, np.ndarray]
    previews: List[np.ndarray]    # [N styles, h, w, 3] at each threshold
    seconds: float
    steps: int


def network_param(net, preview):
    """The parameterization: the network applied to the step's content batch, returning
    [stylized, content]; its picture is `preview` ([h, w, 3]) stylized in every style."""
    k = transform_net.n_styles(net)
    variables = [getattr(v, "value", v) for v in net.trainable_variables]

    def fn(**inputs):
        content = inputs[CONTENT_KEY]
        weights = inputs.get(STYLE_KEY)
        out = transform_net.stylize(net, content, None if weights is None else weights[0], training=True)
        return tf.concat([out, content], 0)

    p = param.Param(fn, variables, name="transform_net")
    one_hot = np.eye(k, dtype=np.float32)

    def picture(**_):
        x = np.repeat(preview[None], k, 0)
        return transform_net.stylize(net, x, one_hot if k > 1 else None).numpy()
    p.picture = picture
    return p


def train(model, style_images, content, norm="instance", size=256, batch_size=4, steps=2000,
          lr=1e-3, filters=32, res_blocks=5, seed=0, config=None, thresholds=None, progress=True,
          preview=None, net=None):
    """Train a transformation network on `model`'s perceptual loss.

    style_images: list of [H, W, 3] in [0, 1] (one per style; several need
    norm="conditional_instance"); each is resized so its longer side is `size`, the
    training crop size. content: a ContentBatches source (collection or list of images).
    thresholds: steps at which a preview is recorded (default: the last).
    Returns a TrainResult; result.net is the trained keras.Model."""
    for name, v in (("size", size), ("batch_size", batch_size), ("steps", steps), ("filters", filters)):
        if v <= 0:
            raise UserError(f"{name} must be positive, got {v}")
    if size % 4:
        raise UserError(f"size must be a multiple of 4 (two stride-2 steps), got {size}")
    if len(style_images) > 1 and norm != "conditional_instance":
        raise UserError(f"{len(style_images)} styles need --norm=conditional_instance, got {norm}")
    batches = content if isinstance(content, ContentBatches) else ContentBatches(content, size, batch_size)
    styles = [assets.resize_longer_side(np.asarray(s, np.float32), size) for s in style_images]
    reference = batches.first(size)
    losses = perceptual_losses(model, styles, reference, config)
    objective, metrics = training_objective(losses, batch_size)
    k = len(styles)
    if net is None:
        net = transform_net.build(norm, n_styles=k, filters=filters, res_blocks=res_blocks, seed=seed)
    preview = reference if preview is None else preview

    def step_inputs(step, rng):
        inputs = batches(step, rng)
        if k > 1:
            inputs[STYLE_KEY] = np.eye(k, dtype=np.float32)[rng.randint(k)][None]
        return inputs

    start = time.time()
    result = render.render(model, objective, param_f=network_param(net, preview), optimizer=render.adam(lr),
                           transforms=[], thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           step_inputs=step_inputs, metrics=metrics, description=f"fast style ({norm})")
    return TrainResult(net=net, losses=result.losses, metric_history=result.metric_history,
                       previews=result.images, seconds=time.time() - start, steps=result.steps)


# ---------------------------------------------------------------- using a network

def stylize(net, image, style_weights=None, tile=0):
    """One forward pass: [H, W, 3] in [0, 1] -> stylized [H, W, 3]. style_weights: a
    conditional network's blend (N non-negative numbers, normalized to sum 1). tile > 0:
    overlapping tiles of `tile` px (a quarter overlap), blended with linear ramps."""
    k = transform_net.n_styles(net)
    weights = None
    if style_weights is not None:
        weights = np.asarray(style_weights, np.float32)
        if weights.shape != (k,):
            raise UserError(f"the network holds {k} style(s); got {weights.size} style weights")
        if np.any(weights < 0) or not weights.sum() > 0:
            raise UserError("style weights must be non-negative and not all zero")
        weights = weights / weights.sum()
    image = np.asarray(image, np.float32)
    h, w = image.shape[:2]
    if not tile or (h <= tile and w <= tile):
        return transform_net.stylize(net, image[None], weights).numpy()[0]
    step = max(tile - tile // 4, 1)
    out = np.zeros_like(image)
    total = np.zeros((h, w, 1), np.float32)
    ramp = lambda n: np.minimum(np.arange(1, n + 1), np.arange(n, 0, -1)).astype(np.float32)   # noqa: E731
    for y in sorted({min(y, max(h - tile, 0)) for y in range(0, h, step)}):
        for x in sorted({min(x, max(w - tile, 0)) for x in range(0, w, step)}):
            piece = image[y:y + tile, x:x + tile]
            ph, pw = piece.shape[:2]
            styled = transform_net.stylize(net, piece[None], weights).numpy()[0]
            mask = (ramp(ph)[:, None] * ramp(pw)[None, :])[..., None]
            out[y:y + ph, x:x + pw] += styled * mask
            total[y:y + ph, x:x + pw] += mask
    return out / total


def timed_stylize(net, image, style_weights=None, repeats=3):
    """stylize() and its seconds per image (the best of `repeats` after one warm-up)."""
    out = stylize(net, image, style_weights)
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        stylize(net, image, style_weights)
        best = min(best, time.perf_counter() - t)
    return out, best


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.models import random_vgg
    from lucid_repro.recipes import style_transfer as gatys
    row = SECTION.demo_row(quick, model)
    model = random_vgg.with_avg_pooling(model)   # the Gatys recipe's demo network
    size, image_size = row["size"], row["image_size"]
    content_path = assets.resolve_image(row["content"], "content")
    photos = training_photos(content_path, quick)       # the comparison photo is not among them
    content = assets.load(content_path, "content", max_side=image_size)
    h, w = content.shape[:2]
    styles = [assets.load(s, "styles") for s in row["styles"]]
    config = style_config(model, style_layers=row.get("style_layers"), content_layers=row.get("content_layers"))
    common = dict(config=config, size=size, batch_size=row["batch_size"], steps=row["steps"], lr=row["lr"],
                  filters=row["filters"], res_blocks=row["res_blocks"], progress=progress)
    # every loss below: the content photo (not trained on) at image_size, the style at the
    # training scale (longer side = the crop size), the training loss's terms and weights
    train_styles = [assets.resize_longer_side(s, size) for s in styles]
    eval_losses = [style.StyleContentLoss(model, content, s, config) for s in train_styles]

    def held_out_style(net, s, k=None):
        """The style loss of the network's output on the held-out photo (style s)."""
        weights = None if k is None else np.eye(k)[s]
        return float(eval_losses[s].evaluate(stylize(net, content, weights))["style_loss"])

    os.makedirs(output_dir, exist_ok=True)
    written, record = [], {"model": model.name, "row": row}
    nets = {}
    for s, name in enumerate(row["styles"]):
        nets[name] = train(model, [styles[s]], photos, norm="instance", seed=0, **common)
    bn = train(model, [styles[0]], photos, norm="batch", seed=0, **common)
    two = train(model, styles, photos, norm="conditional_instance", seed=0, **common)

    # 1. Gatys vs the network, one loss (the content image's own targets)
    loss = eval_losses[0]
    g = gatys.transfer(model, content, train_styles[0], config, "pixel", steps=row["gatys_steps"], lr=0.05,
                       loss=loss, progress=progress)
    out, seconds = timed_stylize(nets[row["styles"][0]].net, content)
    n_eval = loss.evaluate(out)
    record["gatys"] = {"content_loss": g.final["content_loss"], "style_loss": g.final["style_loss"],
                       "seconds": g.seconds, "steps": row["gatys_steps"]}
    record["network"] = {"content_loss": n_eval["content_loss"], "style_loss": n_eval["style_loss"],
                         "seconds": seconds, "train_seconds": nets[row["styles"][0]].seconds}
    record["speedup"] = g.seconds / seconds
    style_view = assets.resize_longer_side(styles[0], max(h, w))[:h, :w]
    record["training_images"] = len(photos)
    written.append(save_image(os.path.join(output_dir, "fast_style_vs_gatys.png"),
                              contact_sheet([[content, pad_to(style_view, h, w), g.image, out]])))

    # 2. instance vs batch normalization, same budget
    inet = nets[row["styles"][0]]
    record["norms"] = {"instance": {"style_loss": held_out_style(inet.net, 0), "train_seconds": inet.seconds,
                                    "final_training_loss": float(inet.losses[-1])},
                       "batch": {"style_loss": held_out_style(bn.net, 0), "train_seconds": bn.seconds,
                                 "final_training_loss": float(bn.losses[-1])}}
    others = [assets.load(p, "content", max_side=image_size)
              for p in assets.available_images("content").values() if p != content_path][:1]
    shown = [content] + [o[:h, :w] for o in others if o.shape[0] >= h and o.shape[1] >= w]
    written.append(save_image(os.path.join(output_dir, "fast_style_norms.png"), contact_sheet(
        [[stylize(inet.net, x) for x in shown], [stylize(bn.net, x) for x in shown]])))

    # 3. one two-style network vs two one-style networks, same budget each
    record["two_style"] = {name: {"two_style": held_out_style(two.net, s, 2),
                                  "one_style": held_out_style(nets[name].net, s)}
                           for s, name in enumerate(row["styles"])}
    blends = [stylize(two.net, content, [1 - a, a]) for a in (0.0, 0.25, 0.5, 0.75, 1.0)]
    singles = [stylize(nets[name].net, content) for name in row["styles"]]
    written.append(save_image(os.path.join(output_dir, "fast_style_two_styles.png"),
                              contact_sheet([blends, [content] + singles])))
    for name, r in nets.items():
        written.append(save_image(os.path.join(output_dir, f"fast_style_{name}_training.png"),
                                  contact_sheet([[p[0] for p in r.previews]])))
    written.append(write_json(os.path.join(output_dir, "fast_style.json"), record))
    if progress:
        print(format_record(record))
    return written


def training_photos(leave_out, quick=False):
    """The demo's training photos: the offline default collection (packaged photos and
    scikit-image's samples) without the comparison photo `leave_out`."""
    from lucid_repro.collection import ImageCollection
    c = ImageCollection.default(max_images=4 if quick else None)
    c.paths = [p for p in c.paths if os.path.realpath(p) != os.path.realpath(leave_out)]
    return c


def pad_to(image, h, w):
    return np.pad(image, ((0, h - image.shape[0]), (0, w - image.shape[1]), (0, 0)), constant_values=1.0)


def format_record(r):
    g, n = r["gatys"], r["network"]
    lines = [f"Gatys ({g['steps']} steps): content {g['content_loss']:.4g} style {g['style_loss']:.4g}, "
             f"{g['seconds']:.1f} s/image",
             f"network (one pass): content {n['content_loss']:.4g} style {n['style_loss']:.4g}, "
             f"{n['seconds'] * 1000:.1f} ms/image ({r['speedup']:.0f}x faster; trained in {n['train_seconds']:.0f} s)"]
    lines += [f"{k} norm: held-out style loss {v['style_loss']:.4g}" for k, v in r["norms"].items()]
    lines += [f"{k}: style loss two-style net {v['two_style']:.4g}, one-style net {v['one_style']:.4g}"
              for k, v in r["two_style"].items()]
    return "\n".join(lines)
