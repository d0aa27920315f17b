"""Random transformations for transformation robustness (Lucid's `transform`).

A transform is a callable `t(image, rng) -> image`, where `rng` is the render
loop's `tf.random.Generator`: every draw happens inside the compiled step, so
each step sees new randomness and seeded runs repeat exactly.
"""
import math

import numpy as np
import tensorflow as tf

# Lucid's standard_transforms values: scale factors 0.90..1.10 and angles in degrees
# (-10..10, with 0 five times more: unrotated steps are more frequent)
LUCID_SCALES = [1 + (i - 5) / 50.0 for i in range(11)]
LUCID_ANGLES = list(range(-10, 11)) + 5 * [0]


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


# Lucid's pixel values (pad 12, jitter 8 and 4, Yosinski's roll 16) are for the article's
# 128-224 px images; below ARTICLE_MIN_SIZE a model that asks for it (a user's model:
# `FeatureModel.scales_transforms`) gets them scaled by size / ARTICLE_MIN_SIZE (BUILD_NOTES, issue 25)
ARTICLE_MIN_SIZE = 128


def size_scale(size):
    """The factor of Lucid's pixel values at image side `size`: 1 at 128 px and above (the
    article's sizes: Lucid's values exactly), size / 128 below."""
    return min(1.0, float(size) / ARTICLE_MIN_SIZE)


def relative_pixels(pixels, scale=1.0):
    """Lucid's `pixels` at `scale` (`size_scale`): unchanged at scale >= 1, else rounded,
    at least 1 (0 stays 0)."""
    if scale >= 1.0 or pixels <= 0:
        return pixels
    return max(1, int(round(pixels * scale)))


def standard_transforms(scale=1.0):
    """Lucid's `standard_transforms` list; `scale` < 1 (`size_scale` of a small image)
    scales its pixel values (pad, jitters), not its relative ones (scales, angles)."""
    px = lambda v: relative_pixels(v, scale)   # noqa: E731
    return [
        pad(px(12), mode="constant", constant_value=0.5),
        jitter(px(8)),
        random_scale(LUCID_SCALES),
        random_rotate(LUCID_ANGLES),
        jitter(px(4)),
    ]


def transform_scale(model, size):
    """The factor of Lucid's transform pixel values for images of side `size` fed to
    `model`: `size_scale(size)` where the model says its transforms scale with the image
    (`FeatureModel.scales_transforms`: a user's model), else 1 (Lucid's values)."""
    return size_scale(size) if getattr(model, "scales_transforms", False) else 1.0


def standard_transforms_for(model, size, fused=False):
    """`standard_transforms` for images of side `size` fed to `model`: Lucid's pixel values,
    scaled below 128 px for models that ask for it (`transform_scale`).
    fused: the same as one warp to a fixed size (`fused_standard_transforms`)."""
    scale = transform_scale(model, size)
    return fused_standard_transforms(scale) if fused else standard_transforms(scale)


def lucid_affine(draws, height, width, pad, jitter, jitter2):
    """Lucid's chain pad(pad), jitter(jitter), scale, rotate, jitter(jitter2) as one affine
    map per item: [B, 8] projective transforms (output pixel -> padded-image pixel) of
    `draws` ([B, 4]: o1, scale, angle in radians, o2), and the fixed output size
    (height + 2 pad - jitter - jitter2, the chain's size at scale 1)."""
    o1, s, angle, o2 = tf.unstack(draws, axis=1)
    h = tf.cast(height, tf.float32) + 2 * pad - jitter     # after the first crop
    w = tf.cast(width, tf.float32) + 2 * pad - jitter
    out_h, out_w = h - jitter2, w - jitter2
    cos, sin = tf.cos(-angle), tf.sin(-angle)                         # rows point down (see `rotate`)
    # output (x, y) -> scaled frame u = (x, y) + o2 + centring -> unrotated r -> crop q -> padded p
    ux0 = o2 + (s * w - jitter2 - out_w) / 2
    uy0 = o2 + (s * h - jitter2 - out_h) / 2
    cx, cy = (s * w - 1) / 2, (s * h - 1) / 2
    # r = R^-1 (u - c) + c, R^-1 = [[cos, sin], [-sin, cos]] in `rotate`'s convention
    rx0 = cos * (ux0 - cx) + sin * (uy0 - cy) + cx
    ry0 = -sin * (ux0 - cx) + cos * (uy0 - cy) + cy
    # q = (r + 0.5) / s - 0.5 (half-pixel resize); p = q + o1
    a0, a1, a2 = cos / s, sin / s, (rx0 + 0.5) / s - 0.5 + o1
    b0, b1, b2 = -sin / s, cos / s, (ry0 + 0.5) / s - 0.5 + o1
    zero = tf.zeros_like(s)
    return tf.stack([a0, a1, a2, b0, b1, b2, zero, zero], axis=1), (out_h, out_w)


def warp_padded(t, pad, pad_value, transforms, out_size):
    """Pad `t` by `pad` (constant `pad_value`) and resample it once through `transforms`
    ([B, 8]) to `out_size` (bilinear; 0 outside the padded image, as Lucid's rotation)."""
    padded = tf.pad(t, [(0, 0), (pad, pad), (pad, pad), (0, 0)], constant_values=pad_value)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=padded, transforms=transforms, output_shape=tf.cast(tf.stack(out_size), tf.int32),
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")


def fused_standard_transforms(scale=1.0):
    """Lucid's standard transforms (same values and draws' ranges) as ONE bilinear warp to a
    FIXED size (`lucid_affine`; issue 29, `--fused_transforms`): one resampling instead of
    the chain's two (resize, then rotate), and the network sees one input shape every step
    (size + 12 px at Lucid's pixels) instead of eleven (0.9x-1.1x). The differences from the
    chain are `ItemwiseTransforms`' (the scaled image's centre is kept, its size is not; fill
    0 outside the padded image). One draw per step for the whole batch, from the loop's
    generator. Off by default: the article preset is Lucid's chain."""
    px = lambda v: relative_pixels(v, scale)   # noqa: E731
    p, j, j2 = px(12), px(8), px(4)
    angles = [math.radians(a) for a in LUCID_ANGLES]

    def inner(t, rng):
        o1 = tf.floor(rng.uniform([], 0.0, 1.0) * (j + 1))
        s, angle = _choice(LUCID_SCALES, rng), _choice(angles, rng)
        o2 = tf.floor(rng.uniform([], 0.0, 1.0) * (j2 + 1))
        shape = tf.shape(t)
        draws = tf.tile(tf.stack([o1, s, angle, o2])[None], [shape[0], 1])
        transforms, out_size = lucid_affine(draws, shape[1], shape[2], p, j, j2)
        return warp_padded(t, p, 0.5, transforms, out_size)
    return [inner]


class ItemwiseTransforms:
    """Lucid's standard transforms with random values drawn PER BATCH ITEM, from item i's
    own seed and the step number only, so an item's image does not depend on which items
    share its batch (the unit atlas, `optvis.units`).

    Item i of step k draws, statelessly from (seeds[i], k), Lucid's values: jitter offset
    o1 in [0, jitter], a scale from `scales`, an angle from `angles` (degrees) and a second
    jitter offset o2 in [0, jitter2]. Pad, crop, resize, rotate and crop are composed into
    ONE affine map per item, applied by one bilinear warp of the padded image to a FIXED
    output size (size + 2*pad - jitter - jitter2, what Lucid's chain gives at scale 1), so
    items of a batch keep one shape. Differences from the chain of `standard_transforms`:
    one resampling instead of two (resize, then rotate); the output keeps its size at
    scales != 1 (Lucid's grows or shrinks by up to 10%: here the centre of the scaled image
    is kept, or the border beyond it is filled); outside the padded image the fill is 0
    (Lucid's rotation fill) where Lucid shows pad colour between the jitter crop and the pad.

    `reset(seeds)` (before each run) sets the items' seeds and restarts the step count.
    """

    def __init__(self, batch, pad=12, pad_value=0.5, jitter=8, scales=None, angles=None, jitter2=4):
        self.batch, self.pad, self.pad_value, self.jitter, self.jitter2 = int(batch), pad, pad_value, jitter, jitter2
        self.scales = tf.constant(LUCID_SCALES if scales is None else scales, tf.float32)
        self.angles = tf.constant(np.radians(LUCID_ANGLES if angles is None else angles), tf.float32)
        self._seeds = tf.Variable(tf.zeros([self.batch], tf.int64), trainable=False, name="item_seeds")
        self._step = tf.Variable(tf.zeros([], tf.int64), trainable=False, name="transform_step")

    def reset(self, seeds):
        if len(seeds) != self.batch:
            raise ValueError(f"{len(seeds)} seeds for a batch of {self.batch}")
        self._seeds.assign(np.asarray(seeds, np.int64))
        self._step.assign(0)

    def draws(self, step):
        """[B, 4] float32: o1, scale, angle (radians), o2 of every item at `step`."""
        def pick(table, x):       # an entry of `table`, uniformly, from x in [0, 1)
            n = table.shape[0]
            return tf.gather(table, tf.minimum(tf.cast(x * float(n), tf.int32), n - 1))
        rows = []
        for i in range(self.batch):
            u = tf.random.stateless_uniform([4], tf.stack([self._seeds[i], step]))
            rows.append(tf.stack([tf.floor(u[0] * (self.jitter + 1)), pick(self.scales, u[1]),
                                  pick(self.angles, u[2]), tf.floor(u[3] * (self.jitter2 + 1))]))
        return tf.stack(rows)

    def affine(self, draws, height, width):
        """[B, 8] projective transforms (output pixel -> padded-image pixel) of `draws`."""
        return lucid_affine(draws, height, width, self.pad, self.jitter, self.jitter2)

    def __call__(self, t, rng=None):
        if t.shape[0] is not None and t.shape[0] != self.batch:
            raise ValueError(f"ItemwiseTransforms for a batch of {self.batch} got {t.shape[0]} items")
        step = self._step.assign_add(1)
        shape = tf.shape(t)
        transforms, out_size = self.affine(self.draws(step), shape[1], shape[2])
        return warp_padded(t, self.pad, self.pad_value, transforms, out_size)
