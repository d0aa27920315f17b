"""Compute only what the objective reads (issue 29).

An objective that reads a layer only through some of its channels declares it
(`Objective(..., channel_reads={layer: channels})`, see optvis/objectives.py). `plan`
picks the layers where every objective of the step (the objective and the metrics) reads
that way and the model can compute those channels alone (`FeatureModel.channel_slice`: a
conv layer, or one after it through channel-wise layers); the render loop's sub-model then
stops at the conv's input and `Reads` (the step's `T`) convolves with the kernel's chosen
columns only. A layer anyone reads whole is computed whole, as before.
"""
import tensorflow as tf

from lucid_repro.models.base import cut_key
from lucid_repro.optvis.objectives import merge_channel_reads


def plan(model, objectives, layers, input_names=()):
    """{layer: channels (a tuple) or a step-input key (per-item channels)} for the layers
    of `layers` to compute sliced."""
    if model is None:
        return {}
    reads = merge_channel_reads(*objectives)
    out = {}
    for layer in layers:
        spec = reads.get(layer)
        if spec is None or (isinstance(spec, str) and spec not in input_names):
            continue
        if model.channel_slice(layer) is not None:
            out[layer] = spec
    return out


class Reads:
    """The step's `T`: T(name) answers the image names, step inputs and layers computed
    whole; `channel` / `item_channel` answer channel reads, from the sliced conv for a
    layer in `sliced`, else from the whole layer."""

    def __init__(self, names, acts, model=None, sliced=None):
        self.names, self.acts, self.model, self.sliced = names, acts, model, dict(sliced or {})
        self._computed = {}

    def __call__(self, name):
        if name in self.names:
            return self.names[name]
        if name in self.sliced:
            raise KeyError(f"T({name!r}): the objective declared it reads only channels "
                           f"{self.sliced[name]} of {name!r} (channel_reads) but read it whole")
        if name not in self.acts:
            raise KeyError(f"T({name!r}): the objective did not declare it reads {name!r} "
                           f"(Objective(fn, reads=[...])); available: {sorted(self.names) + sorted(self.acts)}")
        return self.acts[name]

    def _sliced(self, layer):
        if layer not in self._computed:
            spec = self.sliced[layer]
            channels = self.names[spec] if isinstance(spec, str) else spec
            self._computed[layer] = self.model.channel_slice(layer).apply(self.acts[cut_key(layer)], channels)
        return self._computed[layer]

    def channel(self, layer, n):
        if layer in self.sliced and not isinstance(self.sliced[layer], str):
            return self._sliced(layer)[..., self.sliced[layer].index(int(n))]
        return self(layer)[..., n]

    def item_channel(self, layer, key):
        if layer in self.sliced and self.sliced[layer] == key:
            return self._sliced(layer)[..., 0]
        return tf.gather(self(layer), self(key), axis=-1, batch_dims=1)
