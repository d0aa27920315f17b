"""MaCo (Fel et al. 2023, "Unlocking Feature Visualization for Deeper Networks with
MAgnitude Constrained Optimization") and an fft image initialized from a real image
(feature accentuation, Hamblin et al. 2024).

* `maco_image`: the image's Fourier magnitude is fixed to a natural-image spectrum (in
  the decorrelated colour basis, [3, H, W // 2 + 1]) and only the phase is a variable.
  Xplique's parameterization: phase standardized, irfft2, image standardized, colours
  recorrelated (Lucid's matrix), sigmoid. The parameterization also accumulates |d loss /
  d image| over the steps (`.transparency`, Xplique's transparency map: where the
  objective cares).
* `fft_image_from`: Lucid's fft + decorrelated image whose variables start at the
  spectrum of a given photo (so the image starts as that photo, up to clipping of 0 / 1);
  `.distance()` is the squared distance of the spectrum from its start (the accentuation
  penalty: stay close to the photo in the parameterized space).

The default spectrum is `lucid_repro/data/maco_spectrum.npy`, estimated from the default
image collection by `python -m lucid_repro.scripts.maco_spectrum` (any other collection
gives a replacement: `magnitude=np.load(path)`)."""
import os

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis.param.base import Param, random_state
from lucid_repro.optvis.param.color import COLOR_CORRELATION_NORMALIZED, to_valid_rgb
from lucid_repro.optvis.param.spatial import rfft2d_freqs

SPECTRUM_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "data", "maco_spectrum.npy")


def decorrelated(images):
    """RGB images [..., 3] in [0, 1] -> Lucid's decorrelated colour basis (the inverse of
    `decorrelate_colors`, centred on each image's mean)."""
    images = np.asarray(images, np.float32)
    centred = images - images.mean(axis=(-3, -2), keepdims=True)
    return centred @ np.linalg.inv(COLOR_CORRELATION_NORMALIZED.T).astype(np.float32)


def magnitude_spectrum(images):
    """Mean |rfft2| of a batch of square RGB images [N, S, S, 3] in the decorrelated colour
    basis: [3, S, S // 2 + 1] (float64; accumulate and divide by the count)."""
    x = np.moveaxis(decorrelated(images), -1, 1)           # [N, 3, S, S]
    return np.abs(np.fft.rfft2(x)).sum(axis=0)


def load_spectrum(path=None):
    """A magnitude spectrum [3, H, W // 2 + 1] (.npy); default the packaged one."""
    path = SPECTRUM_PATH if path is None else path
    if not os.path.isfile(path):
        raise UserError(f"MaCo spectrum not found: {path} (python -m lucid_repro.scripts.maco_spectrum makes one)")
    spectrum = np.load(path).astype(np.float32)
    if spectrum.ndim != 3 or spectrum.shape[0] != 3 or not np.all(np.isfinite(spectrum)) or spectrum.min() < 0:
        raise UserError(f"MaCo spectrum {path} must be a non-negative finite array [3, H, W // 2 + 1], "
                        f"got shape {list(spectrum.shape)}")
    return spectrum


def _resized(spectrum, h, w):
    shape = (h, w // 2 + 1)
    if spectrum.shape[1:] == shape:
        return spectrum
    return np.moveaxis(tf.image.resize(np.moveaxis(spectrum, 0, -1), shape, method="bilinear").numpy(), -1, 0)


def _accumulating(image, total):
    """Identity whose backward adds |gradient| to `total` (the transparency map)."""
    @tf.custom_gradient
    def identity(x):
        def grad(dy):
            with tf.control_dependencies([total.assign_add(tf.abs(dy))]):
                return tf.identity(dy)
        return tf.identity(x), grad
    return identity(image)


def maco_image(w, h=None, magnitude=None, seed=None):
    """MaCo's image [1, h, w, 3]: fixed magnitude (`magnitude` [3, H, W'] resized to the
    image's spectrum; default the packaged natural-image spectrum), optimized phase
    (N(0, 1) start). `.transparency` ([1, h, w, 3] variable): accumulated |d loss / d image|."""
    h = h or w
    if w <= 0 or h <= 0:
        raise UserError(f"image size must be positive, got w={w} h={h}")
    spectrum = _resized(load_spectrum() if magnitude is None else np.asarray(magnitude, np.float32), h, w)
    mag = tf.constant(spectrum[None])                                # [1, 3, h, w // 2 + 1]
    phase = tf.Variable(random_state(seed).normal(0.0, 1.0, mag.shape).astype(np.float32), name="phase")
    transparency = tf.Variable(tf.zeros((1, h, w, 3)), trainable=False, name="transparency")

    def standardized(x):
        return (x - tf.reduce_mean(x)) / (tf.math.reduce_std(x) + 1e-5)

    def image(**_):
        p = standardized(phase)
        buffer = tf.complex(tf.cos(p) * mag, tf.sin(p) * mag)
        img = tf.transpose(tf.signal.irfft2d(buffer, fft_length=[h, w]), (0, 2, 3, 1))
        rgb = to_valid_rgb(standardized(img), decorrelate=True, sigmoid=True)
        return _accumulating(rgb, transparency)

    p = Param(image, [phase], name="maco_image")
    p.transparency = transparency
    return p


def fft_image_from(photo, decay_power=1.0, eps=1e-3):
    """Lucid's fft + decorrelated image (`param.image(..., fft=True, decorrelate=True)`)
    starting at `photo` ([H, W, 3] in [0, 1], values clipped to [eps, 1 - eps]).
    `.distance()`: squared L2 distance of the variables from their start (mean over
    coefficients)."""
    photo = np.clip(np.asarray(photo, np.float32), eps, 1 - eps)
    if photo.ndim != 3 or photo.shape[-1] != 3:
        raise UserError(f"feature accentuation needs an RGB image [H, W, 3], got shape {list(photo.shape)}")
    h, w = photo.shape[:2]
    logit = np.log(photo / (1 - photo))                                    # before the sigmoid
    t = logit @ np.linalg.inv(COLOR_CORRELATION_NORMALIZED.T)              # before decorrelate_colors
    raw = 4.0 * np.moveaxis(t, -1, 0)[None]                                # fft_image divides by 4
    freqs = rfft2d_freqs(h, w)
    scale = (1.0 / np.maximum(freqs, 1.0 / max(w, h)) ** decay_power) * np.sqrt(w * h)
    width = freqs.shape[1]
    coeffs = np.fft.rfft2(raw, s=(h, 2 * (width - 1))) if w % 2 == 1 else np.fft.rfft2(raw)
    coeffs = coeffs[..., :width] / scale
    start = np.stack([coeffs.real, coeffs.imag]).astype(np.float32)       # [2, 1, 3, h, w']
    spectrum = tf.Variable(start, name="spectrum")
    scale_t = tf.constant(scale.astype(np.float32))
    start_t = tf.constant(start)

    def image(**_):
        c = tf.complex(spectrum[0] * scale_t, spectrum[1] * scale_t)
        img = tf.transpose(tf.signal.irfft2d(c), (0, 2, 3, 1))[:, :h, :w, :] / 4.0
        return to_valid_rgb(img, decorrelate=True, sigmoid=True)

    p = Param(image, [spectrum], name="fft_image_from")
    p.distance = lambda: tf.reduce_mean(tf.square(spectrum - start_t))
    return p
