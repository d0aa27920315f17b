"""Image parameterizations. Each constructor returns a `Param`: a `tf.Module`
owning its `tf.Variable`s, called with the step's inputs to produce an image."""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis.param.base import Param, random_state, seeded
from lucid_repro.optvis.param.box import box_pixel_image
from lucid_repro.optvis.param.color import band_correlation_sqrt, decorrelate_colors, to_valid_bands, to_valid_rgb
from lucid_repro.optvis.param.spatial import fft_image, pixel_image

IMAGE_KINDS = ("fft", "pixel", "box", "laplacian")


def image(w, h=None, batch=1, sd=None, decorrelate=True, fft=True, alpha=False, sigmoid=True,
          seed=None, decay_power=1.0, channels=3, band_correlation=None):
    """Lucid's `param.image`: fft/pixel, optional colour decorrelation, RGB(A) in [0, 1].

    channels: the model's input channels (`FeatureModel.channels`). 3: RGB as Lucid;
    1: a grayscale image (no colour decorrelation); C > 3 (or 2): one band per channel,
    mixed by `band_correlation` ([C, C], the data's band correlation; its normalized
    square root does what colour decorrelation does for RGB) when given and `decorrelate`.
    alpha: one more channel, last, through a sigmoid ([..., C + 1]) for any C."""
    h = h or w
    if w <= 0 or h <= 0 or batch <= 0:
        raise UserError(f"image size must be positive, got w={w} h={h} batch={batch}")
    channels = int(channels)
    if channels <= 0:
        raise UserError(f"image channels must be positive, got {channels}")
    if channels != 3:
        return _band_image(w, h, batch, sd, decorrelate, fft, sigmoid, seed, decay_power, channels,
                           band_correlation, alpha)
    ch = 4 if alpha else 3
    shape = (batch, h, w, ch)
    raw = fft_image(shape, sd=sd or 0.01, decay_power=decay_power, seed=seed) if fft \
        else pixel_image(shape, sd=sd or 0.01, seed=seed)

    def rgb(**inputs):
        t = raw(**inputs)
        color = to_valid_rgb(t[..., :3], decorrelate=decorrelate, sigmoid=sigmoid)
        if alpha:
            return tf.concat([color, tf.nn.sigmoid(t[..., 3:])], -1)
        return color

    return Param(rgb, raw.trainable_variables, name="image")


def _band_image(w, h, batch, sd, decorrelate, fft, sigmoid, seed, decay_power, channels, band_correlation,
                alpha=False):
    """C bands (alpha: and a last channel of alpha through a sigmoid, as RGBA's)."""
    shape = (batch, h, w, channels + (1 if alpha else 0))
    raw = fft_image(shape, sd=sd or 0.01, decay_power=decay_power, seed=seed) if fft \
        else pixel_image(shape, sd=sd or 0.01, seed=seed)
    root = band_correlation_sqrt(band_correlation, channels) \
        if (band_correlation is not None and decorrelate and channels > 1) else None

    def bands(**inputs):
        t = raw(**inputs)
        if alpha:
            return tf.concat([to_valid_bands(t[..., :channels], root, sigmoid=sigmoid),
                              tf.nn.sigmoid(t[..., channels:])], -1)
        return to_valid_bands(t, root, sigmoid=sigmoid)

    return Param(bands, raw.trainable_variables, name="image" if channels > 1 else "gray_image")


def image_of_kind(kind, w, h=None, batch=1, decorrelate=None, seed=None, channels=3, band_correlation=None):
    """`image` by the recipes' --param: "fft" -> Fourier + decorrelated colours (the
    article's), "pixel" -> plain pixels (through a sigmoid), "box" -> the pixels
    themselves, a white-noise start (uniform in [0, 1]) kept in [0, 1] by projection
    (Gatys' and He et al.'s setup with L-BFGS-B). decorrelate=None: decorrelated iff fft.
    channels / band_correlation: as `image` (`for_model(model)` gives the model's)."""
    if kind not in IMAGE_KINDS:
        raise UserError(f"--param must be one of {', '.join(IMAGE_KINDS)}, got {kind!r}")
    if kind == "box":
        return white_noise_box(w, h, batch=batch, seed=seed, channels=channels)
    if kind == "laplacian":
        return laplacian_image(w, h, batch=batch, decorrelate=True if decorrelate is None else decorrelate,
                               seed=seed, channels=channels)
    fft = kind == "fft"
    return image(w, h, batch=batch, fft=fft, decorrelate=fft if decorrelate is None else decorrelate,
                 seed=seed, channels=channels, band_correlation=band_correlation)


def white_noise_box(w, h=None, batch=1, seed=None, channels=3):
    """Pixels in [0, 1] (no sigmoid) starting from uniform white noise, kept in the box
    by projection after every step (`box_pixel_image`; L-BFGS projects its line search
    onto the same box)."""
    h = h or w
    if w <= 0 or h <= 0 or batch <= 0:
        raise UserError(f"image size must be positive, got w={w} h={h} batch={batch}")
    init = random_state(seed).uniform(0.0, 1.0, size=(batch, h, w, channels)).astype(np.float32)
    return box_pixel_image(init, 0.0, 1.0)


def laplacian_image(w, h=None, batch=1, n_levels=4, decorrelate=True, seed=None, channels=3):
    """Lucid's Laplacian-pyramid image (`laplacian_pyramid`, 4 levels), through
    `to_valid_rgb` (decorrelated colours, sigmoid) for RGB, a sigmoid for other channel counts."""
    h = h or w
    if w <= 0 or h <= 0 or batch <= 0:
        raise UserError(f"image size must be positive, got w={w} h={h} batch={batch}")
    raw = laplacian_pyramid((batch, h, w, channels), n_levels=n_levels, seed=seed)
    if channels == 3:
        return Param(lambda **i: to_valid_rgb(raw(**i), decorrelate=decorrelate), raw.trainable_variables,
                     name="laplacian_image")
    return Param(lambda **i: tf.nn.sigmoid(raw(**i)), raw.trainable_variables, name="laplacian_image")


def for_model(model):
    """The keyword arguments of `image` / `image_of_kind` that make images the model takes:
    {} for RGB models (and None), else its channels and band correlation."""
    channels = int(getattr(model, "channels", 3) or 3)
    if channels == 3:
        return {}
    return {"channels": channels, "band_correlation": getattr(model, "band_correlation", None)}


__all__ = ["Param", "random_state", "seeded", "image", "image_of_kind", "IMAGE_KINDS", "for_model",
           "band_correlation_sqrt", "to_valid_bands", "pixel_image", "fft_image", "white_noise_box",
           "box_pixel_image", "to_valid_rgb", "decorrelate_colors", "laplacian_image", "laplacian_pyramid"]

# aligned interpolation and CPPN parameterizations (issue 5)
from lucid_repro.optvis.param.shared import aligned_image, laplacian_pyramid, lowres_tensor_nd, resize_bilinear_nd  # noqa: E402,F401,E501
from lucid_repro.optvis.param.cppn import CPPN, cppn  # noqa: E402,F401
