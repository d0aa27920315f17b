"""Random transformations for transformation robustness (Lucid's `transform`).

A transform is a callable `t(image, rng) -> image`, where `rng` is the render
loop's `tf.random.Generator`: every draw happens inside the compiled step, so
each step sees new randomness and seeded runs repeat exactly.
"""
import math

import numpy as np
import tensorflow as tf


def pad(w, mode="constant", constant_value=0.5):
    """Pad by w pixels on each side; constant_value may be "uniform" (random per step)."""
    def inner(t, rng):
        paddings = [(0, 0), (w, w), (w, w), (0, 0)]
        if mode.lower() != "constant":
            return tf.pad(t, paddings, mode=mode.upper())
        value = rng.uniform([], 0.0, 1.0) if constant_value == "uniform" else constant_value
        return tf.pad(t, paddings, constant_values=value)
    return inner


def jitter(d):
    """Random crop that removes d pixels in height and width."""
    def inner(t, rng):
        shape = tf.shape(t)
        offset = rng.uniform([2], 0, d + 1, dtype=tf.int32)
        return t[:, offset[0]:offset[0] + shape[1] - d, offset[1]:offset[1] + shape[2] - d, :]
    return inner


def roll_jitter(max_shift):
    """Roll the image by integer offsets drawn from [-max_shift, max_shift] in x and y
    (wrapping around, as np.roll in DeepDream's dream.ipynb). Keeps the size."""
    def inner(t, rng):
        if max_shift <= 0:
            return t
        shift = rng.uniform([2], -max_shift, max_shift + 1, dtype=tf.int32)
        return tf.roll(t, shift=shift, axis=[1, 2])
    return inner


def _choice(values, rng):
    values = tf.constant(list(values), tf.float32)
    return tf.gather(values, rng.uniform([], 0, values.shape[0], dtype=tf.int32))


def random_scale(scales):
    """Bilinear resize by a factor drawn from `scales`."""
    def inner(t, rng):
        scale = _choice(scales, rng)
        size = tf.cast(tf.round(scale * tf.cast(tf.shape(t)[1:3], tf.float32)), tf.int32)
        return tf.image.resize(t, size, method="bilinear")
    return inner


def random_crop(size):
    """A random size x size crop (any channel count)."""
    def inner(t, rng):
        shape = tf.shape(t)
        oy = rng.uniform([], 0, shape[1] - size + 1, dtype=tf.int32)
        ox = rng.uniform([], 0, shape[2] - size + 1, dtype=tf.int32)
        return t[:, oy:oy + size, ox:ox + size, :]
    return inner


def rotate(t, angle_rad, fill_value=0.0):
    """Rotate images counter-clockwise (as displayed) about their centre
    (bilinear; constant fill outside)."""
    angle_rad = -tf.convert_to_tensor(angle_rad, tf.float32)  # image rows point down
    shape = tf.shape(t)
    h, w = tf.cast(shape[1], tf.float32), tf.cast(shape[2], tf.float32)
    cos, sin = tf.cos(angle_rad), tf.sin(angle_rad)
    cx, cy = (w - 1.0) / 2.0, (h - 1.0) / 2.0
    # output (x, y) samples input at R^-1 (x - c) + c
    a0, a1 = cos, sin
    a2 = cx - cx * cos - cy * sin
    b0, b1 = -sin, cos
    b2 = cy + cx * sin - cy * cos
    transform = tf.stack([a0, a1, a2, b0, b1, b2, 0.0, 0.0])[None]
    transform = tf.tile(transform, [shape[0], 1])
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=t, transforms=transform, output_shape=shape[1:3], fill_value=fill_value,
        interpolation="BILINEAR", fill_mode="CONSTANT")


def random_rotate(angles, units="degrees"):
    """Rotate by an angle drawn from `angles`."""
    factor = math.pi / 180.0 if units == "degrees" else 1.0

    def inner(t, rng):
        return rotate(t, _choice(angles, rng) * factor)
    return inner


def gaussian_blur(t, sigma, truncate=4.0):
    """Separable Gaussian blur of [B, H, W, C]: kernel radius int(truncate * sigma + 0.5)
    (scipy.ndimage's rule) and 'reflect' border (TF's SYMMETRIC padding)."""
    r = max(1, int(truncate * sigma + 0.5))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k = (k / k.sum()).astype(np.float32)
    c = t.shape[-1]
    kx = tf.constant(np.tile(k[None, :, None, None], (1, 1, c, 1)))
    ky = tf.constant(np.tile(k[:, None, None, None], (1, 1, c, 1)))
    t = tf.pad(t, [(0, 0), (r, r), (r, r), (0, 0)], mode="SYMMETRIC")
    t = tf.nn.depthwise_conv2d(t, kx, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(t, ky, [1, 1, 1, 1], "VALID")


def compose(transforms):
    transforms = list(transforms or [])

    def inner(t, rng):
        for transform in transforms:
            t = transform(t, rng)
        return t
    return inner


def standard_transforms():
    """Lucid's `standard_transforms` list."""
    return [
        pad(12, mode="constant", constant_value=0.5),
        jitter(8),
        random_scale([1 + (i - 5) / 50.0 for i in range(11)]),
        random_rotate(list(range(-10, 11)) + 5 * [0]),
        jitter(4),
    ]
