"""Spatial parameterizations: pixels and a scaled Fourier basis."""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis.param.base import Param, random_state


def _check_shape(shape):
    shape = tuple(int(s) for s in shape)
    if len(shape) != 4 or min(shape) <= 0:
        raise UserError(f"image shape must be 4 positive ints [batch, h, w, channels], got {shape}")
    return shape


def _rng(seed):
    """The generator for the initial values: `param.base.random_state(seed)`."""
    return random_state(seed)


def pixel_image(shape, sd=0.01, init=None, seed=None):
    """A variable per pixel and channel: the naive parameterization."""
    shape = _check_shape(shape)
    value = np.asarray(init, np.float32) if init is not None else \
        _rng(seed).normal(0.0, sd, size=shape).astype(np.float32)
    var = tf.Variable(value, name="pixels")
    return Param(lambda **_: tf.identity(var), [var], name="pixel_image")


def rfft2d_freqs(h, w):
    """Frequency magnitude of each rfft2d coefficient of an h x w image."""
    fy = np.fft.fftfreq(h)[:, None]
    # odd widths keep one extra frequency and crop a pixel after the inverse
    fx = np.fft.fftfreq(w)[: w // 2 + (2 if w % 2 == 1 else 1)]
    return np.sqrt(fx * fx + fy * fy)


def fft_image(shape, sd=0.01, decay_power=1.0, seed=None):
    """Image as 2D Fourier coefficients scaled by 1 / max(f, 1/max(h, w))^decay_power.

    Lucid's scaling: the spectrum is scaled so the transform is roughly unitary
    (times sqrt(h*w)), and the image divided by 4.
    """
    batch, h, w, ch = _check_shape(shape)
    freqs = rfft2d_freqs(h, w)
    init = _rng(seed).normal(0.0, sd, size=(2, batch, ch) + freqs.shape).astype(np.float32)
    spectrum = tf.Variable(init, name="spectrum")
    scale = (1.0 / np.maximum(freqs, 1.0 / max(w, h)) ** decay_power) * np.sqrt(w * h)
    scale = tf.constant(scale.astype(np.float32))

    def image(**_):
        coeffs = tf.complex(spectrum[0] * scale, spectrum[1] * scale)
        img = tf.signal.irfft2d(coeffs)  # [batch, ch, h, w']
        img = tf.transpose(img, (0, 2, 3, 1))[:, :h, :w, :]
        return img / 4.0

    return Param(image, [spectrum], name="fft_image")


def upsample_spectrum(values, coarse_hw, fine_hw, decay_power=1.0):
    """`fft_image` variable values ([2, B, C, h, w']) of an h x w image -> those of the
    H x W image (H >= h, W >= w) that is its band-limited interpolation (issue 29's
    coarse-to-fine): each coefficient keeps its physical frequency and its amplitude per
    pixel (a Nyquist row or column of the coarse image split in halves between +f and -f);
    every higher frequency starts at zero. For H = 2h, W = 2w the fine image's even pixels
    are the coarse image."""
    (h, w), (H, W) = coarse_hw, fine_hw
    values = np.asarray(values, np.float32)
    fc, ff = rfft2d_freqs(h, w), rfft2d_freqs(H, W)
    scale_c = (1.0 / np.maximum(fc, 1.0 / max(w, h)) ** decay_power) * np.sqrt(w * h)
    scale_f = (1.0 / np.maximum(ff, 1.0 / max(W, H)) ** decay_power) * np.sqrt(W * H)
    # the coarse image as fft_image makes it (TF's inverse), then its own spectrum: a real
    # image's, Hermitian where the free variables need not be
    coarse = tf.signal.irfft2d(tf.complex(values[0] * scale_c, values[1] * scale_c)).numpy()[..., :h, :w]
    coeffs = np.fft.rfft2(coarse.astype(np.float64)) * (H * W) / (h * w)   # the inverse divides by the pixels
    out = np.zeros(values.shape[1:3] + ff.shape, np.complex128)
    ky = np.round(np.fft.fftfreq(h) * h).astype(int)
    for c in range(min(coeffs.shape[-1], ff.shape[1])):
        col = 0.5 if (w % 2 == 0 and c == w // 2 and c > 0) else 1.0     # the coarse Nyquist column
        for r, k in enumerate(ky):
            if h % 2 == 0 and k == -(h // 2) and h > 1:                  # the coarse Nyquist row: +-f
                targets = [(k % H, 0.5), (-k % H, 0.5)]
            else:
                targets = [(k % H, 1.0)]
            for row, f in targets:
                out[..., row, c] += coeffs[..., r, c] * col * f
    out = out / scale_f
    return np.stack([out.real, out.imag]).astype(np.float32)
