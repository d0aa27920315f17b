"""InceptionV1 (GoogLeNet) as Lucid uses it: the `inception5h` graph, in Keras.

Lucid's `InceptionV1` model is the frozen TensorFlow graph `InceptionV1.pb`
(`gs://modelzoo/InceptionV1.pb`, i.e. https://storage.googleapis.com/modelzoo/InceptionV1.pb),
the graph that also ships as `tensorflow_inception_graph.pb` in
https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip (the graph
of the TensorFlow DeepDream notebook). This module rebuilds that graph with
`tf.keras` layers and copies its weights (the graph's `Const` nodes) into them, so the
model is an ordinary differentiable Keras model.

    m = load_inception_v1()                       # cached download of InceptionV1.pb
    m = load_inception_v1(path="tensorflow_inception_graph.pb")
    m.activations(images, ["mixed4d", "softmax2_pre_activation"])

Input: float32 RGB in [0, 1], shape [B, H, W, 3]. The model maps it to the graph's value
range (Lucid: `image_value_range = (-117, 255 - 117)`), i.e. `x * 255 - 117`.

Layer names are Lucid's (= the graph's node names): `conv2d0..2`, `mixed3a..mixed5b`,
each inception branch (`mixed4d_3x3_bottleneck`, `mixed4d_5x5`, `mixed4d_pool_reduce`, ...),
every ReLU layer also as `<name>_pre_relu`, `mixedXX_pre_relu` = concatenation of the
branch pre-ReLUs (Lucid's `_populate_inception_bottlenecks`), the pools
(`maxpool0`, `mixed4a_pool`, `avgpool0`, `head0_pool`, ...), `localresponsenorm0/1`, the
auxiliary heads (`head0_bottleneck`, `nn0`, `softmax0`, and the same with 1), and
`softmax2_pre_activation` (the logits class objectives want) and `softmax2`.

Sizes. Convolutions and pools work at any H, W (SAME padding, as in the graph). The
classifier heads follow the graph literally: `head{0,1}_pool` is a 5x5 stride-3 VALID
average pool, `avgpool0` a 7x7 stride-1 VALID average pool, and each is flattened with a
Reshape to the graph's fixed width (2048 = 4*4*128 for the aux heads, 1024 for the main
one), exactly as the graph's `.../reshape` nodes do. So the head layers only give results
for the 224x224 input the graph was made for (Lucid's `image_shape`); asking for them at
other sizes fails inside the Reshape. A sub-model that asks only for conv layers never
runs the heads (`FeatureModel.submodel` prunes them), so it works at any size.

Structure, and where each fact comes from
-----------------------------------------
Confirmed from public sources:
  * node names and op types, in graph order (a dump of the imported graph in a DeepDream
    script): Const `<name>_w`/`<name>_b`; `<name>_pre_relu/conv` (Conv2D) ->
    `<name>_pre_relu` (BiasAdd) -> `<name>` (Relu); `maxpool0` -> `localresponsenorm0` ->
    conv2d1 -> conv2d2 -> `localresponsenorm1` -> `maxpool1` -> mixed3a, mixed3b ->
    `maxpool4` -> mixed4a..4e -> `maxpool10` -> mixed5a, mixed5b -> `avgpool0`;
    `mixedXX_pool` (MaxPool) feeds `mixedXX_pool_reduce`; heads `head0_pool` (AvgPool on
    mixed4a) -> `head0_bottleneck` -> `head0_bottleneck/reshape` -> `nn0_pre_relu/matmul`
    -> `nn0` -> `nn0/reshape` -> `softmax0_pre_activation` -> `softmax0` (head1 the same on
    mixed4d); `avgpool0/reshape` -> `softmax2_pre_activation` -> `softmax2`; identities
    `output`, `output1`, `output2`. Quirk: the BiasAdd of mixed4e_pool_reduce is named `2`
    (not `mixed4e_pool_reduce_pre_relu`); only Const nodes are read here, so it is harmless.
  * every branch width (the same dump lists each node's channel count), e.g. mixed4a_3x3
    is 204 wide (not the paper's 208) and mixed5a_5x5_bottleneck 48 (paper: 32); they sum
    to Lucid's table (mixed4a 508, ...).
  * output sizes at 224x224 (TensorFlow benchmark_model memory per node): conv2d0 112x112,
    maxpool0 56x56, conv2d2 56x56x192, maxpool1 28x28, mixed3b 28x28x480, maxpool4
    14x14, mixed4a 14x14x508, head0_pool 4x4x508, head0_bottleneck/reshape 2048 wide.
  * kernel sizes, strides, SAME padding, pool sizes (all max pools 3x3), branch concat
    order (1x1, 3x3, 5x5, pool_reduce), avgpool0 = 7x7 stride 1 VALID, head0_pool = 5x5
    stride 3 VALID, nn0 = 2048 -> 1024, LRN window 9 / beta 0.5 / bias 1: from the
    machine conversions of this graph to PyTorch (MMdnn output kept by `lucent`, main
    branch, and `neural-dream`, up to head0), whose explicit paddings (2,3) for conv2d0
    and (0,1) for the stride-2 max pools are TensorFlow's SAME.
  * preprocessing `x * 255 - 117` (Lucid `image_value_range`, DeepDream's
    `imagenet_mean = 117`), input node `input`, 1008 classes.
Inferred:
  * LRN `depth_radius=4, alpha=1e-4/9`: MMdnn writes TF's LRN as size = 2*depth_radius+1
    = 9 and alpha = alpha_tf * size, and the ports show float32(1e-4); so alpha_tf is 1e-4/9
    up to float32 rounding. When the real graph is loaded, the LRN parameters are taken
    from its `localresponsenorm0/1` nodes, so this guess only matters for graphs without them.
  * the heads flatten NHWC in row-major order (a plain Reshape node, no transpose node
    in the dump).
  * head1 is built like head0 (on mixed4d): its node list, `head1_bottleneck/reshape`
    width 2048 and the 528-channel `head1_pool` are confirmed, its pool size/stride are
    taken from head0.
When the loaded GraphDef has the op nodes, their attributes (strides, padding, pool
sizes) are checked against this architecture, and a mismatch is a `UserError`.

Weights: `load_inception_v1(path=None)` downloads InceptionV1.pb once into
`$LUCID_REPRO_CACHE` (default `~/.cache/lucid_repro`), atomically, and records its
sha256 next to it (`InceptionV1.pb.sha256`); later loads verify the file against the
pinned `INCEPTION_V1_SHA256` if set, else against that record.
"""
import hashlib
import http.client
import os
import tempfile
import urllib.request

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel

INCEPTION_V1_URL = "https://storage.googleapis.com/modelzoo/InceptionV1.pb"
INCEPTION5H_ZIP_URL = "https://storage.googleapis.com/download.tensorflow.org/models/inception5h.zip"
INCEPTION_V1_FILE = "InceptionV1.pb"
INCEPTION_V1_SHA256 = None  # pin the hex digest of InceptionV1.pb here once known
CACHE_ENV = "LUCID_REPRO_CACHE"
DEFAULT_CACHE = os.path.join("~", ".cache", "lucid_repro")
DOWNLOAD_TIMEOUT = 60

IMAGE_VALUE_RANGE = (-117.0, 255.0 - 117.0)
IMAGE_SHAPE = (224, 224, 3)
NUM_CLASSES = 1008
# localresponsenorm0/1 when the graph does not say (see module docstring)
DEFAULT_LRN = {"depth_radius": 4, "bias": 1.0, "alpha": 1e-4 / 9, "beta": 0.5}

# Lucid's layer table (lucid/modelzoo/other_models/InceptionV1.py)
LUCID_LAYERS = (
    ("conv2d0", 64), ("conv2d1", 64), ("conv2d2", 192),
    ("mixed3a", 256), ("mixed3b", 480), ("mixed4a", 508), ("mixed4b", 512),
    ("mixed4c", 512), ("mixed4d", 528), ("mixed4e", 832), ("mixed5a", 832),
    ("mixed5b", 1024),
    ("head0_bottleneck", 128), ("nn0", 1024), ("softmax0", NUM_CLASSES),
    ("head1_bottleneck", 128), ("nn1", 1024), ("softmax1", NUM_CLASSES),
    ("softmax2", NUM_CLASSES),
)

BRANCHES = ("1x1", "3x3_bottleneck", "3x3", "5x5_bottleneck", "5x5", "pool_reduce")
CONCAT_BRANCHES = ("1x1", "3x3", "5x5", "pool_reduce")  # order of the graph's Concat
# widths of (1x1, 3x3_bottleneck, 3x3, 5x5_bottleneck, 5x5, pool_reduce)
MIXED = (
    ("mixed3a", (64, 96, 128, 16, 32, 32)),
    ("mixed3b", (128, 128, 192, 32, 96, 64)),
    ("mixed4a", (192, 96, 204, 16, 48, 64)),
    ("mixed4b", (160, 112, 224, 24, 64, 64)),
    ("mixed4c", (128, 128, 256, 24, 64, 64)),
    ("mixed4d", (112, 144, 288, 32, 64, 64)),
    ("mixed4e", (256, 160, 320, 32, 128, 128)),
    ("mixed5a", (256, 160, 320, 48, 128, 128)),
    ("mixed5b", (384, 192, 384, 48, 128, 128)),
)
MIXED_WIDTHS = dict(MIXED)
# stride-2 max pools between stages: name -> the mixed block it precedes
STAGE_POOLS = {"mixed4a": "maxpool4", "mixed5a": "maxpool10"}
HEADS = (("head0", "nn0", "softmax0", "mixed4a"), ("head1", "nn1", "softmax1", "mixed4d"))
HEAD_POOL = (5, 3)    # AvgPool ksize, stride, VALID
HEAD_GRID = 4         # head pool output at 224: 4x4
AVGPOOL0 = (7, 1)     # AvgPool ksize, stride, VALID


def conv_specs():
    """[(name, kernel size, stride, in channels, out channels)] of every conv, graph order."""
    specs = [("conv2d0", 7, 2, 3, 64), ("conv2d1", 1, 1, 64, 64), ("conv2d2", 3, 1, 64, 192)]
    cin = 192
    for mixed, w in MIXED:
        w = dict(zip(BRANCHES, w))
        specs += [(f"{mixed}_1x1", 1, 1, cin, w["1x1"]),
                  (f"{mixed}_3x3_bottleneck", 1, 1, cin, w["3x3_bottleneck"]),
                  (f"{mixed}_3x3", 3, 1, w["3x3_bottleneck"], w["3x3"]),
                  (f"{mixed}_5x5_bottleneck", 1, 1, cin, w["5x5_bottleneck"]),
                  (f"{mixed}_5x5", 5, 1, w["5x5_bottleneck"], w["5x5"]),
                  (f"{mixed}_pool_reduce", 1, 1, cin, w["pool_reduce"])]
        cin = sum(w[b] for b in CONCAT_BRANCHES)
    for head, _, _, source in HEADS:
        specs.append((f"{head}_bottleneck", 1, 1, mixed_depth(source), 128))
    return specs


def dense_specs():
    """[(graph name, Keras layer name, in, out)] of every matmul."""
    flat = HEAD_GRID * HEAD_GRID * 128
    return [("nn0", "nn0_pre_relu", flat, 1024),
            ("softmax0", "softmax0_pre_activation", 1024, NUM_CLASSES),
            ("nn1", "nn1_pre_relu", flat, 1024),
            ("softmax1", "softmax1_pre_activation", 1024, NUM_CLASSES),
            ("softmax2", "softmax2_pre_activation", mixed_depth("mixed5b"), NUM_CLASSES)]


def pool_specs():
    """{node name: (op, ksize, stride, padding)} of every pool node of the graph."""
    specs = {"maxpool0": ("MaxPool", 3, 2, "SAME"), "maxpool1": ("MaxPool", 3, 2, "SAME"),
             "maxpool4": ("MaxPool", 3, 2, "SAME"), "maxpool10": ("MaxPool", 3, 2, "SAME"),
             "avgpool0": ("AvgPool",) + AVGPOOL0 + ("VALID",)}
    for mixed, _ in MIXED:
        specs[f"{mixed}_pool"] = ("MaxPool", 3, 1, "SAME")
    for head, _, _, _ in HEADS:
        specs[f"{head}_pool"] = ("AvgPool",) + HEAD_POOL + ("VALID",)
    return specs


def mixed_depth(mixed):
    w = dict(zip(BRANCHES, MIXED_WIDTHS[mixed]))
    return sum(w[b] for b in CONCAT_BRANCHES)


def weight_shapes():
    """{graph Const node name: shape} of every weight the architecture needs."""
    shapes = {}
    for name, k, _, cin, cout in conv_specs():
        shapes[f"{name}_w"] = (k, k, cin, cout)
        shapes[f"{name}_b"] = (cout,)
    for name, _, cin, cout in dense_specs():
        shapes[f"{name}_w"] = (cin, cout)
        shapes[f"{name}_b"] = (cout,)
    return shapes


def layer_depths():
    """{layer name: channels} of every exposed layer, in graph order."""
    depths = {}
    convs = {name: cout for name, _, _, _, cout in conv_specs()}

    def conv(name):
        depths[f"{name}_pre_relu"] = convs[name]
        depths[name] = convs[name]

    conv("conv2d0")
    depths["maxpool0"] = depths["localresponsenorm0"] = 64
    conv("conv2d1")
    conv("conv2d2")
    depths["localresponsenorm1"] = depths["maxpool1"] = 192
    cin = 192
    for mixed, _ in MIXED:
        if mixed in STAGE_POOLS:
            depths[STAGE_POOLS[mixed]] = cin
        for branch in BRANCHES[:5]:
            conv(f"{mixed}_{branch}")
        depths[f"{mixed}_pool"] = cin
        conv(f"{mixed}_pool_reduce")
        depths[f"{mixed}_pre_relu"] = depths[mixed] = cin = mixed_depth(mixed)
    depths["avgpool0"] = cin
    for head, nn, softmax, source in HEADS:
        depths[f"{head}_pool"] = mixed_depth(source)
        conv(f"{head}_bottleneck")
        depths[f"{nn}_pre_relu"] = depths[nn] = 1024
        depths[f"{softmax}_pre_activation"] = depths[softmax] = NUM_CLASSES
    depths["softmax2_pre_activation"] = depths["softmax2"] = NUM_CLASSES
    return depths


CLASSIFIER_LAYERS = ("softmax2_pre_activation", "softmax2", "softmax1_pre_activation", "softmax1",
                     "softmax0_pre_activation", "softmax0")


def lucid_preprocess(images):
    """RGB in [0, 1] -> the graph's value range (-117, 138)."""
    low, high = IMAGE_VALUE_RANGE
    return images * (high - low) + low


class LocalResponseNorm(tf.keras.layers.Layer):
    """tf.nn.local_response_normalization (the graph's LRN op) as a Keras layer."""

    def __init__(self, depth_radius, bias, alpha, beta, **kwargs):
        super().__init__(**kwargs)
        self.depth_radius = int(depth_radius)
        self.bias = float(bias)
        self.alpha = float(alpha)
        self.beta = float(beta)

    def call(self, inputs):
        return tf.nn.local_response_normalization(inputs, depth_radius=self.depth_radius,
                                                  bias=self.bias, alpha=self.alpha, beta=self.beta)

    def get_config(self):
        config = super().get_config()
        config.update(depth_radius=self.depth_radius, bias=self.bias, alpha=self.alpha, beta=self.beta)
        return config


def build_keras_inception_v1(lrn=None, name="inception_v1"):
    """The architecture with fresh (untrained) weights; `lrn` maps localresponsenorm0/1
    to {depth_radius, bias, alpha, beta} (default DEFAULT_LRN)."""
    lrn = lrn or {}
    layers = tf.keras.layers
    inp = tf.keras.Input((None, None, 3), name="image")
    out = {}
    convs = {spec[0]: spec for spec in conv_specs()}
    pools = pool_specs()

    def conv(x, cname):
        _, k, stride, _, cout = convs[cname]
        pre = layers.Conv2D(cout, k, strides=stride, padding="same", name=f"{cname}_pre_relu")(x)
        out[f"{cname}_pre_relu"] = pre
        out[cname] = layers.ReLU(name=cname)(pre)
        return out[cname]

    def pool(x, pname):
        op, k, stride, padding = pools[pname]
        Pool = layers.MaxPool2D if op == "MaxPool" else layers.AveragePooling2D
        out[pname] = Pool(k, stride, padding=padding.lower(), name=pname)(x)
        return out[pname]

    def norm(x, nname):
        params = dict(DEFAULT_LRN, **lrn.get(nname, {}))
        out[nname] = LocalResponseNorm(name=nname, **params)(x)
        return out[nname]

    x = layers.Lambda(lucid_preprocess, name="lucid_preprocess")(inp)
    x = pool(conv(x, "conv2d0"), "maxpool0")
    x = conv(conv(norm(x, "localresponsenorm0"), "conv2d1"), "conv2d2")
    x = pool(norm(x, "localresponsenorm1"), "maxpool1")
    for mixed, _ in MIXED:
        if mixed in STAGE_POOLS:
            x = pool(x, STAGE_POOLS[mixed])
        conv(x, f"{mixed}_1x1")
        conv(conv(x, f"{mixed}_3x3_bottleneck"), f"{mixed}_3x3")
        conv(conv(x, f"{mixed}_5x5_bottleneck"), f"{mixed}_5x5")
        conv(pool(x, f"{mixed}_pool"), f"{mixed}_pool_reduce")
        out[f"{mixed}_pre_relu"] = layers.Concatenate(axis=-1, name=f"{mixed}_pre_relu")(
            [out[f"{mixed}_{b}_pre_relu"] for b in CONCAT_BRANCHES])
        x = out[mixed] = layers.Concatenate(axis=-1, name=mixed)(
            [out[f"{mixed}_{b}"] for b in CONCAT_BRANCHES])
    dense = {keras_name: (gname, cout) for gname, keras_name, _, cout in dense_specs()}

    def matmul(x, keras_name):
        return layers.Dense(dense[keras_name][1], name=keras_name)(x)

    for head, nn, softmax, source in HEADS:
        h = conv(pool(out[source], f"{head}_pool"), f"{head}_bottleneck")
        h = layers.Reshape((HEAD_GRID * HEAD_GRID * 128,), name=f"{head}_bottleneck_reshape")(h)
        out[f"{nn}_pre_relu"] = matmul(h, f"{nn}_pre_relu")
        out[nn] = layers.ReLU(name=nn)(out[f"{nn}_pre_relu"])
        out[f"{softmax}_pre_activation"] = matmul(out[nn], f"{softmax}_pre_activation")
        out[softmax] = layers.Softmax(name=softmax)(out[f"{softmax}_pre_activation"])
    h = layers.Reshape((mixed_depth("mixed5b"),), name="avgpool0_reshape")(pool(x, "avgpool0"))
    out["softmax2_pre_activation"] = matmul(h, "softmax2_pre_activation")
    out["softmax2"] = layers.Softmax(name="softmax2")(out["softmax2_pre_activation"])
    order = layer_depths()
    return tf.keras.Model(inp, {k: out[k] for k in order}, name=name)


# ---------------------------------------------------------------- reading the graph

def read_graph_def(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UserError(f"cannot read InceptionV1 graph {path}: {e.strerror or e}") from None
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except Exception as e:  # google.protobuf.message.DecodeError and friends
        reason = (str(e).splitlines() or [type(e).__name__])[0]
        raise UserError(f"{path} is not a TensorFlow GraphDef (.pb): {reason}") from None
    return graph_def


def _attr_ints(node, key):
    return list(node.attr[key].list.i) if key in node.attr else None


def _attr_str(node, key):
    return node.attr[key].s.decode("ascii", "replace") if key in node.attr else None


def check_graph_ops(graph_def, path="graph"):
    """Check the attributes of the op nodes the graph has against this architecture and
    return the LRN parameters it uses ({node: {depth_radius, bias, alpha, beta}})."""
    nodes = {n.name: n for n in graph_def.node}

    def expect(node, what, got, want):
        if got is not None and got != want:
            raise UserError(f"{path}: node {node.name} has {what} {got}, this InceptionV1 expects {want}")

    for name, _, stride, _, _ in conv_specs():
        node = nodes.get(f"{name}_pre_relu/conv")
        if node is None:
            continue
        expect(node, "op", node.op, "Conv2D")
        expect(node, "strides", _attr_ints(node, "strides"), [1, stride, stride, 1])
        expect(node, "padding", _attr_str(node, "padding"), "SAME")
        expect(node, "data_format", _attr_str(node, "data_format") or None, "NHWC")
    for name, (op, k, stride, padding) in pool_specs().items():
        node = nodes.get(name)
        if node is None:
            continue
        expect(node, "op", node.op, op)
        expect(node, "ksize", _attr_ints(node, "ksize"), [1, k, k, 1])
        expect(node, "strides", _attr_ints(node, "strides"), [1, stride, stride, 1])
        expect(node, "padding", _attr_str(node, "padding"), padding)
    lrn = {}
    for name in ("localresponsenorm0", "localresponsenorm1"):
        node = nodes.get(name)
        if node is None:
            continue
        expect(node, "op", node.op, "LRN")
        params = {}
        if "depth_radius" in node.attr:
            params["depth_radius"] = int(node.attr["depth_radius"].i)
        for key in ("bias", "alpha", "beta"):
            if key in node.attr:
                params[key] = float(node.attr[key].f)
        lrn[name] = params
    return lrn


def read_weights(graph_def, path="graph"):
    """{Const node name: ndarray} of every weight the architecture needs, shape-checked."""
    nodes = {n.name: n for n in graph_def.node}
    weights = {}
    for name, shape in weight_shapes().items():
        node = nodes.get(name)
        if node is None:
            raise UserError(f"{path} has no node {name}: not Lucid's InceptionV1 / inception5h graph")
        if node.op != "Const" or "value" not in node.attr:
            raise UserError(f"{path}: node {name} is a {node.op}, not a Const holding weights")
        try:
            value = tf.make_ndarray(node.attr["value"].tensor)
        except Exception as e:
            raise UserError(f"{path}: cannot read the tensor of node {name}: "
                            f"{(str(e).splitlines() or [type(e).__name__])[0]}") from None
        if tuple(value.shape) != shape:
            raise UserError(f"{path}: node {name} has shape {tuple(value.shape)}, expected {shape}")
        if not np.issubdtype(value.dtype, np.floating):
            raise UserError(f"{path}: node {name} holds {value.dtype}, expected float weights")
        weights[name] = value.astype(np.float32, copy=False)
    return weights


def set_weights(keras_model, weights):
    """Copy graph weights ({node: array}) into the Keras layers."""
    targets = [(f"{name}_pre_relu", name) for name, *_ in conv_specs()]
    targets += [(keras_name, gname) for gname, keras_name, _, _ in dense_specs()]
    for keras_name, gname in targets:
        layer = keras_model.get_layer(keras_name)
        kernel, bias = weights[f"{gname}_w"], weights[f"{gname}_b"]
        expected = tuple(layer.kernel.shape)
        if tuple(kernel.shape) != expected:
            raise UserError(f"node {gname}_w has shape {tuple(kernel.shape)}, expected {expected}")
        layer.set_weights([kernel, bias])


# ---------------------------------------------------------------- download and cache

def resolve_cache_dir(directory=None):
    directory = directory or os.environ.get(CACHE_ENV) or DEFAULT_CACHE
    return os.path.abspath(os.path.expanduser(directory))


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_record(record):
    try:
        with open(record) as f:
            return f.read().split()[0].lower()
    except (OSError, IndexError):
        return None


def _write_record(record, digest):
    try:
        with open(record, "w") as f:
            f.write(f"{digest}  {INCEPTION_V1_FILE}\n")
    except OSError:
        pass  # a read-only cache still works; the pinned constant, if set, still applies


def download(url, dest):
    """Fetch `url` to `dest` through a temporary file in the same directory (atomic);
    returns the sha256 of what was written. Any failure is a one-line UserError."""
    directory = os.path.dirname(dest)
    hint = f"put {os.path.basename(dest)} at {dest} or pass path=/--weights=<InceptionV1.pb>"
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(dest) + ".", suffix=".part", dir=directory)
    except OSError as e:
        raise UserError(f"cannot write to cache directory {directory} ({e.strerror or e}); {hint}") from None
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as resp:
            for chunk in iter(lambda: resp.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
        pinned = INCEPTION_V1_SHA256
        if pinned and digest.hexdigest() != pinned.lower():
            raise UserError(f"download from {url} has sha256 {digest.hexdigest()}, "
                            f"expected {pinned.lower()}; {hint}")
        os.replace(tmp, dest)
    except UserError:
        _remove(tmp)
        raise
    except (OSError, ValueError, http.client.HTTPException) as e:  # URLError, timeouts, bad URLs
        _remove(tmp)
        reason = getattr(e, "reason", None) or e
        reason = (str(reason).splitlines() or [type(e).__name__])[0]
        raise UserError(f"cannot download InceptionV1 weights from {url} ({reason}); {hint}") from None
    except BaseException:
        _remove(tmp)
        raise
    return digest.hexdigest()


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def fetch_inception_v1(cache_dir=None, url=None):
    """Path of the cached InceptionV1.pb, downloaded on first use and checksum-verified."""
    path = os.path.join(resolve_cache_dir(cache_dir), INCEPTION_V1_FILE)
    record = path + ".sha256"
    if not os.path.isfile(path):
        _write_record(record, download(url or INCEPTION_V1_URL, path))
        return path
    digest = sha256_file(path)
    if INCEPTION_V1_SHA256:
        if digest != INCEPTION_V1_SHA256.lower():
            raise UserError(f"{path} has sha256 {digest}, expected {INCEPTION_V1_SHA256.lower()} "
                            "(corrupt or different file; delete it to download again)")
        return path
    recorded = _read_record(record)
    if recorded is None:
        _write_record(record, digest)  # first use of a file put there by hand
    elif digest != recorded:
        raise UserError(f"{path} has sha256 {digest}, but {record} recorded {recorded} "
                        "(file changed or corrupt; delete both to download again)")
    return path


def load_inception_v1(path=None, cache_dir=None, expected_sha256=None):
    """Lucid's InceptionV1 as a FeatureModel, weights from a frozen GraphDef.

    path: InceptionV1.pb / tensorflow_inception_graph.pb; None = the cached download.
    cache_dir: where the download lives (default $LUCID_REPRO_CACHE or ~/.cache/lucid_repro).
    expected_sha256: if given, the file must have this sha256.
    """
    if path is None:
        path = fetch_inception_v1(cache_dir)
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UserError(f"InceptionV1 graph not found: {path}")
    if expected_sha256:
        digest = sha256_file(path)
        if digest != expected_sha256.strip().lower():
            raise UserError(f"{path} has sha256 {digest}, expected {expected_sha256.strip().lower()}")
    graph_def = read_graph_def(path)
    weights = read_weights(graph_def, path)
    lrn = check_graph_ops(graph_def, path)
    del graph_def
    model = build_keras_inception_v1(lrn=lrn)
    set_weights(model, weights)
    return FeatureModel("inception_v1", model, layer_depths(), classifier_layers=CLASSIFIER_LAYERS)
