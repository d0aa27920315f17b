"""Shared parameterizations for aligned interpolation (the article's Figure 3).

A batch of frames is parameterized as

    frame_i = sigmoid(decorrelate(P_unique[i] + sum_k upsample(P_shared_k)))

where `P_unique` is a full-resolution Fourier image per frame and every
`P_shared_k` is a low-resolution tensor bilinearly upsampled to the full
[frames, h, w, 3] shape. A shared tensor with batch dimension 1 is the same for
every frame; one with batch dimension 2 is interpolated along the batch axis too,
so it drifts smoothly from the first frames to the last ones. Because every frame
reads the same shared variables, their optimization pulls all frames toward the
same layout ("basin of attraction"): visual landmarks stay in place.

Lucid builds this with `lowres_tensor`, which resizes *every* axis (batch
included) with TF1's `resize_bilinear` (align_corners=False,
half_pixel_centers=False). `lowres_tensor_nd` reproduces that exactly (a
half-pixel `tf.image.resize` could not interpolate along the batch axis).
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis.param.base import Param, random_state
from lucid_repro.optvis.param.color import to_valid_rgb
from lucid_repro.optvis.param.spatial import fft_image

# Lucid's aligned-interpolation notebook: (batch, spatial divisor) of each shared
# tensor, for frames of shape (6, 128, 128, 3).
LUCID_SHARED_SPECS = ((1, 2), (1, 4), (1, 8), (2, 8), (1, 16), (2, 16))


def _collapse(shape, a, b):
    """[prod(shape[:a]), shape[a], shape[a+1], prod(shape[b:])] (Lucid's collapse_shape)."""
    shape = list(shape)
    if a < 0:
        return _collapse([1] * -a + shape, 0, b - a)
    if b > len(shape):
        return _collapse(shape + [1] * (b - len(shape)), a, b)
    return [int(np.prod(shape[:a]))] + shape[a:b] + [int(np.prod(shape[b:]))]


def resize_bilinear_nd(t, target_shape):
    """Resize every axis of `t` to `target_shape` by bilinear interpolation, two axes
    at a time with TF1's legacy `resize_bilinear` kernel (output index i samples the
    input at i * in / out, clamped): Lucid's `resize_bilinear_nd`."""
    shape = [int(s) for s in t.shape]
    target_shape = [int(s) for s in target_shape]
    if len(shape) != len(target_shape):
        raise ValueError(f"rank mismatch: {shape} vs {target_shape}")
    d = 0
    while d < len(shape):
        if shape[d] == target_shape[d]:
            d += 1
            continue
        new_shape = shape[:]
        new_shape[d:d + 2] = target_shape[d:d + 2]
        t4 = tf.reshape(t, _collapse(shape, d, d + 2))
        t4 = tf.raw_ops.ResizeBilinear(images=t4, size=_collapse(new_shape, d, d + 2)[1:3],
                                       align_corners=False, half_pixel_centers=False)
        t = tf.reshape(t4, new_shape)
        shape = new_shape
        d += 2
    return t


def _check(shape, what):
    shape = tuple(int(s) for s in shape)
    if len(shape) != 4 or min(shape) <= 0:
        raise UserError(f"{what} must be 4 positive ints [batch, h, w, channels], got {shape}")
    return shape


def lowres_tensor_nd(shape, underlying_shape, sd=0.01, seed=None):
    """A tensor of `shape` bilinearly interpolated, along every axis (batch included),
    from a variable of `underlying_shape` (Lucid's `lowres_tensor`, offset=None)."""
    shape, underlying_shape = _check(shape, "shape"), _check(underlying_shape, "underlying shape")
    rng = random_state(seed)
    var = tf.Variable((sd * rng.randn(*underlying_shape)).astype(np.float32), name="lowres")
    return Param(lambda **_: resize_bilinear_nd(var, shape), [var], name="lowres_tensor_nd")


def shared_specs(size, specs=LUCID_SHARED_SPECS):
    """Underlying (batch, h, w) of each shared tensor for square frames of `size`."""
    return [(b, max(1, size // div), max(1, size // div)) for b, div in specs]


def aligned_image(size, frames, shared=True, specs=LUCID_SHARED_SPECS, decorrelate=True,
                  sd=0.01, seed=None):
    """Frames [frames, size, size, 3] in [0, 1] for aligned interpolation.

    shared=True: sigmoid(P_unique + sum of the shared low-resolution tensors), Lucid's
    `interpolate_f`; shared=False: only the unique Fourier images (independent frames,
    the article's baseline). Variables: the unique spectrum first, then the shared ones.
    """
    if size <= 0 or frames <= 0:
        raise UserError(f"size and frames must be positive, got size={size} frames={frames}")
    shape = (frames, size, size, 3)
    seeds = [None] * (len(specs) + 1) if seed is None else [seed + 1000 * k for k in range(len(specs) + 1)]
    unique = fft_image(shape, sd=sd, seed=seeds[0])
    parts = [unique]
    if shared:
        for (b, h, w), s in zip(shared_specs(size, specs), seeds[1:]):
            parts.append(lowres_tensor_nd(shape, (b, h, w, 3), sd=sd, seed=s))

    def frames_fn(**inputs):
        total = parts[0](**inputs)
        for p in parts[1:]:
            total = total + p(**inputs)
        return to_valid_rgb(total, decorrelate=decorrelate, sigmoid=True)

    variables = [v for p in parts for v in p.trainable_variables]
    return Param(frames_fn, variables, name="aligned_image" if shared else "independent_image")


def laplacian_pyramid(shape, n_levels=4, sd=None, seed=None):
    """Lucid's `laplacian_pyramid`: the sum of `n_levels` tensors of `shape` [B, H, W, C],
    level n bilinearly upsampled from a variable of H // 2^n x W // 2^n (sd 0.01 each)."""
    shape = _check(shape, "shape")
    batch, h, w, ch = shape
    levels = [lowres_tensor_nd(shape, (batch, max(1, h // 2 ** n), max(1, w // 2 ** n), ch), sd=sd or 0.01,
                               seed=None if seed is None else seed + n)
              for n in range(n_levels)]
    variables = [v for level in levels for v in level.trainable_variables]
    return Param(lambda **_: tf.add_n([level() for level in levels]), variables, name="laplacian_pyramid")
