"""Semi-transparent feature visualization (the article's RGBA section).

Lucid's transparency notebook: an RGBA Fourier image (colour-decorrelated RGB in
linear light through a sigmoid, a fourth channel through a sigmoid for alpha) of
320 x 320, composited each step over a fresh random smooth background in linear
space, randomly scaled by one of 0.6 ... 1.1, randomly cropped to 160 x 160 and
gamma-encoded for the network. The loss is
    -obj * (1 - mean alpha of the crop) - 0.5 * obj * (1 - mean alpha of the image),
optimized with Adam at learning rate 0.03 for 1000 steps. Only what the objective
needs stays opaque.

Models of other than 3 input channels (issue 25): C bands + alpha, composited band by
band over a random smooth background of C independent bands. A grayscale image is light
as RGB is (linear, gamma-encoded for the network); the bands of a C > 3 model are taken as
the values the model reads (no gamma: `gamma_for`).
"""
import glob
import json
import os

import numpy as np
import tensorflow as tf

from lucid_repro.declaration import NO_NUMBER, Section, fmt, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import alpha as alpha_lib
from lucid_repro.optvis import objectives, param, render


def numbers(out):
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "transparency", "transparency_*.json"))):
        with open(path) as f:
            m = json.load(f)
        unit = m.get("objective", os.path.basename(path))
        rows.append((f"{unit}: mean alpha", fmt(m.get("mean_alpha")), NO_NUMBER))
        rows.append((f"{unit}: corr(alpha, attribution), 8×8 blocks / pixels",
                     f"{fmt(m.get('alpha_attribution_corr'))} / {fmt(m.get('alpha_attribution_corr_pixel'))}",
                     "none given (alpha 'works like' an attribution map)"))
    return rows or [("mean alpha", "—", NO_NUMBER)]


_UNITS = ["conv5_1:15", "conv5_1:34"]       # a dog face, eyes (docs/units_conv5_1.png)

SECTION = Section(
    name="transparency", part="article", order=40, title="Semi-transparent patterns (RGBA)",
    claim="Optimizing an RGBA image over random backgrounds with a reward for transparency leaves "
          "opaque only what the neuron needs, so alpha acts like an attribution map.",
    settings={
        "library": dict(size=192, crop=112, steps=300, lr=0.03, objective="conv5_1:15"),
        "demo": dict(size=192, crop=112, steps=300, lr=0.03, units=_UNITS),
        "quick": dict(size=48, crop=24, steps=4, lr=0.03, units=_UNITS),
        "article": dict(size=320, crop=160, steps=1000, lr=0.03, objective="conv5_1:15"),
    },
    sources={
        "library": "ours: the article's procedure at CPU sizes",
        "demo": "as library, two units",
        "quick": "ours: smoke tests",
        "article": "Lucid transparency.ipynb: 320 px RGBA, random crop 160, scales 0.6-1.1, Adam 0.03, "
                   "1000 steps (the notebook's GoogLeNet unit is not pinned: give --objective)",
    },
    figures=(("transparency/transparency.png", "rows: units; checkerboard, black, white, alpha"),
             ("transparency/transparency_*_*_*[0-9].png", "{unit} RGBA")),
    numbers=numbers,
    describe="VGG19, units {units}; {size} px, crop {crop}, {steps} steps (Lucid: 320, 160, 1000)",
    expected_seconds=93,
)


SCALES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)
LEARNING_RATE = 0.03



def gamma_for(model):
    """The gamma of the compositing space: Lucid's 2.2 for RGB and grayscale (light), 1 (the
    model's own values) for other band counts."""
    return alpha_lib.GAMMA if model.channels in (1, 3) else 1.0


def visualize(model, objective, size=320, crop=160, steps=1000, lr=LEARNING_RATE, scales=SCALES,
              seed=0, progress=True, thresholds=None):
    """Optimize an RGBA image; returns (RenderResult, rgba [size, size, 4] with linear RGB;
    [size, size, C + 1] for a model of C input channels)."""
    if size <= 0 or crop <= 0 or steps <= 0 or lr <= 0:
        raise UserError(f"size, crop, steps and lr must be positive, got size={size} crop={crop} "
                        f"steps={steps} lr={lr}")
    if crop > round(size * min(scales)):
        raise UserError(f"crop {crop} is larger than the smallest scaled image "
                        f"({round(size * min(scales))} = {size} x {min(scales)})")
    objective = objectives.as_objective(objective)
    result = render.render(
        model, alpha_lib.alpha_weighted(objective),
        param_f=lambda: param.image(size, fft=True, decorrelate=True, alpha=True, **param.for_model(model)),
        optimizer=render.adam(lr), transforms=alpha_lib.transparency_transforms(crop, scales,
                                                                                gamma=gamma_for(model)),
        thresholds=thresholds or (steps,), seed=seed, progress=progress,
        metrics={"mean_alpha": alpha_lib.mean_alpha()}, description=f"rgba {objective.name}")
    return result, np.asarray(result.images[-1])[0]


def _block_mean(x, k):
    h, w = (x.shape[0] // k) * k, (x.shape[1] // k) * k
    return x[:h, :w].reshape(h // k, k, w // k, k).mean(axis=(1, 3))


def _corr(u, v):
    u, v = np.ravel(u), np.ravel(v)
    return float(np.corrcoef(u, v)[0, 1]) if u.std() > 0 and v.std() > 0 else 0.0


def attribution_correlation(model, objective, rgba, backgrounds=4, block=8, seed=0):
    """Correlation, over the image, between alpha and the objective's attribution.

    The RGBA image (linear RGB) is composited over `backgrounds` random smooth
    backgrounds (as in training), gamma-encoded and fed whole to the model. The
    attribution of a pixel is the gradient x input of the raw objective summed over
    colour channels (signed: positive = evidence for the unit), averaged over the
    backgrounds (one tape.gradient call). Pixel-level gradients are noisy, so the
    headline number correlates block means over `block` x `block` pixels (8 = the
    stride of VGG's conv4 layers); the pixel-level value is returned too."""
    objective = objectives.as_objective(objective)
    rgba = tf.constant(np.asarray(rgba, np.float32)[None])
    h, w = int(rgba.shape[1]), int(rgba.shape[2])
    rng = tf.random.Generator.from_seed(seed)
    bg = alpha_lib.random_background([backgrounds, h, w, int(rgba.shape[-1]) - 1], rng)
    x = alpha_lib.linear_to_gamma(alpha_lib.composite(tf.repeat(rgba, backgrounds, 0), bg), gamma_for(model))
    layers = list(objective.layers)
    with tf.GradientTape() as tape:
        tape.watch(x)
        acts = model.activations(x, layers)
        value = objective(lambda name: x if name == "input" else acts[name])
    grad = tape.gradient(value, x)
    attribution = tf.reduce_mean(tf.reduce_sum(grad * x, -1), 0).numpy()
    a = rgba[0, ..., -1].numpy()
    k = max(1, min(block, h // 2, w // 2))
    return dict(alpha_attribution_corr=_corr(_block_mean(a, k), _block_mean(attribution, k)),
                alpha_attribution_corr_pixel=_corr(a, attribution), block=k, attribution=attribution)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def save_outputs(rgba, output, metrics=None):
    """`output`: the RGBA PNG (gamma-encoded RGB + alpha); `<stem>_checkerboard.png`,
    `_black.png`, `_white.png`, `_alpha.png` previews; `<stem>_preview.png` (all four
    side by side); `<stem>.json` (metrics)."""
    from lucid_repro.images import contact_sheet, save_image
    stem = os.path.splitext(output)[0]
    views = alpha_lib.previews(rgba)
    paths = [save_image(output, alpha_lib.to_rgba_png(rgba))]
    for name in ("checkerboard", "black", "white", "alpha"):
        paths.append(save_image(f"{stem}_{name}.png", views[name]))
    paths.append(save_image(f"{stem}_preview.png",
                            contact_sheet([[views[k] for k in ("checkerboard", "black", "white", "alpha")]])))
    if metrics is not None:
        paths.append(write_json(stem + ".json", metrics))
    return paths


def run(model, objective, output, size=320, crop=160, steps=1000, lr=0.03, seed=0, progress=True,
        extra=None):
    """Visualize, measure (mean alpha, alpha-attribution correlation) and save."""
    result, rgba = visualize(model, objective, size=size, crop=crop, steps=steps, lr=lr, seed=seed,
                             progress=progress)
    corr = attribution_correlation(model, objective, rgba, seed=seed)
    metrics = dict(objective=str(objective), mean_alpha=float(rgba[..., 3].mean()),
                   alpha_attribution_corr=corr["alpha_attribution_corr"],
                   alpha_attribution_corr_pixel=corr["alpha_attribution_corr_pixel"],
                   attribution_block=corr["block"],
                   final_loss=float(result.losses[-1]), size=size, crop=crop, steps=int(result.steps))
    metrics.update(extra or {})   # e.g. a keras: model's preprocessing (scripts.common.with_model_info)
    return save_outputs(rgba, output, metrics), metrics, rgba


def demo(model, output_dir, quick=False, progress=True):
    """Two VGG19 units as semi-transparent patterns: RGBA PNGs, previews, metrics and
    a sheet (rows: units; columns: checkerboard, black, white, alpha)."""
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick, model)
    size, crop, steps = settings["size"], settings["crop"], settings["steps"]
    os.makedirs(output_dir, exist_ok=True)
    paths, rows = [], []
    for unit in settings["units"]:
        out = os.path.join(output_dir, f"transparency_{unit.replace(':', '_')}.png")
        written, metrics, rgba = run(model, unit, out, size=size, crop=crop, steps=steps, lr=settings["lr"],
                                     progress=progress)
        paths += written
        views = alpha_lib.previews(rgba)
        rows.append([views[k] for k in ("checkerboard", "black", "white", "alpha")])
        print(f"transparency {unit}: mean alpha {metrics['mean_alpha']:.3f}, "
              f"alpha/attribution correlation {metrics['alpha_attribution_corr']:.3f}")
    sheet = os.path.join(output_dir, "transparency.png")
    paths.insert(0, save_image(sheet, contact_sheet(rows)))
    return paths
