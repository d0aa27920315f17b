"""Objectives: small callables on a step's tensors that compose with + - * /.

An objective is called with `T`, a function from a name to a tensor of the step,
and returns a scalar to MAXIMIZE. The names `T` answers (see `render.render`):

* "input": the parameterization's output, before transforms;
* "transformed": the transforms' output, the image the network is fed (its first
  three channels; a further channel such as alpha rides through the transforms);
* the key of each per-step input (`step_inputs`), e.g. "uvmask";
* any other name: that layer's activation.

Each objective declares the names it reads (`Objective(fn, reads=...)`, kept in
`reads`) and the (layer, channel) pairs it indexes; `layers` is the subset that
can be model layers (every read name but "input" and "transformed"; the render loop
also leaves out its step inputs' keys), so the loop builds the right sub-model (none
when nothing is read from the network) and checks layers and channels against the
model before running.
"""
import numbers

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis.transforms import gaussian_blur


# names `T` answers without running the network
IMAGE_NAMES = ("input", "transformed")


class Objective:
    """fn(T) -> scalar, with `reads` the names fn reads through T (model layers,
    "input", "transformed" or step-input keys); `.layers` is the subset that can be model
    layers. (`layers=` is the keyword's name before issue 23, still accepted.)"""

    def __init__(self, fn, reads=(), channels=(), name="", *, layers=None):
        names = tuple(reads) + tuple(layers or ())     # (no branches: AutoGraph may trace this)
        self.fn = fn
        self.reads = tuple(dict.fromkeys(names))
        self.layers = tuple(l for l in self.reads if l not in IMAGE_NAMES)
        self.channels = tuple(channels)
        self.name = name

    def __call__(self, T):
        return self.fn(T)

    def __repr__(self):
        return f"Objective({self.name})"

    @staticmethod
    def _merge(a, b, fn, name):
        return Objective(fn, a.reads + b.reads, a.channels + b.channels, name)

    def __add__(self, other):
        if isinstance(other, numbers.Number):
            return Objective(lambda T: self(T) + other, self.reads, self.channels, f"{self.name} + {other}")
        other = _as_objective_or_error(other)
        return self._merge(self, other, lambda T: self(T) + other(T), f"{self.name} + {other.name}")

    __radd__ = __add__

    def __neg__(self):
        return -1.0 * self

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, numbers.Number):
            return Objective(lambda T: other * self(T), self.reads, self.channels, f"{other} * {self.name}")
        other = _as_objective_or_error(other)
        return self._merge(self, other, lambda T: self(T) * other(T), f"{self.name} * {other.name}")

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, numbers.Number):
            return self * (1.0 / other)
        other = _as_objective_or_error(other)
        return self._merge(self, other, lambda T: self(T) / other(T), f"{self.name} / {other.name}")

    @staticmethod
    def sum(objectives):
        objectives = list(objectives)
        total = objectives[0]
        for o in objectives[1:]:
            total = total + o
        return total


def _as_objective_or_error(x):
    if isinstance(x, Objective):
        return x
    raise TypeError(f"cannot combine an objective with {type(x).__name__}")


def _select(t, batch):
    return t if batch is None else t[batch:batch + 1]


def channel(layer, n, batch=None):
    """Mean activation of channel n of a layer."""
    return Objective(lambda T: tf.reduce_mean(_select(T(layer), batch)[..., n]),
                     [layer], [(layer, n)], f"channel({layer}:{n})")


def neuron(layer, n, x=None, y=None, batch=None):
    """One unit: channel n at position (x, y), the centre by default. A dense layer
    [B, C]: its unit n; a token layer [B, N, C]: token x (default the middle one)."""
    def fn(T):
        t = _select(T(layer), batch)
        if t.shape.rank == 2:
            return tf.reduce_mean(t[:, n])
        if t.shape.rank == 3:
            token = tf.shape(t)[1] // 2 if x is None else x
            return tf.reduce_mean(t[:, token, n])
        shape = tf.shape(t)
        xx = shape[2] // 2 if x is None else x
        yy = shape[1] // 2 if y is None else y
        return tf.reduce_mean(t[:, yy, xx, n])
    return Objective(fn, [layer], [(layer, n)], f"neuron({layer}:{n})")


def direction(layer, vec, batch=None, cossim_pow=0.0):
    """Activation along a direction of channel space (mean dot product)."""
    vec = tf.constant(np.asarray(vec, np.float32))

    def fn(T):
        t = _select(T(layer), batch)
        dot = tf.reduce_mean(tf.reduce_sum(t * vec, -1))
        if cossim_pow:
            cos = dot / (tf.norm(vec) * tf.reduce_mean(tf.norm(t, axis=-1)) + 1e-6)
            dot = dot * tf.maximum(cos, 0.1) ** cossim_pow
        return dot
    return Objective(fn, [layer], [], f"direction({layer})")


def deepdream(layer, batch=None):
    """Mean squared activation of the whole layer (Mordvintsev et al.)."""
    return Objective(lambda T: tf.reduce_mean(_select(T(layer), batch) ** 2), [layer], [],
                     f"deepdream({layer})")


def class_logit(layer, n, batch=None):
    """A class's logit at a classifier layer ([B, classes])."""
    def fn(T):
        t = _select(T(layer), batch)
        return tf.reduce_mean(tf.reshape(t, [tf.shape(t)[0], -1])[:, n])
    return Objective(fn, [layer], [(layer, n)], f"class_logit({layer}:{n})")


def diversity(layer):
    """Negative mean pairwise cosine similarity of the batch's Gram matrices
    (Lucid's diversity term); needs batch > 1."""
    def fn(T):
        t = T(layer)
        b = tf.shape(t)[0]
        flat = tf.reshape(t, [b, -1, tf.shape(t)[-1]])
        grams = tf.matmul(flat, flat, transpose_a=True)
        grams = tf.reshape(grams, [b, -1])
        grams = grams / (tf.norm(grams, axis=1, keepdims=True) + 1e-8)
        sims = tf.matmul(grams, grams, transpose_b=True)
        bf = tf.cast(b, tf.float32)
        return -(tf.reduce_sum(sims) - tf.linalg.trace(sims)) / (bf * tf.maximum(bf - 1.0, 1.0))
    return Objective(fn, [layer], [], f"diversity({layer})")


def L1(layer="input", constant=0.0, batch=None):
    """Sum of |x - constant| (a penalty: subtract it)."""
    return Objective(lambda T: tf.reduce_sum(tf.abs(_select(T(layer), batch) - constant)),
                     [layer], [], f"L1({layer})")


def L2(layer="input", constant=0.0, epsilon=1e-6, batch=None):
    """sqrt(epsilon + sum (x - constant)^2) (a penalty: subtract it)."""
    return Objective(lambda T: tf.sqrt(epsilon + tf.reduce_sum((_select(T(layer), batch) - constant) ** 2)),
                     [layer], [], f"L2({layer})")


TV_REDUCTIONS = ("sum", "mean")


def tv(images, power=1, reduce="sum"):
    """Anisotropic total variation of [B, H, W, C] images: the differences d of
    vertical and of horizontal neighbours, |d|^power (power 1: |d|, 2: d^2),
    reduce="sum": summed over everything (tf.image.total_variation, summed over
    the batch); reduce="mean": mean over the vertical differences + mean over the
    horizontal ones (Mahendran & Vedaldi's TV with beta = power, per pixel)."""
    if reduce not in TV_REDUCTIONS:
        raise UserError(f"TV reduction must be one of {', '.join(TV_REDUCTIONS)}, got {reduce!r}")
    if reduce == "sum" and power == 1:
        return tf.reduce_sum(tf.image.total_variation(images))
    dy = images[:, 1:, :, :] - images[:, :-1, :, :]
    dx = images[:, :, 1:, :] - images[:, :, :-1, :]
    if power == 1:
        dy, dx = tf.abs(dy), tf.abs(dx)
    elif power == 2:
        dy, dx = tf.square(dy), tf.square(dx)
    else:
        dy, dx = tf.abs(dy) ** power, tf.abs(dx) ** power
    if reduce == "mean":
        return tf.reduce_mean(dy) + tf.reduce_mean(dx)
    return tf.reduce_sum(dy) + tf.reduce_sum(dx)


def total_variation(layer="input", batch=None, power=1, reduce="sum"):
    """Total variation (`tv`) of an image-like layer (a penalty: subtract it)."""
    return Objective(lambda T: tv(_select(T(layer), batch), power, reduce),
                     [layer], [], f"TV({layer})")


def blur_input_each_step(sigma=1.0):
    """Penalty pulling the image toward a blurred copy of itself (Lucid's
    `blur_input_each_step`): equivalent to blurring a little every step."""
    def fn(T):
        t = T("input")
        blurred = tf.stop_gradient(gaussian_blur(t, sigma, truncate=2.0))
        return 0.5 * tf.reduce_sum((t - blurred) ** 2)
    return Objective(fn, ["input"], [], "blur_input_each_step")


def _dot_cossim(x, y, cossim_pow=0.0):
    """Lucid's `_dot_cossim`: mean of x.y over positions, each times max(0.1, cos)^pow."""
    dot = tf.reduce_sum(x * y, -1)
    if not cossim_pow:
        return tf.reduce_mean(dot)
    eps = 1e-4
    cos = dot / (eps + tf.norm(x, axis=-1)) / (eps + tf.norm(y, axis=-1))
    return tf.reduce_mean(dot * tf.maximum(0.1, cos) ** cossim_pow)


def direction_neuron(layer, vec, x=None, y=None, cossim_pow=0.0, batch=None):
    """Lucid's `direction_neuron`: one position of a layer along a direction of channel
    space (dot product, optionally times max(0.1, cos)^cossim_pow). Position as Lucid's
    `_extract_act_pos`: `x` indexes axis 1 (rows) and `y` axis 2, the centre by default
    (the bottom-right of the middle 2 x 2 for even sizes)."""
    vec = np.asarray(vec, np.float32)

    def fn(T):
        t = _select(T(layer), batch)
        shape = tf.shape(t)
        xx = shape[1] // 2 if x is None else x
        yy = shape[2] // 2 if y is None else y
        return _dot_cossim(t[:, xx:xx + 1, yy:yy + 1], tf.constant(vec[None, None, None]), cossim_pow)
    return Objective(fn, [layer], [], f"direction_neuron({layer})")


def tensor_direction(layer, vec, cossim_pow=0.0, batch=None):
    """Lucid's `tensor_direction`: the centre crop of a layer ([B, H, W, C]) along a
    spatial direction `vec` ([h, w, C] or [1, h, w, C]): dot product per position, mean."""
    vec = np.asarray(vec, np.float32)
    if vec.ndim not in (3, 4):
        raise UserError(f"tensor_direction needs a [h, w, C] or [1, h, w, C] direction, got shape {list(vec.shape)}")
    if vec.ndim == 3:
        vec = vec[None]

    def fn(T):
        t = _select(T(layer), batch)
        shape = tf.shape(t)
        m1 = (shape[1] - vec.shape[1]) // 2
        m2 = (shape[2] - vec.shape[2]) // 2
        return _dot_cossim(t[:, m1:m1 + vec.shape[1], m2:m2 + vec.shape[2], :], tf.constant(vec), cossim_pow)
    return Objective(fn, [layer], [], f"tensor_direction({layer})")


def lucid_blur(x, w=3):
    """Lucid's `_tf_blur`: each channel averaged over a w x w window weighted 1 inside and
    0.5 on its border, normalized at the image's edges."""
    depth = x.shape[-1]
    k = np.zeros([w, w, depth, depth], np.float32)
    for ch in range(depth):
        k[:, :, ch, ch] = 0.5
        k[1:-1, 1:-1, ch, ch] = 1.0
    k = tf.constant(k)

    def conv(t):
        return tf.nn.conv2d(t, k, [1, 1, 1, 1], "SAME")
    return conv(x) / conv(tf.ones_like(x))


def blur_alpha_each_step():
    """Lucid's `blur_alpha_each_step`: 0.5 x the squared distance of the image's alpha
    channel (channel 3) from its blurred copy (a penalty: subtract it)."""
    def fn(T):
        alpha = T("input")[..., 3:4]
        return 0.5 * tf.reduce_sum((alpha - tf.stop_gradient(lucid_blur(alpha))) ** 2)
    return Objective(fn, ["input"], [], "blur_alpha_each_step")


def penalize_boundary_complexity(shape, w=20, mask=None, C=0.5):
    """Lucid's `penalize_boundary_complexity`: minus the squared distance of the image
    from its blur (w=5 window) plus 0.8 x its squared distance from the colour C, summed
    over a border of width `w` (or over `mask`, broadcast to the image). Already signed as
    a reward: add it. `shape`: the image's shape [B, H, W, C]."""
    if mask is None:
        m = np.ones(shape, np.float32)
        m[:, w:-w, w:-w] = 0
    else:
        m = np.asarray(mask, np.float32)
    m = tf.constant(m)

    def fn(T):
        arr = T("input")
        diffs = (lucid_blur(arr, w=5) - arr) ** 2 + 0.8 * (arr - C) ** 2
        return -tf.reduce_sum(diffs * m)
    return Objective(fn, ["input"], [], "penalize_boundary_complexity")


def input_diff(orig_img):
    """Lucid's `input_diff`: root mean squared difference of the image from `orig_img`
    (a penalty, e.g. for adversarial counterexamples: subtract it)."""
    orig = tf.constant(np.asarray(orig_img, np.float32))

    def fn(T):
        return tf.sqrt(tf.reduce_mean((T("input") - orig) ** 2))
    return Objective(fn, ["input"], [], "input_diff")


def alignment(layer, decay_ratio=2.0):
    """Neighbour alignment for a batch of frames: penalize the squared activation
    difference between frames i and i+d, weighted by 1/decay_ratio^d (Lucid's
    `alignment`, used by aligned interpolation). A penalty: subtract it."""
    def fn(T):
        t = T(layer)
        b = t.shape[0]
        total = 0.0
        for d in (1, 2, 3, 4):
            for i in range(b - d):
                total += tf.reduce_mean((t[i] - t[i + d]) ** 2) / decay_ratio ** d
        return total
    return Objective(fn, [layer], [], f"alignment({layer})")


def sigmoid_logits(layer="input", channels=3, eps=1e-6):
    """Mean squared logit log(x / (1 - x)) of an image in (0, 1): for a sigmoid-valued
    parameterization, its pre-sigmoid values, recovered from the image (a penalty:
    subtract it). Only the first `channels` channels (RGB, not alpha) count."""
    def fn(T):
        x = tf.clip_by_value(T(layer)[..., :channels], eps, 1.0 - eps)
        return tf.reduce_mean((tf.math.log(x) - tf.math.log1p(-x)) ** 2)
    return Objective(fn, [layer], [], f"logit2({layer})")


def saturation_penalized(objective, weight, layer="input"):
    """`objective - weight * |objective| * sigmoid_logits(layer)`, |objective| held
    constant (no gradient): a penalty on driving the image's sigmoid to its ends, in
    units of the objective's current size, so `weight` means the same on any model
    or unit, and the unit's own gradient is left as it is (issue 16).

    Why: VGG19 has no normalization layer (InceptionV1 has local response
    normalization), so a VGG unit keeps growing with contrast, and Adam, which
    rescales vanishing sigmoid gradients, keeps pushing the logits outward: clipped,
    over-saturated colour. The penalty gives the contrast an interior optimum.
    weight=0 returns `objective` unchanged."""
    objective = as_objective(objective)
    if not weight:
        return objective
    if weight < 0:
        raise UserError(f"saturation penalty weight must be non-negative, got {weight}")
    logits = sigmoid_logits(layer)

    def fn(T):
        value = objective(T)
        return value - weight * tf.stop_gradient(tf.abs(value)) * logits(T)
    return Objective(fn, objective.reads + logits.reads, objective.channels,
                     f"{objective.name} - {weight}*|.|*logit2({layer})")


def as_objective(spec):
    """Parse "layer:channel" (channel objective) or "layer" (deepdream), or pass
    an Objective through."""
    if isinstance(spec, Objective):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise UserError(f"objective must be 'layer:channel' or 'layer', got {spec!r}")
    spec = spec.strip()
    if ":" in spec:
        layer, _, ch = spec.rpartition(":")
        if not layer or not ch.strip().isdigit():
            raise UserError(f"bad objective {spec!r}: expected 'layer:channel' with a non-negative integer channel")
        return channel(layer, int(ch))
    return deepdream(spec)


def model_layers(objective, step_inputs=()):
    """The model layers the objective reads: its `layers` less the step-input keys."""
    return [l for l in objective.layers if l not in step_inputs]


def check_against(objective, model, step_inputs=()):
    """Raise UserError if the objective names a layer or channel the model lacks
    ("input", "transformed" and the keys in `step_inputs` are not layers)."""
    for layer in model_layers(objective, step_inputs):
        model.check_layer(layer)
    for layer, n in objective.channels:
        model.check_channel(layer, n)
