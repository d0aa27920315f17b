"""Many units of one layer through one compiled step (issue 15).

`UnitRenderer(model, layer, ...)` renders channels of `layer` in batches: the channel of
each batch item is a step input (`T(UNIT_KEY)`, an int32 [B] tensor) read by
`channels_objective`, and every call goes through `render.render` with one
`render.StepCache`, so N units trace the step once per batch size, not N times.

Seeds. Item i of a batch starts from `image_of_kind(kind, size, batch=1,
seed=unit_seed(model, layer, channel, seed))`, and its transforms
(`transforms.ItemwiseTransforms`: Lucid's pad, jitter, scale, rotate, jitter values, drawn
per item from the unit seed and the step number, applied as one affine warp) depend on
nothing else: a unit's image is the same whichever batch, batch size or worker renders it
(up to the rounding of batched kernels, see the tests). With `use_transforms=False` and
batch 1 a unit is exactly `feature_vis.visualize(model, "layer:channel", seed=unit_seed(...),
use_transforms=False)`.
"""
import hashlib
import time

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render, transforms

UNIT_KEY = "unit_channel"


def unit_seed(model_name, layer, channel, seed=0):
    """The seed of one unit's initial values: a hash of (model, layer, channel, seed)."""
    digest = hashlib.sha256(f"{model_name}|{layer}|{int(channel)}|{int(seed)}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _per_item(T, layer):
    """[B] mean over positions of item b's own channel T(UNIT_KEY)[b] of the layer
    ([B, H, W, C]); the render loop computes only those channels (issue 29)."""
    return tf.reduce_mean(objectives.read_item_channel(T, layer, UNIT_KEY), axis=[1, 2])


def _reads(layer):
    return {"channel_reads": {layer: UNIT_KEY}}


def channels_objective(layer, saturation_penalty=0.0):
    """Sum over the batch of each item's mean activation of its own channel, the channel
    being the step input `T(UNIT_KEY)`: one graph for every channel of the layer. With
    batch 1 it equals `objectives.saturation_penalized(objectives.channel(layer, c),
    saturation_penalty)`; in a batch each item gets its own penalty."""
    if not saturation_penalty:
        return objectives.Objective(lambda T: tf.reduce_sum(_per_item(T, layer)),
                                    [layer, UNIT_KEY], [], f"channels({layer})", **_reads(layer))
    if saturation_penalty < 0:
        raise UserError(f"saturation penalty weight must be non-negative, got {saturation_penalty}")
    logits = objectives.sigmoid_logits("input")

    def fn(T):
        values = _per_item(T, layer)
        if values.shape[0] == 1:      # the same ops as saturation_penalized: bit-identical
            return tf.reduce_sum(values - saturation_penalty * tf.stop_gradient(tf.abs(values)) * logits(T))
        per_item = [logits(lambda name, i=i: T(name)[i:i + 1]) for i in range(values.shape[0])]
        return tf.reduce_sum(values - saturation_penalty * tf.stop_gradient(tf.abs(values)) * tf.stack(per_item))
    return objectives.Objective(fn, [layer, UNIT_KEY, "input"], [],
                                f"channels({layer}) - {saturation_penalty}*|.|*logit2(input)", **_reads(layer))


def item_objective(layer, i):
    """Item i's own channel objective (a metric: the value each unit reached)."""
    return objectives.Objective(lambda T: _per_item(T, layer)[i],
                                [layer, UNIT_KEY], [], f"item{i}({layer})", **_reads(layer))


def batch_param(kind, size, item_seeds, decorrelate=None, **image_kwargs):
    """A batch parameterization whose item i holds the initial values of
    `image_of_kind(kind, size, batch=1, seed=item_seeds[i])`. image_kwargs: the model's
    channels and band correlation (`param.for_model`; none for RGB)."""
    singles = [param.image_of_kind(kind, size, batch=1, decorrelate=decorrelate, seed=int(s), **image_kwargs)
               for s in item_seeds]
    if len(singles) == 1:
        return singles[0]
    b = len(singles)
    p = param.image_of_kind(kind, size, batch=b, decorrelate=decorrelate, seed=0, **image_kwargs)
    for v, parts in zip(p.trainable_variables, zip(*[q.trainable_variables for q in singles])):
        axis = next(a for a, (n, one) in enumerate(zip(v.shape, parts[0].shape)) if n == b and one == 1)
        v.assign(np.concatenate([x.numpy() for x in parts], axis))
    return p


class UnitRenderer:
    """Renders channels of one layer, `batch` at a time, through one compiled step per
    batch size (see the module docstring). `traces` counts the step's Python traces."""

    def __init__(self, model, layer, size=128, steps=128, batch=1, param_kind="fft", decorrelate=None,
                 lr=0.05, use_transforms=True, seed=0, model_name=None, saturation_penalty=0.0):
        model.check_layer(layer)
        if size <= 0 or steps <= 0 or batch <= 0:
            raise UserError(f"size, steps and batch must be positive, got size={size} steps={steps} "
                            f"batch={batch}")
        self.model, self.layer, self.size, self.steps, self.batch = model, layer, size, steps, batch
        self.param_kind, self.decorrelate, self.lr, self.seed = param_kind, decorrelate, lr, seed
        self.model_name = model_name or model.name
        self.use_transforms = use_transforms
        self.objective = channels_objective(layer, saturation_penalty)
        self._caches = {}      # batch size -> (StepCache, metrics, transforms)

    @property
    def traces(self):
        return sum(entry[0].traces for entry in self._caches.values())

    def seeds(self, channels):
        return [unit_seed(self.model_name, self.layer, c, self.seed) for c in channels]

    def render_batch(self, channels, progress=False):
        """Render up to `batch` channels in one optimization; returns one dict per channel:
        channel, image ([H, W, 3] float32), objective (its value at the last step),
        seed, steps, seconds (the batch's wall time / its size)."""
        channels = [self.model.check_channel(self.layer, c) for c in channels]
        b = len(channels)
        if not 0 < b <= self.batch:
            raise UserError(f"a batch holds 1..{self.batch} units, got {b}")
        if b not in self._caches:
            self._caches[b] = (render.StepCache(), {f"item{i}": item_objective(self.layer, i) for i in range(b)},
                               [transforms.ItemwiseTransforms(b)] if self.use_transforms else [])
        cache, metrics, item_transforms = self._caches[b]
        seeds = self.seeds(channels)
        for t in item_transforms:
            t.reset(seeds)
        unit = {UNIT_KEY: np.asarray(channels, np.int32)}
        start = time.perf_counter()
        result = render.render(
            self.model, self.objective,
            param_f=lambda: batch_param(self.param_kind, self.size, seeds, self.decorrelate,
                                        **param.for_model(self.model)),
            optimizer=render.adam(self.lr), transforms=item_transforms, thresholds=(self.steps,),
            seed=seeds[0], progress=progress, step_inputs=lambda i, rng: unit, metrics=metrics, cache=cache,
            description=f"{self.layer}:{channels[0]}" + (f"..{channels[-1]}" if b > 1 else ""))
        seconds = time.perf_counter() - start
        images = result.images[-1]
        return [{"channel": c, "image": images[i], "objective": float(result.metrics[f"item{i}"]),
                 "seed": s, "batch": channels, "steps": int(result.steps),
                 "seconds": seconds / b} for i, (c, s) in enumerate(zip(channels, seeds))]

    def render_units(self, channels, progress=False):
        """All `channels`, in consecutive batches of `batch`."""
        channels = list(channels)
        out = []
        for k in range(0, len(channels), self.batch):
            out += self.render_batch(channels[k:k + self.batch], progress=progress)
        return out
