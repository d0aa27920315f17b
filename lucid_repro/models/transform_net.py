"""Johnson, Alahi & Fei-Fei 2016's image transformation network, for fast (feed-forward)
style transfer, with a choice of normalization:

* "batch": batch normalization (Johnson et al.);
* "instance": instance normalization (Ulyanov, Vedaldi & Lempitsky 2016): each image's
  channels normalized over its own pixels, so the contrast of the content image is
  discarded; the same layer in training and in use;
* "conditional_instance": conditional instance normalization (Dumoulin, Shlens & Kudlur
  2017): one scale and shift per style and channel; the network takes a second input, the
  style weights [B, N], and uses scale = w @ gammas, shift = w @ betas, so one network
  holds N styles and a weight vector blends them.

Architecture (Johnson's supplementary Table 1): 9x9 conv (f), two stride-2 3x3 convs (2f,
4f), `res_blocks` residual blocks (4f), two upsampling steps (2f, f), a 9x9 conv to 3
channels, output in [0, 1] by (tanh + 1) / 2. Every conv pads by reflection (no dark
border). Upsampling is a RESIZE-CONVOLUTION (nearest-neighbour x2, then a 3x3 conv), not a
transposed convolution as in Johnson's paper: a stride-2 transposed conv whose kernel size
is not divisible by its stride overlaps unevenly and paints checkerboard patterns
(Odena, Dumoulin & Olah 2016, "Deconvolution and Checkerboard Artifacts").

The custom layers are registered with `keras.saving.register_keras_serializable`, so a
saved `.keras` file loads with `keras.models.load_model(path)` in safe mode (no Lambda).
No name of this module is known to `optvis`: the network is a parameterization's content
(`lucid_repro.recipes.fast_style`).
"""
import keras
import numpy as np
import tensorflow as tf

NORMS = ("batch", "instance", "conditional_instance")
STYLE_INPUT = "style_weights"       # the second input of a conditional network
PACKAGE = "lucid_repro"


@keras.saving.register_keras_serializable(package=PACKAGE)
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by `pad` pixels, mirroring the image (no border)."""

    def __init__(self, pad=1, **kwargs):
        super().__init__(**kwargs)
        self.pad = int(pad)

    def call(self, x):
        p = self.pad
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def compute_output_shape(self, shape):
        grow = lambda n: None if n is None else n + 2 * self.pad   # noqa: E731
        return (shape[0], grow(shape[1]), grow(shape[2]), shape[3])

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


def _moments(x, epsilon):
    mean, var = tf.nn.moments(x, axes=[1, 2], keepdims=True)
    return (x - mean) * tf.math.rsqrt(var + epsilon)


@keras.saving.register_keras_serializable(package=PACKAGE)
class InstanceNormalization(keras.layers.Layer):
    """Ulyanov et al. 2016: normalize each image's channels over its pixels, then a
    learned scale and shift per channel."""

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, shape):
        c = shape[-1]
        self.gamma = self.add_weight(name="gamma", shape=(c,), initializer="ones")
        self.beta = self.add_weight(name="beta", shape=(c,), initializer="zeros")

    def call(self, x):
        return _moments(x, self.epsilon) * self.gamma + self.beta

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=PACKAGE)
class ConditionalInstanceNormalization(keras.layers.Layer):
    """Dumoulin et al. 2017: instance normalization whose scale and shift are chosen by the
    style: inputs [x, w] with w [B, N] style weights (one-hot for one style, a convex
    combination to blend): scale = w @ gammas [N, C], shift = w @ betas [N, C]."""

    def __init__(self, n_styles, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.n_styles, self.epsilon = int(n_styles), float(epsilon)

    def build(self, shapes):
        c = shapes[0][-1]
        self.gammas = self.add_weight(name="gammas", shape=(self.n_styles, c), initializer="ones")
        self.betas = self.add_weight(name="betas", shape=(self.n_styles, c), initializer="zeros")

    def call(self, inputs):
        x, w = inputs
        gamma = tf.matmul(w, self.gammas)[:, None, None, :]
        beta = tf.matmul(w, self.betas)[:, None, None, :]
        return _moments(x, self.epsilon) * gamma + beta

    def compute_output_shape(self, shapes):
        return shapes[0]

    def get_config(self):
        return {**super().get_config(), "n_styles": self.n_styles, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package=PACKAGE)
class UnitRange(keras.layers.Layer):
    """(tanh(x) + 1) / 2: the output image in [0, 1] (Johnson's scaled tanh)."""

    def call(self, x):
        return 0.5 * (tf.tanh(x) + 1.0)


def build(norm="instance", n_styles=1, filters=32, res_blocks=5, name=None, seed=0):
    """The transformation network: input [B, H, W, 3] in [0, 1] (H, W multiples of 4) ->
    [B, H, W, 3] in [0, 1]; with norm="conditional_instance" a second input
    `style_weights` [B, n_styles]. filters=32, res_blocks=5: Johnson's sizes."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")
    if n_styles < 1 or (n_styles > 1 and norm != "conditional_instance"):
        raise ValueError("several styles need norm='conditional_instance'")
    init = lambda k: keras.initializers.GlorotUniform(seed=seed * 1000 + k)   # noqa: E731
    counter = iter(range(1000))
    image = keras.Input((None, None, 3), name="image")
    inputs = [image]
    if norm == "conditional_instance":
        style = keras.Input((n_styles,), name=STYLE_INPUT)
        inputs.append(style)

    def normalize(x, tag):
        if norm == "batch":
            return keras.layers.BatchNormalization(momentum=0.9, name=f"{tag}_bn")(x)
        if norm == "instance":
            return InstanceNormalization(name=f"{tag}_in")(x)
        return ConditionalInstanceNormalization(n_styles, name=f"{tag}_cin")([x, style])

    def conv(x, n, k, tag, stride=1, relu=True):
        x = ReflectionPadding2D(k // 2, name=f"{tag}_pad")(x)
        x = keras.layers.Conv2D(n, k, strides=stride, padding="valid", name=f"{tag}_conv",
                                kernel_initializer=init(next(counter)))(x)
        x = normalize(x, tag)
        return keras.layers.ReLU(name=f"{tag}_relu")(x) if relu else x

    x = conv(image, filters, 9, "down1")
    x = conv(x, 2 * filters, 3, "down2", stride=2)
    x = conv(x, 4 * filters, 3, "down3", stride=2)
    for i in range(res_blocks):
        y = conv(x, 4 * filters, 3, f"res{i + 1}a")
        y = conv(y, 4 * filters, 3, f"res{i + 1}b", relu=False)
        x = keras.layers.Add(name=f"res{i + 1}")([x, y])
    for i, n in enumerate((2 * filters, filters)):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{i + 1}_resize")(x)
        x = conv(x, n, 3, f"up{i + 1}")
    x = ReflectionPadding2D(4, name="out_pad")(x)
    x = keras.layers.Conv2D(3, 9, padding="valid", name="out_conv", kernel_initializer=init(next(counter)))(x)
    out = UnitRange(name="out")(x)
    return keras.Model(inputs, out, name=name or f"transform_net_{norm}")


def norm_of(net):
    """The normalization of a network built by `build` (from its layers)."""
    kinds = {type(l) for l in net.layers}
    if ConditionalInstanceNormalization in kinds:
        return "conditional_instance"
    if InstanceNormalization in kinds:
        return "instance"
    return "batch"


def n_styles(net):
    """How many styles the network holds (1 unless conditional)."""
    for layer in net.layers:
        if isinstance(layer, ConditionalInstanceNormalization):
            return layer.n_styles
    return 1


def is_transform_net(net):
    return isinstance(net, keras.Model) and any(
        getattr(l, "name", "") == "out" and isinstance(l, UnitRange) for l in net.layers)


def stylize(net, images, style_weights=None, training=False):
    """Apply `net` to images [B, H, W, 3] in [0, 1] (any H, W: padded by reflection to a
    multiple of 4 and cropped back). style_weights: [N] or [B, N] for a conditional
    network (default: the first style)."""
    images = tf.convert_to_tensor(images, tf.float32)
    h, w = images.shape[1], images.shape[2]
    ph, pw = (-h) % 4, (-w) % 4
    x = tf.pad(images, [[0, 0], [0, ph], [0, pw], [0, 0]], mode="REFLECT") if ph or pw else images
    k = n_styles(net)
    if norm_of(net) == "conditional_instance":
        if style_weights is None:
            style_weights = np.eye(k, dtype=np.float32)[0]
        sw = tf.convert_to_tensor(style_weights, tf.float32)
        if sw.shape.rank == 1:
            sw = tf.tile(sw[None], [tf.shape(x)[0], 1])
        out = net([x, sw], training=training)
    else:
        out = net(x, training=training)
    return out[:, :h, :w, :]


def save(net, path):
    """Write the network as a `.keras` file, atomically."""
    from lucid_repro.files import atomic_path
    with atomic_path(path) as tmp:
        net.save(tmp)
    return str(path)


def load(path):
    """A network written by `save`, loaded in Keras' safe mode; UserError (one line) for a
    missing, unreadable or foreign file."""
    import os

    from lucid_repro.errors import UserError
    if not os.path.isfile(path):
        raise UserError(f"model file not found: {path}")
    try:
        net = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as e:   # a corrupt zip, a foreign config, a Lambda refused in safe mode
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot read the fast-style network {path}: {reason[:200]}") from None
    if not is_transform_net(net):
        raise UserError(f"{path} is not a fast-style network (train one with scripts.train_fast_style)")
    return net


def styles_in_file(path):
    """How many styles the network of a `.keras` file holds, read from its config.json
    without building it; UserError (one line) for a missing file, a file that is not a
    .keras archive, or the archive of another model."""
    import json
    import os
    import zipfile

    from lucid_repro.errors import UserError
    if not os.path.isfile(path):
        raise UserError(f"model file not found: {path}")
    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise UserError(f"cannot read the fast-style network {path}: not a .keras file ({e})") from None
    layers = (config.get("config") or {}).get("layers") or []
    if not any(l.get("name") == "out" and l.get("class_name") == "UnitRange" for l in layers):
        raise UserError(f"{path} is not a fast-style network (train one with scripts.train_fast_style)")
    counts = [l["config"]["n_styles"] for l in layers if l.get("class_name") == "ConditionalInstanceNormalization"]
    return int(counts[0]) if counts else 1
