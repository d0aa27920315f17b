"""InceptionV1: layer table, and weights read back from a frozen GraphDef.

The round-trip test builds, with TF1 graph ops, a frozen graph that has the node names
of Lucid's InceptionV1.pb / inception5h (random weights), loads it through
`load_inception_v1(path=...)` and compares the Keras model with the graph run by a
tf.compat.v1.Session. The graph builder below is written from the published node list
and shares no code with the Keras builder, so an error in either shows up as a mismatch.
"""
import hashlib
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models import inception_v1 as iv
from lucid_repro.models import load

LUCID_TABLE = {
    "conv2d0": 64, "conv2d1": 64, "conv2d2": 192, "mixed3a": 256, "mixed3b": 480,
    "mixed4a": 508, "mixed4b": 512, "mixed4c": 512, "mixed4d": 528, "mixed4e": 832,
    "mixed5a": 832, "mixed5b": 1024, "head0_bottleneck": 128, "nn0": 1024,
    "softmax0": 1008, "head1_bottleneck": 128, "nn1": 1024, "softmax1": 1008,
    "softmax2": 1008,
}

# The published channel counts of the inception5h nodes, written out again on purpose:
# block -> (1x1, 3x3_bottleneck, 3x3, 5x5_bottleneck, 5x5, pool_reduce)
REF_BLOCKS = [
    ("mixed3a", 64, 96, 128, 16, 32, 32),
    ("mixed3b", 128, 128, 192, 32, 96, 64),
    ("maxpool4",),
    ("mixed4a", 192, 96, 204, 16, 48, 64),
    ("mixed4b", 160, 112, 224, 24, 64, 64),
    ("mixed4c", 128, 128, 256, 24, 64, 64),
    ("mixed4d", 112, 144, 288, 32, 64, 64),
    ("mixed4e", 256, 160, 320, 32, 128, 128),
    ("maxpool10",),
    ("mixed5a", 256, 160, 320, 48, 128, 128),
    ("mixed5b", 384, 192, 384, 48, 128, 128),
]
REF_LRN = dict(depth_radius=4, bias=1.0, alpha=1e-4 / 9, beta=0.5)


def build_reference_graph(seed=0):
    """A frozen inception5h-shaped GraphDef with random He-scaled weights."""
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        def const(name, shape, fan_in=None):
            if fan_in is None:  # bias: small against activations of order 10..100
                value = rng.normal(0.0, 0.5, size=shape)
            else:
                value = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
            return tf.constant(value.astype(np.float32), name=name)

        def conv(x, name, k, cout, stride=1, bias_name=None):
            cin = int(x.shape[-1])
            w = const(name + "_w", (k, k, cin, cout), k * k * cin)
            b = const(name + "_b", (cout,))
            y = tf.nn.conv2d(x, w, [1, stride, stride, 1], "SAME", name=name + "_pre_relu/conv")
            y = tf.nn.bias_add(y, b, name=bias_name or name + "_pre_relu")
            return tf.nn.relu(y, name=name)

        def maxpool(x, name, stride):
            return tf.nn.max_pool2d(x, 3, stride, "SAME", name=name)

        def fc(x, name, cout, pre_name):
            cin = int(x.shape[-1])
            w = const(name + "_w", (cin, cout), cin)
            b = const(name + "_b", (cout,))
            y = tf.matmul(x, w, name=pre_name + "/matmul")
            return tf.nn.bias_add(y, b, name=pre_name)

        x = tf.compat.v1.placeholder(tf.float32, [None, None, None, 3], name="input")
        x = maxpool(conv(x, "conv2d0", 7, 64, stride=2), "maxpool0", 2)
        x = tf.nn.lrn(x, name="localresponsenorm0", **REF_LRN)
        x = conv(conv(x, "conv2d1", 1, 64), "conv2d2", 3, 192)
        x = maxpool(tf.nn.lrn(x, name="localresponsenorm1", **REF_LRN), "maxpool1", 2)
        taps = {}
        for block in REF_BLOCKS:
            name = block[0]
            if len(block) == 1:
                x = maxpool(x, name, 2)
                continue
            n1, n3r, n3, n5r, n5, npool = block[1:]
            a = conv(x, name + "_1x1", 1, n1)
            b = conv(conv(x, name + "_3x3_bottleneck", 1, n3r), name + "_3x3", 3, n3)
            c = conv(conv(x, name + "_5x5_bottleneck", 1, n5r), name + "_5x5", 5, n5)
            # mimic the real graph's quirk: this one BiasAdd is called "2"
            d = conv(maxpool(x, name + "_pool", 1), name + "_pool_reduce", 1, npool,
                     bias_name="2" if name == "mixed4e" else None)
            x = tf.concat([a, b, c, d], 3, name=name)
            taps[name] = x
        for head, nn, softmax, source in (("head0", "nn0", "softmax0", "mixed4a"),
                                          ("head1", "nn1", "softmax1", "mixed4d")):
            h = tf.nn.avg_pool2d(taps[source], 5, 3, "VALID", name=head + "_pool")
            h = conv(h, head + "_bottleneck", 1, 128)
            h = tf.reshape(h, [-1, 2048], name=head + "_bottleneck/reshape")
            h = tf.nn.relu(fc(h, nn, 1024, nn + "_pre_relu"), name=nn)
            h = tf.reshape(h, [-1, 1024], name=nn + "/reshape")
            tf.nn.softmax(fc(h, softmax, 1008, softmax + "_pre_activation"), name=softmax)
        h = tf.nn.avg_pool2d(x, 7, 1, "VALID", name="avgpool0")
        h = tf.reshape(h, [-1, 1024], name="avgpool0/reshape")
        tf.nn.softmax(fc(h, "softmax2", 1008, "softmax2_pre_activation"), name="softmax2")
    return graph.as_graph_def()


def run_graph(graph_def, images, tensor_names):
    """Run the GraphDef itself on images in [0, 1] (fed in Lucid's value range)."""
    graph = tf.Graph()
    with graph.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    with tf.compat.v1.Session(graph=graph) as sess:
        values = sess.run([n + ":0" for n in tensor_names],
                          {"input:0": images * 255.0 - 117.0})
    return dict(zip(tensor_names, values))


def assert_close(got, want, name, rtol=1e-4):
    """|got - want| <= rtol * max|want| (+ tiny): float32 sums over thousands of terms
    in a different order differ by ~1e-6 relative to the activation scale, so 1e-4 of
    the layer's scale is tight enough to catch any wrong weight, stride or padding."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    assert np.all(np.isfinite(want)), name
    scale = float(np.abs(want).max())
    err = float(np.abs(got - want).max())
    assert err <= rtol * scale + 1e-6, f"{name}: max err {err:.3g} vs scale {scale:.3g}"


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory):
    graph_def = build_reference_graph()
    path = tmp_path_factory.mktemp("inception") / "InceptionV1.pb"
    path.write_bytes(graph_def.SerializeToString())
    return path


@pytest.fixture(scope="module")
def graph_def(graph_file):
    gd = tf.compat.v1.GraphDef()
    gd.ParseFromString(graph_file.read_bytes())
    return gd


@pytest.fixture(scope="module")
def model(graph_file):
    return iv.load_inception_v1(path=graph_file)


def write_variant(tmp_path, graph_def, edit):
    gd = tf.compat.v1.GraphDef()
    gd.CopyFrom(graph_def)
    edit(gd)
    path = tmp_path / "variant.pb"
    path.write_bytes(gd.SerializeToString())
    return path


def node(gd, name):
    return next(n for n in gd.node if n.name == name)


# ------------------------------------------------------------------ layer table

def test_depths_match_lucid_table():
    depths = iv.layer_depths()
    for name, depth in LUCID_TABLE.items():
        assert depths[name] == depth, name
    assert dict(iv.LUCID_LAYERS) == LUCID_TABLE


def test_branch_depths_sum_to_mixed_depth():
    depths = iv.layer_depths()
    mixed = [n for n in LUCID_TABLE if n.startswith("mixed")]
    assert len(mixed) == 9
    for name in mixed:
        total = sum(depths[f"{name}_{b}"] for b in ("1x1", "3x3", "5x5", "pool_reduce"))
        assert total == depths[name] == depths[name + "_pre_relu"], name
        for b in ("1x1", "3x3_bottleneck", "3x3", "5x5_bottleneck", "5x5", "pool_reduce"):
            assert depths[f"{name}_{b}_pre_relu"] == depths[f"{name}_{b}"]


def test_feature_model_interface(model):
    assert model.name == "inception_v1"
    assert model.classifier_layers[:2] == ("softmax2_pre_activation", "softmax2")
    for name, tensor in model.keras_model.output.items():
        assert tensor.shape[-1] == model.layer_depth(name), name
    with pytest.raises(UserError):
        model.check_layer("mixed9z")
    with pytest.raises(UserError):
        model.check_channel("mixed4a", 508)


# ------------------------------------------------------------------ round trip

def test_conv_layers_match_graph_at_small_odd_size(model, graph_def):
    images = np.random.default_rng(1).random((2, 75, 96, 3), dtype=np.float32)
    want = run_graph(graph_def, images, [
        "conv2d0_pre_relu", "localresponsenorm0", "conv2d2", "mixed3a_5x5", "mixed3b",
        "mixed4d", "mixed4e_pool_reduce",
        "mixed5b_1x1_pre_relu", "mixed5b_3x3_pre_relu", "mixed5b_5x5_pre_relu",
        "2", "mixed5b_pool_reduce_pre_relu", "mixed5b"])
    layers = ["conv2d0_pre_relu", "localresponsenorm0", "conv2d2", "mixed3a_5x5", "mixed3b",
              "mixed4d", "mixed4e_pool_reduce", "mixed4e_pool_reduce_pre_relu",
              "mixed5b_pre_relu", "mixed5b"]
    got = {k: v.numpy() for k, v in model.activations(tf.constant(images), layers).items()}
    assert got["mixed5b"].shape == (2, 3, 3, 1024)
    for name in ["conv2d0_pre_relu", "localresponsenorm0", "conv2d2", "mixed3a_5x5",
                 "mixed3b", "mixed4d", "mixed4e_pool_reduce", "mixed5b"]:
        assert_close(got[name], want[name], name)
    assert_close(got["mixed4e_pool_reduce_pre_relu"], want["2"], "mixed4e_pool_reduce_pre_relu")
    pre = np.concatenate([want[f"mixed5b_{b}_pre_relu"] for b in ("1x1", "3x3", "5x5", "pool_reduce")], -1)
    assert_close(got["mixed5b_pre_relu"], pre, "mixed5b_pre_relu")
    assert float(np.mean(pre < 0)) > 0.1  # pre-ReLU values really are pre-ReLU


def test_heads_match_graph_at_224(model, graph_def):
    images = np.random.default_rng(2).random((1, 224, 224, 3), dtype=np.float32)
    names = ["mixed4a", "head0_bottleneck", "nn0", "softmax0_pre_activation", "softmax0",
             "nn1_pre_relu", "softmax1", "softmax2_pre_activation", "softmax2"]
    want = run_graph(graph_def, images, names)
    got = model.activations(tf.constant(images), names)
    for name in names:
        assert_close(got[name].numpy(), want[name], name)
    assert np.allclose(got["softmax2"].numpy().sum(-1), 1.0, atol=1e-5)


def test_gradients_flow_to_the_image(model):
    image = tf.Variable(np.full((1, 64, 64, 3), 0.5, np.float32))
    with tf.GradientTape() as tape:
        act = model.activations(image, ["mixed4c"])["mixed4c"]
        loss = tf.reduce_mean(act[..., 7])
    grad = tape.gradient(loss, image)
    assert grad is not None and float(tf.reduce_max(tf.abs(grad))) > 0


def test_lrn_parameters_come_from_the_graph(tmp_path, graph_def):
    def edit(gd):
        node(gd, "localresponsenorm1").attr["alpha"].f = 3e-4
    m = iv.load_inception_v1(path=write_variant(tmp_path, graph_def, edit))
    lrn1 = m.keras_model.get_layer("localresponsenorm1")
    assert lrn1.alpha == pytest.approx(3e-4) and lrn1.depth_radius == REF_LRN["depth_radius"]
    assert m.keras_model.get_layer("localresponsenorm0").alpha == pytest.approx(REF_LRN["alpha"])


def test_load_through_model_zoo(graph_file):
    m = load("inception_v1", path=str(graph_file))
    assert m.layer_depth("mixed4d") == 528


# ------------------------------------------------------------------ bad files

def test_missing_node_is_named(tmp_path, graph_def):
    def edit(gd):
        keep = [n for n in gd.node if n.name != "mixed4a_3x3_w"]
        del gd.node[:]
        gd.node.extend(keep)
    with pytest.raises(UserError, match="mixed4a_3x3_w") as e:
        iv.load_inception_v1(path=write_variant(tmp_path, graph_def, edit))
    assert "\n" not in str(e.value)


def test_wrong_shape_is_named(tmp_path, graph_def):
    def edit(gd):
        value = np.zeros((3, 3, 96, 200), np.float32)
        node(gd, "mixed4a_3x3_w").attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))
    with pytest.raises(UserError, match=r"mixed4a_3x3_w.*\(3, 3, 96, 200\).*\(3, 3, 96, 204\)") as e:
        iv.load_inception_v1(path=write_variant(tmp_path, graph_def, edit))
    assert "\n" not in str(e.value)


def test_wrong_pool_attribute_is_named(tmp_path, graph_def):
    def edit(gd):
        node(gd, "head0_pool").attr["strides"].list.i[:] = [1, 2, 2, 1]
    with pytest.raises(UserError, match="head0_pool.*strides"):
        iv.load_inception_v1(path=write_variant(tmp_path, graph_def, edit))


def test_corrupt_file(tmp_path):
    path = tmp_path / "junk.pb"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(UserError) as e:
        iv.load_inception_v1(path=path)
    assert "\n" not in str(e.value)
    with pytest.raises(UserError, match="not found"):
        iv.load_inception_v1(path=tmp_path / "absent.pb")


def test_expected_sha256_mismatch(graph_file):
    with pytest.raises(UserError, match="sha256"):
        iv.load_inception_v1(path=graph_file, expected_sha256="0" * 64)


# ------------------------------------------------------------------ download and cache

def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_download_records_checksum_then_verifies(tmp_path, graph_file, monkeypatch):
    # a file:// URL runs the real download code without any network
    monkeypatch.setattr(iv, "INCEPTION_V1_URL", graph_file.as_uri())
    cache = tmp_path / "cache"
    path = iv.fetch_inception_v1(cache_dir=str(cache))
    assert path == str(cache / "InceptionV1.pb")
    digest = sha256(graph_file)
    assert sha256(path) == digest
    assert open(path + ".sha256").read().split()[0] == digest
    assert sorted(os.listdir(cache)) == ["InceptionV1.pb", "InceptionV1.pb.sha256"]  # no temp left
    assert iv.fetch_inception_v1(cache_dir=str(cache)) == path  # verified against the record

    with open(path, "r+b") as f:  # corrupt the cached file
        f.seek(100)
        f.write(b"\x00\x01\x02")
    with pytest.raises(UserError, match="sha256"):
        iv.fetch_inception_v1(cache_dir=str(cache))


def test_pinned_checksum(tmp_path, graph_file, monkeypatch):
    monkeypatch.setattr(iv, "INCEPTION_V1_URL", graph_file.as_uri())
    monkeypatch.setattr(iv, "INCEPTION_V1_SHA256", "ab" * 32)
    cache = tmp_path / "cache"
    with pytest.raises(UserError, match="sha256"):  # download refused, nothing kept
        iv.fetch_inception_v1(cache_dir=str(cache))
    assert os.listdir(cache) == []
    monkeypatch.setattr(iv, "INCEPTION_V1_SHA256", sha256(graph_file))
    assert os.path.isfile(iv.fetch_inception_v1(cache_dir=str(cache)))
    monkeypatch.setattr(iv, "INCEPTION_V1_SHA256", "cd" * 32)  # cached file checked too
    with pytest.raises(UserError, match="sha256"):
        iv.fetch_inception_v1(cache_dir=str(cache))


def test_offline_without_cache_names_the_cache_path(tmp_path, monkeypatch):
    monkeypatch.setattr(iv, "INCEPTION_V1_URL", "http://127.0.0.1:9/InceptionV1.pb")
    monkeypatch.setenv("LUCID_REPRO_CACHE", str(tmp_path / "envcache"))
    expected = str(tmp_path / "envcache" / "InceptionV1.pb")
    with pytest.raises(UserError) as e:
        iv.load_inception_v1()
    message = str(e.value)
    assert expected in message and "--weights" in message and "\n" not in message
    assert os.listdir(tmp_path / "envcache") == []  # temp file cleaned up
