"""Compositional Pattern Producing Network (CPPN) image parameterization.

A small network of 1x1 convolutions maps each pixel's coordinates (x, y) to a
colour. Lucid's `param.cppn` defaults: coordinates on [-sqrt(3), sqrt(3)] (unit
standard deviation), 8 hidden layers of 24 channels, the "composite" activation
[atan(x) / 0.67, atan(x)^2 / 0.6] (48 channels out of each layer), no
normalization, a sigmoid RGB output layer whose weights start at zero; hidden
weights drawn from a fan-in variance-scaling truncated normal, biases from
N(0, 0.1). 8451 parameters for RGB output.

Because the network is a function of continuous coordinates, the same weights
render the image at any resolution (`CPPN.image_at(size)`), and the weights of two
CPPNs can be interpolated (`interpolate_weights`).
"""
import os
import zipfile

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.files import atomic_path
from lucid_repro.optvis.param.base import Param, random_state
from lucid_repro.optvis.param.color import decorrelate_colors

# TF1's variance_scaling truncated normal: stddev corrected for the truncation at 2 sd.
_TRUNCATION_CORRECTION = 0.87962566103423978
MAX_WEIGHT_FILE_BYTES = 100_000_000   # a CPPN of 64 layers x 512 channels is 67 MB


def composite_activation(x):
    """Lucid's biased composite activation: concat(atan(x)/0.67, atan(x)^2/0.6)."""
    x = tf.atan(x)
    return tf.concat([x / 0.67, (x * x) / 0.6], -1)


def composite_activation_unbiased(x):
    x = tf.atan(x)
    return tf.concat([x / 0.67, (x * x - 0.45) / 0.396], -1)


def relu_normalized(x):
    return (tf.nn.relu(x) - 0.40) / 0.58


ACTIVATIONS = {
    "composite": (composite_activation, 2),
    "composite_unbiased": (composite_activation_unbiased, 2),
    "relu_normalized": (relu_normalized, 1),
}


def coordinates(size, batch=1):
    """[batch, size, size, 2] grid of (x, y) on [-sqrt(3), sqrt(3)]."""
    r = 3.0 ** 0.5
    coord = tf.linspace(-r, r, int(size))
    y, x = tf.meshgrid(coord, coord, indexing="ij")
    grid = tf.stack([x, y], -1)[None]
    return tf.tile(grid, [batch, 1, 1, 1])


def _truncated_normal(rng, stddev, shape):
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2.0
    return (out * stddev).astype(np.float32)


class CPPN(Param):
    """A CPPN as a `Param`: called, it renders [batch, size, size, channels] at its
    training size; `render(size)` evaluates the same weights at any resolution."""

    def __init__(self, size, batch=1, num_output_channels=3, num_hidden_channels=24, num_layers=8,
                 activation="composite", normalize=False, decorrelate=False, seed=None):
        if size <= 0 or batch <= 0:
            raise UserError(f"CPPN size and batch must be positive, got size={size} batch={batch}")
        if num_layers <= 0 or num_hidden_channels <= 0 or num_output_channels <= 0:
            raise UserError("CPPN layer count and widths must be positive")
        if activation not in ACTIVATIONS:
            raise UserError(f"unknown CPPN activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
        super().__init__(lambda **_: self.image_at(self.size, self.batch), (), name="cppn")
        self.size, self.batch = int(size), int(batch)
        self.activation = activation
        self.normalize = bool(normalize)
        if decorrelate and num_output_channels != 3:
            raise UserError(f"a decorrelated CPPN needs 3 output channels (RGB colour decorrelation), "
                            f"not {num_output_channels}")
        self.decorrelate = bool(decorrelate)
        act_fn, growth = ACTIVATIONS[activation]
        self._act = act_fn
        rng = random_state(seed)
        kernels, biases, offsets = [], [], []
        n_in = 2
        for i in range(num_layers):
            std = np.sqrt(1.0 / n_in) / _TRUNCATION_CORRECTION
            kernel = _truncated_normal(rng, std, (n_in, num_hidden_channels))
            bias = rng.normal(0.0, 0.1, num_hidden_channels).astype(np.float32)
            kernels.append(tf.Variable(kernel, name=f"w{i}"))
            biases.append(tf.Variable(bias, name=f"b{i}"))
            if self.normalize:  # instance norm's learned offset (slim: center=True, scale=False)
                offsets.append(tf.Variable(np.zeros(num_hidden_channels, np.float32), name=f"beta{i}"))
            n_in = num_hidden_channels * growth
        kernels.append(tf.Variable(np.zeros((n_in, num_output_channels), np.float32), name="w_out"))
        biases.append(tf.Variable(rng.normal(0.0, 0.1, num_output_channels).astype(np.float32), name="b_out"))
        self.kernels, self.biases, self.offsets = kernels, biases, offsets
        self.params = [v for pair in zip(kernels, biases) for v in pair] + offsets

    def image_at(self, size, batch=None):
        """The image [batch, size, size, channels] in [0, 1] at any resolution."""
        if size <= 0:
            raise UserError(f"CPPN image size must be positive, got {size}")
        net = coordinates(size, batch or self.batch)
        for i in range(len(self.kernels) - 1):
            net = tf.einsum("bhwc,cd->bhwd", net, self.kernels[i]) + self.biases[i]
            if self.normalize:
                mean, var = tf.nn.moments(net, axes=[1, 2], keepdims=True)
                net = (net - mean) * tf.math.rsqrt(var + 1e-6) + self.offsets[i]
            net = self._act(net)
        out = tf.einsum("bhwc,cd->bhwd", net, self.kernels[-1]) + self.biases[-1]
        if self.decorrelate:
            out = decorrelate_colors(out)
        return tf.nn.sigmoid(out)

    # -- weights as plain arrays ------------------------------------------------
    def weight_names(self):
        names = []
        for i in range(len(self.kernels)):
            tag = "out" if i == len(self.kernels) - 1 else str(i)
            names += [f"w_{tag}", f"b_{tag}"]
        names += [f"beta_{i}" for i in range(len(self.offsets))]
        return names

    def get_weights(self):
        """dict name -> numpy array (plus the architecture, for saving)."""
        values = [v.numpy() for pair in zip(self.kernels, self.biases) for v in pair] + \
                 [v.numpy() for v in self.offsets]
        weights = dict(zip(self.weight_names(), values))
        weights["activation"] = np.asarray(self.activation)
        weights["normalize"] = np.asarray(self.normalize)
        weights["decorrelate"] = np.asarray(self.decorrelate)
        return weights

    def set_weights(self, weights):
        variables = [v for pair in zip(self.kernels, self.biases) for v in pair] + self.offsets
        for name, var in zip(self.weight_names(), variables):
            if name not in weights:
                raise UserError(f"CPPN weights lack {name!r}")
            value = np.asarray(weights[name], np.float32)
            if value.shape != tuple(var.shape):
                raise UserError(f"CPPN weight {name} has shape {value.shape}, expected {tuple(var.shape)}")
            var.assign(value)
        return self

    def save(self, path):
        """Write the weights to an .npz file (atomically)."""
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **self.get_weights())
        return os.fspath(path)

    @classmethod
    def from_weights(cls, weights, size, batch=1):
        """A CPPN with the architecture and values of `weights` (a dict or .npz path)."""
        if not isinstance(weights, dict):
            weights = load_weights(weights)
        arch = architecture_of(weights)
        return cls(size, batch=batch, seed=0, **arch).set_weights(weights)


def load_weights(path):
    """Read CPPN weights saved by `CPPN.save`; UserError if missing or unreadable."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UserError(f"CPPN weight file not found: {path}")
    try:   # the arrays' unpacked sizes, from the zip directory, before anything is decompressed
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (OSError, zipfile.BadZipFile, ValueError):
        unpacked = 0   # not a zip: np.load below reports it
    if unpacked > MAX_WEIGHT_FILE_BYTES:
        raise UserError(f"{path} unpacks to {unpacked / 1e6:.0f} MB, far more than CPPN weights "
                        f"(< {MAX_WEIGHT_FILE_BYTES / 1e6:.0f} MB); not a file written by this program")
    try:
        with np.load(path, allow_pickle=False) as data:
            weights = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, MemoryError) as e:
        message = f"cannot read CPPN weights {path}: {e.__class__.__name__}: {e}"
        raise UserError(message.splitlines()[0]) from None
    if "w_0" not in weights or "w_out" not in weights:
        raise UserError(f"{path} does not hold CPPN weights (no w_0 / w_out)")
    return weights


def architecture_of(weights):
    """Constructor arguments (layers, widths, activation, normalize) of saved weights."""
    try:
        num_layers = sum(1 for k in weights if k.startswith("w_") and k != "w_out")
        activation = str(weights.get("activation", "composite"))
        normalize = bool(weights.get("normalize", False))
        decorrelate = bool(weights.get("decorrelate", False))
        w0, w_out = np.asarray(weights["w_0"]), np.asarray(weights["w_out"])
        return dict(num_layers=num_layers, num_hidden_channels=int(w0.shape[1]),
                    num_output_channels=int(w_out.shape[1]), activation=activation, normalize=normalize,
                    decorrelate=decorrelate)
    except (KeyError, IndexError, ValueError) as e:
        raise UserError(f"malformed CPPN weights: {e}") from None


ARCHITECTURE_KEYS = ("activation", "normalize", "decorrelate")


def interpolate_weights(a, b, t):
    """Linear interpolation (1 - t) * a + t * b of two CPPN weight dicts of the same architecture."""
    if architecture_of(a) != architecture_of(b):
        raise UserError(f"cannot interpolate CPPNs of different architectures: "
                        f"{architecture_of(a)} vs {architecture_of(b)}")
    out = {}
    for k, v in a.items():
        if k in ARCHITECTURE_KEYS:
            out[k] = v
            continue
        if k not in b or np.shape(b[k]) != np.shape(v):
            raise UserError(f"CPPN weights differ in {k!r}")
        out[k] = (1.0 - t) * np.asarray(v, np.float32) + t * np.asarray(b[k], np.float32)
    return out


def cppn(size, batch=1, num_output_channels=3, num_hidden_channels=24, num_layers=8,
         activation="composite", normalize=False, decorrelate=False, seed=None):
    """Lucid's `param.cppn(width, ...)`: a CPPN rendering [batch, size, size, channels]
    (all batch entries share the same weights)."""
    return CPPN(size, batch=batch, num_output_channels=num_output_channels,
                num_hidden_channels=num_hidden_channels, num_layers=num_layers,
                activation=activation, normalize=normalize, decorrelate=decorrelate, seed=seed)
