import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import style


def test_gram_matrix_normalized_by_positions():
    a = np.random.RandomState(0).rand(2, 3, 4, 5).astype(np.float32)
    g = style.gram_matrix(tf.constant(a)).numpy()
    flat = a[1].reshape(12, 5)
    np.testing.assert_allclose(g[1], flat.T @ flat / 12, rtol=1e-5)
    assert g.shape == (2, 5, 5)


def test_distances():
    a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant([2.0, 2.0, 1.0])
    assert np.isclose(style.distance(a, b, "mean_l1"), 1.0)
    assert np.isclose(style.distance(a, b, "squared"), 5.0 / 3)
    with pytest.raises(UserError):
        style.distance(a, b, "cosine")


def test_moving_average_value_and_gradient():
    avg = style.MovingAverage((2,), decay=0.5, init="first")
    x1 = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = avg(x1 * 1.0)
    np.testing.assert_allclose(y.numpy(), [1.0, 2.0])  # first call: the value itself
    x2 = tf.Variable([3.0, 6.0])
    with tf.GradientTape() as tape:
        y = avg(x2 * 2.0)              # current = [6, 12]
        out = tf.reduce_sum(y * [1.0, 10.0])
    np.testing.assert_allclose(y.numpy(), [0.5 * 1 + 0.5 * 6, 0.5 * 2 + 0.5 * 12])  # forward = average
    np.testing.assert_allclose(tape.gradient(out, x2).numpy(), [2.0, 20.0])  # gradient = un-averaged
    assert style.MovingAverage((1,), 0.0)(tf.constant([4.0])).numpy()[0] == 4.0
    with pytest.raises(UserError):
        style.MovingAverage((1,), 1.5)


def test_style_loss_batch_and_fixed_targets_agree():
    acts = tf.constant(np.random.RandomState(1).rand(2, 4, 4, 3).astype(np.float32))
    T = {"l": acts}.__getitem__
    by_batch = style.StyleLoss(["l"], style_batch=1)(T)
    grams = {"l": style.gram_matrix(acts[1:2])[0].numpy()}
    fixed = style.StyleLoss(["l"], style_grams=grams)(T)
    assert np.isclose(by_batch, fixed) and float(by_batch) > 0
    same = {"l": tf.concat([acts[:1], acts[:1]], 0)}.__getitem__
    assert float(style.StyleLoss(["l"], style_batch=1)(same)) == 0.0
    weighted = style.StyleLoss(["l", "l2"], style_batch=1, layer_weights={"l": 2.0, "l2": 0.0})
    assert np.isclose(weighted({"l": acts, "l2": acts}.__getitem__), 2 * by_batch)


def test_style_loss_with_decay_averages_grams():
    rs = np.random.RandomState(2)
    s = style.StyleLoss(["l"], style_batch=1, decay=0.9, depths={"l": 3}, average_init="first")
    a1 = rs.rand(2, 4, 4, 3).astype(np.float32)
    a2 = a1.copy()
    a2[0] *= 3.0
    s({"l": tf.constant(a1)}.__getitem__)
    l2 = float(s({"l": tf.constant(a2)}.__getitem__))
    plain = float(style.StyleLoss(["l"], style_batch=1)({"l": tf.constant(a2)}.__getitem__))
    g1, g2 = style.gram_matrix(a1[:1]).numpy(), style.gram_matrix(a2[:1]).numpy()
    target = style.gram_matrix(a1[1:2]).numpy()
    expected = np.abs(0.9 * g1 + 0.1 * g2 - target).mean()
    assert np.isclose(l2, expected, rtol=1e-5) and not np.isclose(l2, plain)
    # Lucid's (TF1 EMA, zero start, no debias): 0.9 * (0.1 g1) + 0.1 g2
    z = style.StyleLoss(["l"], style_batch=1, decay=0.9, depths={"l": 3})
    z({"l": tf.constant(a1)}.__getitem__)
    lz = float(z({"l": tf.constant(a2)}.__getitem__))
    assert np.isclose(lz, np.abs(0.09 * g1 + 0.1 * g2 - target).mean(), rtol=1e-5)


def test_content_objective_and_gradient():
    x = tf.Variable(np.random.RandomState(3).rand(1, 4, 4, 2).astype(np.float32))
    target = np.zeros((1, 4, 4, 2), np.float32)
    o = style.content_objective(["l"], content_acts={"l": target})
    with tf.GradientTape() as tape:
        v = o({"l": x}.__getitem__)
    assert np.isclose(-float(v), np.mean(x.numpy() ** 2), rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(v, x).numpy(), -2 * x.numpy() / x.numpy().size, rtol=1e-4)


class _Layers:
    name = "vgg19_avgpool"

    def check_layer(self, layer):
        if layer not in ("a", "b", "c"):
            raise UserError(f"unknown layer {layer!r}")


def test_one_config_for_2d_and_3d():
    presets = {"vgg19": style.StyleConfig(("a", "b"), ("c",), content_weight=3.0, weighting="relative")}
    # the family's preset (vgg19_avgpool is of family vgg19), overrides parsed and checked
    cfg = style.config_for(_Layers(), presets, content_weight=None, style_layers="a, b")
    assert cfg == presets["vgg19"]
    cfg = style.config_for(_Layers(), presets, params=("fft",), style_layers="b", content_weight=0.5)
    assert cfg.style_layers == ("b",) and cfg.content_weight == 0.5 and cfg.weighting == "relative"
    for bad, needle in [(dict(style_layers="z"), "unknown layer"), (dict(tv_weight=-1.0), "tv_weight"),
                        (dict(weighting="l2"), "weighting must be"), (dict(batch_mode="x"), "batch_mode must be"),
                        (dict(param="pixel"), "param must be"), (dict(content_weight=float("nan")), ">= 0")]:
        with pytest.raises(UserError, match=needle):
            style.config_for(_Layers(), presets, params=("fft",), **bad)
    with pytest.raises(UserError, match="no style-transfer preset"):
        style.config_for(_Layers(), {}, style_layers="a")
    assert style.config_for(_Layers(), {}, style_layers="a", content_layers="c").weighting == "none"


def test_relative_weighting_divides_by_the_targets_magnitude():
    # identity "model": activations are the image itself, one layer
    class Identity:
        name = "identity"

        def check_layer(self, layer):
            return layer

        def activations(self, x, layers):
            return {l: x for l in layers}

    rng = np.random.RandomState(0)
    content, style_image = rng.rand(4, 5, 3).astype(np.float32), rng.rand(6, 6, 3).astype(np.float32)
    cfg = style.StyleConfig(("x",), ("x",), content_weight=4.0, weighting="relative", batch_mode="lucid")
    loss = style.StyleContentLoss(Identity(), content, style_image, cfg)
    f = style_image.reshape(-1, 3)
    assert np.isclose(loss.style_layer_weights[0], 1.0 / np.mean(np.abs(f.T @ f / 36)), rtol=1e-5)
    assert np.isclose(loss.content_layer_weights[0], 4.0 / np.mean(content), rtol=1e-5)
    assert loss.weights == {"style/x": loss.style_layer_weights[0], "content/x": loss.content_layer_weights[0]}
