"""hub: models — tiny SavedModels written here, loaded through the model zoo."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models import load


class TwoConvs(tf.Module):
    """A 'hub image model': [B, H, W, 3] in [0, 1] -> dict of two conv layers."""

    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(0)
        self.w1 = tf.Variable(rng.normal(0, 0.5, (3, 3, 3, 5)).astype(np.float32))
        self.w2 = tf.Variable(rng.normal(0, 0.5, (3, 3, 5, 7)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
    def __call__(self, images):
        a = tf.nn.conv2d(images, self.w1, 1, "SAME")
        b = tf.nn.conv2d(tf.nn.relu(a), self.w2, 2, "SAME")
        return {"conv_a": a, "conv_b": b}


class SingleOutput(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.full((1, 1, 3, 4), 0.25, np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])
    def __call__(self, images):
        return tf.nn.conv2d(images, self.w, 1, "VALID")


class ServingOnly(tf.Module):
    """No __call__, only a serving_default signature (TF1-Hub / serving style)."""

    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.full((1, 1, 3, 2), 0.5, np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32, name="images")])
    def features(self, images):
        return {"feat": tf.nn.conv2d(images, self.w, 1, "SAME")}


@pytest.fixture(scope="module")
def two_convs(tmp_path_factory):
    module = TwoConvs()
    path = tmp_path_factory.mktemp("hub") / "two_convs"
    tf.saved_model.save(module, str(path))
    return module, path


def test_dict_outputs_are_layers(two_convs):
    module, path = two_convs
    m = load("hub:" + str(path))
    assert m.layer_names == ["conv_a", "conv_b"]
    assert m.layer_depth("conv_a") == 5 and m.layer_depth("conv_b") == 7
    images = np.random.default_rng(1).random((2, 17, 12, 3), dtype=np.float32)
    got = m.activations(tf.constant(images), ["conv_b", "conv_a"])
    want = module(tf.constant(images))
    assert got["conv_a"].shape == (2, 17, 12, 5) and got["conv_b"].shape == (2, 9, 6, 7)
    for k in ("conv_a", "conv_b"):
        np.testing.assert_allclose(got[k].numpy(), want[k].numpy(), rtol=1e-5, atol=1e-5)
    assert not m.has_classifier


def test_gradients_reach_the_image(two_convs):
    _, path = two_convs
    m = load("hub:" + str(path))
    image = tf.Variable(np.full((1, 8, 8, 3), 0.5, np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(m.activations(image, ["conv_b"])["conv_b"][..., 3])
    grad = tape.gradient(loss, image)
    assert grad is not None and float(tf.reduce_max(tf.abs(grad))) > 0


def test_layers_and_input_size(two_convs):
    module, path = two_convs
    m = load("hub:" + str(path), layers=["conv_b"], input_size=16)
    assert m.layer_names == ["conv_b"]
    images = np.random.default_rng(2).random((1, 16, 16, 3), dtype=np.float32)
    np.testing.assert_allclose(m.activations(images, ["conv_b"])["conv_b"].numpy(),
                               module(tf.constant(images))["conv_b"].numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(UserError, match="conv_c"):
        load("hub:" + str(path), layers=["conv_c"])
    with pytest.raises(UserError, match="input_size"):
        load("hub:" + str(path), input_size=(0, 3))


def test_single_tensor_is_output(tmp_path):
    tf.saved_model.save(SingleOutput(), str(tmp_path / "single"))
    m = load("hub:" + str(tmp_path / "single"))
    assert m.layer_names == ["output"] and m.layer_depth("output") == 4
    out = m.activations(np.ones((1, 5, 6, 3), np.float32), ["output"])["output"].numpy()
    np.testing.assert_allclose(out, np.full((1, 5, 6, 4), 0.75), rtol=1e-6)


def test_serving_signature_only(tmp_path):
    module = ServingOnly()
    tf.saved_model.save(module, str(tmp_path / "serving"), signatures={"serving_default": module.features})
    m = load("hub:" + str(tmp_path / "serving"))
    assert m.layer_names == ["feat"] and m.layer_depth("feat") == 2
    out = m.activations(np.ones((1, 4, 4, 3), np.float32), ["feat"])["feat"].numpy()
    np.testing.assert_allclose(out, np.full((1, 4, 4, 2), 1.5), rtol=1e-6)


def test_unreadable_handles(tmp_path):
    for handle in (str(tmp_path / "missing"), str(tmp_path)):  # absent; not a SavedModel
        with pytest.raises(UserError) as e:
            load("hub:" + handle)
        assert "\n" not in str(e.value)
    with pytest.raises(UserError):
        load("hub:")
