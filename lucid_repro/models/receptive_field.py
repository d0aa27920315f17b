"""Receptive fields computed from a model's layers (kernel sizes, strides, dilations,
padding), never hard-coded per model.

    rf = receptive_field(model, "conv4_2", input_size=224)
    y0, x0, y1, x1 = rf.box(y, x)      # input pixels seen by the unit at (y, x): [y0, y1) x [x0, x1)

The Keras graph is walked from the input to the layer. Each tensor carries, per spatial
axis, (n, jump, size, start): its length n for this input, the input-pixel distance
between neighbouring units, the field's side, and the input coordinate where unit 0's
field starts (negative where it reaches into the padding). A convolution or pooling
with kernel k (dilation d, k_eff = d (k - 1) + 1) and stride s maps

    size' = size + (k_eff - 1) jump,   jump' = jump s,   start' = start - pad_before jump

with Keras' padding: "valid" 0, "same" pad_before = floor(max((ceil(n/s) - 1) s + k_eff - n, 0) / 2)
(TensorFlow puts the odd pixel after). ZeroPadding2D / Cropping2D shift the start; a
merge (Concatenate, Add, ...) takes the union of its inputs' fields (InceptionV1's
branches); every other layer that keeps the spatial shape (ReLU, normalization,
preprocessing Lambdas) keeps the field. A layer that changes the spatial shape in a way
not listed (an opaque SavedModel layer, Flatten, a Lambda that resizes) is refused with
one line naming it. Checked against the gradient support of units in
tests/models/test_receptive_field.py.
"""
import dataclasses
import math

from lucid_repro.errors import UserError

_CONV = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
_POOL = ("MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D")


@dataclasses.dataclass(frozen=True)
class Axis:
    n: int          # units along the axis for this input size
    jump: int       # input pixels between neighbouring units
    size: int       # the field's side in input pixels
    start: int      # input coordinate where unit 0's field starts (may be < 0: padding)


@dataclasses.dataclass(frozen=True)
class ReceptiveField:
    layer: str
    input_size: tuple       # (H, W) the field was computed for
    axes: tuple             # (Axis for y, Axis for x)

    @property
    def size(self):
        """(h, w) of the field in input pixels."""
        return tuple(a.size for a in self.axes)

    @property
    def jump(self):
        return tuple(a.jump for a in self.axes)

    @property
    def grid(self):
        """(h, w) of the layer's activation map for this input size."""
        return tuple(a.n for a in self.axes)

    def box(self, y, x):
        """(y0, x0, y1, x1): the unit's field, unclipped ([y0, y1) may leave the image)."""
        (ay, ax) = self.axes
        y0, x0 = ay.start + int(y) * ay.jump, ax.start + int(x) * ax.jump
        return y0, x0, y0 + ay.size, x0 + ax.size

    def clipped_box(self, y, x):
        """The field clipped to the image."""
        y0, x0, y1, x1 = self.box(y, x)
        h, w = self.input_size
        return max(y0, 0), max(x0, 0), min(y1, h), min(x1, w)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _window(axis, k, s, d, padding):
    k_eff = d * (k - 1) + 1
    if padding == "same":
        n_out = math.ceil(axis.n / s)
        pad_before = max((n_out - 1) * s + k_eff - axis.n, 0) // 2
    elif padding == "valid":
        n_out = (axis.n - k_eff) // s + 1
        pad_before = 0
    else:
        raise ValueError(padding)
    if n_out < 1:
        raise UserError(f"the input is too small for a {k}x{k} window after {axis.n} units")
    return Axis(n_out, axis.jump * s, axis.size + (k_eff - 1) * axis.jump, axis.start - pad_before * axis.jump)


def _union(fields):
    """The field of a merge of several tensors (same grid): the union of their fields."""
    fields = [f for f in fields if f is not None]
    if not fields:
        return None
    out = []
    for axes in zip(*fields):
        start = min(a.start for a in axes)
        end = max(a.start + a.size for a in axes)
        out.append(Axis(axes[0].n, max(a.jump for a in axes), end - start, start))
    return tuple(out)


def _spatial(shape):
    """The (h, w) of a [B, H, W, C] shape (entries may be None), else None."""
    shape = tuple(shape)
    return shape[1:3] if len(shape) == 4 else None


def _apply(layer, fields, input_shapes, output_shape):
    kind = type(layer).__name__
    config = layer.get_config()
    if kind in _CONV or kind in _POOL:
        field = fields[0]
        if config.get("data_format", "channels_last") != "channels_last":
            raise UserError(f"layer {layer.name} on its path is channels_first; only channels_last is read")
        k = _pair(config["kernel_size"] if kind in _CONV else config["pool_size"])
        s = _pair(config["strides"] or k)
        d = _pair(config.get("dilation_rate", 1))
        padding = config["padding"].lower()
        return tuple(_window(a, k[i], s[i], d[i], padding) for i, a in enumerate(field))
    if kind == "ZeroPadding2D":
        (top, bottom), (left, right) = config["padding"]
        return tuple(Axis(a.n + lo + hi, a.jump, a.size, a.start - lo * a.jump)
                     for a, (lo, hi) in zip(fields[0], ((top, bottom), (left, right))))
    if kind == "Cropping2D":
        (top, bottom), (left, right) = config["cropping"]
        return tuple(Axis(a.n - lo - hi, a.jump, a.size, a.start + lo * a.jump)
                     for a, (lo, hi) in zip(fields[0], ((top, bottom), (left, right))))
    field = _union(fields)
    ins = [_spatial(s) for s in input_shapes]
    out = _spatial(output_shape)
    if out is None or any(i is None for i in ins):
        raise UserError(f"layer {layer.name} ({kind}) on its path is not spatial ([B, H, W, C] in and out)")
    known = [i for i in ins if None not in i]
    if None not in out and known and any(tuple(out) != tuple(i) for i in known):
        raise UserError(f"layer {layer.name} ({kind}) on its path changes the spatial size in a way that "
                        "cannot be read from its configuration")
    return field


def receptive_field(model, layer, input_size=224):
    """The ReceptiveField of `layer` of `model` (a FeatureModel) for an input of
    `input_size` (int or (H, W)), from the Keras graph's layer configurations."""
    model.check_layer(layer)
    h, w = _pair(input_size)
    keras_model = model.keras_model
    target = keras_model.output[layer] if isinstance(keras_model.output, dict) else None
    if target is None:
        raise UserError(f"receptive field: cannot find the tensor of layer {layer} of {model.name}")
    fields, broken = {}, {}       # tensor id -> field; tensor id -> the layer that made it non-spatial
    for inp in keras_model.inputs:
        fields[id(inp)] = (Axis(h, 1, 1, 0), Axis(w, 1, 1, 0))
    # keras_model.operations is in topological order
    for op in keras_model.operations:
        if type(op).__name__ == "InputLayer":
            continue
        for node in op._inbound_nodes:
            ins = list(node.input_tensors)
            if not all(id(t) in fields for t in ins):
                continue   # a node of another graph (a shared layer used elsewhere)
            in_fields = [fields[id(t)] for t in ins]
            outs = list(node.output_tensors)
            cause = next((broken[id(t)] for t in ins if fields[id(t)] is None), None)
            field = None
            if cause is None:
                try:
                    field = _apply(op, in_fields, [t.shape for t in ins], outs[0].shape)
                except UserError as e:
                    cause = str(e)
            for o in outs:
                fields[id(o)] = field
                if field is None:
                    broken[id(o)] = cause
    field = fields.get(id(target))
    if field is None:
        raise UserError(f"receptive field of {layer} ({model.name}) cannot be computed: "
                        + broken.get(id(target), "its tensor is not reached from the input"))
    return ReceptiveField(layer, (h, w), field)
