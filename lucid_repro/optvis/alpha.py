"""Semi-transparent (RGBA) feature visualization: random-background compositing.

Following Lucid's `transparency` notebook, the parameterization's RGB is taken to
be *linear* light. Each step the RGBA image is composited, in linear space, over
a fresh random smooth background (a random Fourier image with spectrum sd 0.2 and
decay power 1.5, colour-decorrelated, through a sigmoid: Lucid's
`image_sample([1, h, w, 3], sd=0.2, decay_power=1.5)`), randomly scaled and
cropped together with its alpha, and only then gamma-encoded (x^(1/2.2)) for
the network: the article's gamma-corrected blending. Regions the network does
not need can become transparent, because whatever background shows through them
is random and so cannot help the objective; the objective is also multiplied by
(1 - mean alpha) so that opacity has a price.

Transforms here follow `lucid_repro.optvis.transforms`: `t(image, rng)` with the
render loop's `tf.random.Generator`. `transparency_transforms` ends with
[gamma-encoded RGB, alpha of the crop]: the render loop feeds the network the RGB
channels, and `alpha_weighted` reads the crop's alpha as `T("transformed")[..., -1:]`
(alpha is the last channel: the fourth for RGBA, C + 1 for a model of C bands).
"""
import math

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, transforms
from lucid_repro.optvis.param.color import to_valid_rgb
from lucid_repro.optvis.param.spatial import rfft2d_freqs

GAMMA = 2.2


def linear_to_gamma(x, gamma=GAMMA):
    """Encode linear light for display / the network: x^(1/gamma)."""
    if isinstance(x, np.ndarray):
        return np.power(np.clip(x, 0.0, 1.0), 1.0 / gamma)
    return tf.pow(tf.clip_by_value(x, 1e-6, 1.0), 1.0 / gamma)


def gamma_to_linear(x, gamma=GAMMA):
    if isinstance(x, np.ndarray):
        return np.power(np.clip(x, 0.0, 1.0), gamma)
    return tf.pow(tf.clip_by_value(x, 0.0, 1.0), gamma)


def random_background(shape, rng, sd=0.2, decay_power=1.5, decorrelate=True):
    """A fresh random smooth image [b, h, w, c] in [0, 1]: Lucid's `image_sample`
    (random scaled spectrum -> irfft2d / 4 -> decorrelated colours -> sigmoid); c != 3
    (a grayscale or multi-band model): every band independent, no colour decorrelation."""
    b, h, w, ch = shape
    freqs = rfft2d_freqs(h, w)
    scale = (np.sqrt(w * h) / np.maximum(freqs, 1.0 / max(h, w)) ** decay_power).astype(np.float32)
    spectrum = sd * rng.normal([2, b, ch] + list(freqs.shape))
    coeffs = tf.complex(spectrum[0] * scale, spectrum[1] * scale)
    img = tf.signal.irfft2d(coeffs)[:, :, :h, :w]
    img = tf.transpose(img, (0, 2, 3, 1)) / 4.0
    return to_valid_rgb(img, decorrelate=decorrelate and ch == 3, sigmoid=True)


def composite(rgba, background):
    """Alpha-blend linear RGBA over a linear RGB background (any band count: the last
    channel is alpha, blended band by band)."""
    rgb, a = rgba[..., :-1], rgba[..., -1:]
    return background * (1.0 - a) + rgb * a


def blend_random_background(sd=0.2, decay_power=1.5, gamma=GAMMA, keep_alpha=False):
    """Transform: RGBA -> composite over a fresh random smooth background.

    keep_alpha=False returns gamma-encoded RGB, ready for the model. keep_alpha=True
    returns linear [composite RGB, alpha] so that later transforms (scale, crop) move
    the alpha with the pixels; finish the chain with `to_model_input`.
    """
    def inner(t, rng):
        b, h, w = t.shape[0], t.shape[1], t.shape[2]  # static: the parameterization's output
        bg = random_background([b, h, w, t.shape[-1] - 1], rng, sd=sd, decay_power=decay_power)
        rgb = composite(t, bg)
        if keep_alpha:
            return tf.concat([rgb, t[..., -1:]], -1)
        return linear_to_gamma(rgb, gamma)
    return inner


def to_model_input(gamma=GAMMA):
    """Final transform: linear [RGB, alpha] -> [gamma-encoded RGB, alpha]. The render
    loop feeds the network the RGB; objectives read the alpha from T("transformed")."""
    def inner(t, rng):
        return tf.concat([linear_to_gamma(t[..., :-1], gamma), t[..., -1:]], -1)
    return inner


def transparency_transforms(crop, scales=(0.6, 0.7, 0.8, 0.9, 1.0, 1.1), sd=0.2,
                            decay_power=1.5, gamma=GAMMA):
    """Lucid's transparency pipeline: composite over a random background (linear),
    random scale from `scales`, random `crop` x `crop` crop, gamma-encode the RGB.
    Output [gamma-encoded RGB, alpha] (`to_model_input`)."""
    return [blend_random_background(sd=sd, decay_power=decay_power, gamma=gamma, keep_alpha=True),
            transforms.random_scale(scales), transforms.random_crop(crop), to_model_input(gamma)]


def mean_alpha():
    """Objective: mean alpha of the parameterization's RGBA output."""
    return objectives.Objective(lambda T: tf.reduce_mean(T("input")[..., -1:]), ["input"], [], "mean_alpha")


def alpha_weighted(objective, full_weight=0.5):
    """Lucid's transparency objective: obj * (1 - mean alpha of the crop) +
    full_weight * obj * (1 - mean alpha of the whole image). The crop's alpha is the
    last channel of T("transformed") (use `transparency_transforms`), the whole
    image's that of T("input") (the fourth for RGBA; C + 1 for a model of C bands)."""
    objective = objectives.as_objective(objective)

    def fn(T):
        value = objective(T)
        image = T("input")
        full = 1.0 - tf.reduce_mean(image[..., -1:])
        transformed = T("transformed")
        if transformed.shape[-1] != image.shape[-1]:
            raise UserError(f"alpha_weighted reads the crop's alpha as the last channel of the "
                            f"transformed image, which has shape {transformed.shape} (the image "
                            f"{image.shape}): use "
                            f"transforms that keep alpha (alpha.transparency_transforms)")
        crop = 1.0 - tf.reduce_mean(transformed[..., -1:])
        return value * crop + full_weight * value * full
    return objectives.Objective(fn, objective.reads + ("input", "transformed"), objective.channels,
                                f"alpha_weighted({objective.name})", channel_reads=objective.channel_reads)


# -- previews (numpy) -----------------------------------------------------------

def checkerboard(h, w=None, tiles=4, fg=0.95, bg=0.6, channels=3):
    """[h, w, channels] checkerboard with `tiles` pairs of squares along each side (Lucid's)."""
    w = w or h
    square = [max(1, math.ceil(d / tiles / 2)) for d in (h, w)]
    board = np.array([[fg, bg] * tiles, [bg, fg] * tiles] * tiles, np.float32)
    scaled = np.kron(board, np.ones(square, np.float32))[:h, :w]
    return np.dstack([scaled] * channels)


def previews(rgba_linear, tiles=8, gamma=GAMMA):
    """dict name -> gamma-encoded [h, w, 3] composites of a linear RGBA image over black,
    white and a checkerboard, plus the alpha channel as grey. Any band count (the last
    channel is alpha): [h, w, C] composites, and the alpha [h, w, 1] when C != 3."""
    rgba_linear = np.asarray(rgba_linear, np.float32)
    h, w, c = rgba_linear.shape[0], rgba_linear.shape[1], rgba_linear.shape[-1] - 1
    rgb, a = rgba_linear[..., :-1], rgba_linear[..., -1:]
    backgrounds = {"black": np.zeros((h, w, c), np.float32), "white": np.ones((h, w, c), np.float32),
                   "checkerboard": checkerboard(h, w, tiles=tiles, channels=c)}
    out = {k: linear_to_gamma(bg * (1.0 - a) + rgb * a, gamma) for k, bg in backgrounds.items()}
    out["alpha"] = np.repeat(a, 3, axis=-1) if c == 3 else a
    return out


def to_rgba_png(rgba_linear, gamma=GAMMA):
    """Linear RGBA -> the RGBA to store in a PNG (gamma-encoded RGB, alpha as is); a
    grayscale model's [gray, alpha] likewise (a gray + alpha PNG)."""
    rgba_linear = np.asarray(rgba_linear, np.float32)
    return np.concatenate([linear_to_gamma(rgba_linear[..., :-1], gamma), rgba_linear[..., -1:]], -1)
