import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives as obj

ACTS = {
    "a": tf.constant(np.arange(2 * 3 * 3 * 4, dtype=np.float32).reshape(2, 3, 3, 4)),
    "logits": tf.constant([[1.0, 5.0, 2.0], [3.0, 0.0, 7.0]]),
}
T = ACTS.__getitem__


def test_channel_neuron_deepdream():
    a = ACTS["a"].numpy()
    assert np.isclose(obj.channel("a", 1)(T), a[..., 1].mean())
    assert np.isclose(obj.channel("a", 1, batch=1)(T), a[1, ..., 1].mean())
    assert np.isclose(obj.neuron("a", 2)(T), a[:, 1, 1, 2].mean())
    assert np.isclose(obj.neuron("a", 2, x=0, y=2)(T), a[:, 2, 0, 2].mean())
    assert np.isclose(obj.deepdream("a")(T), (a ** 2).mean())
    vec = np.array([1, 0, -1, 0], np.float32)
    assert np.isclose(obj.direction("a", vec)(T), (a @ vec).mean())
    assert np.isclose(obj.class_logit("logits", 2)(T), 4.5)


def test_algebra():
    c1, c2 = obj.channel("a", 0), obj.channel("a", 3)
    v1, v2 = float(c1(T)), float(c2(T))
    assert np.isclose((c1 + c2)(T), v1 + v2)
    assert np.isclose((c1 - c2)(T), v1 - v2)
    assert np.isclose((2 * c1 - c2 / 4)(T), 2 * v1 - v2 / 4)
    assert np.isclose((c1 * c2)(T), v1 * v2)
    assert np.isclose((c1 / c2)(T), v1 / v2)
    assert np.isclose((-c1 + 3)(T), -v1 + 3)
    assert np.isclose(obj.Objective.sum([c1, c2, c1])(T), 2 * v1 + v2)
    combined = c1 + obj.deepdream("logits")
    assert set(combined.layers) == {"a", "logits"}
    assert ("a", 0) in combined.channels
    with pytest.raises(TypeError):
        c1 + "x"


def test_penalties():
    img = tf.constant(np.random.RandomState(0).rand(1, 8, 8, 3).astype(np.float32))
    Ti = {"input": img}.__getitem__
    assert np.isclose(obj.L1()(Ti), np.abs(img.numpy()).sum(), rtol=1e-5)
    assert np.isclose(obj.L1(constant=0.5)(Ti), np.abs(img.numpy() - 0.5).sum(), rtol=1e-5)
    x = img.numpy()[0]
    tv = np.abs(np.diff(x, axis=0)).sum() + np.abs(np.diff(x, axis=1)).sum()
    assert np.isclose(obj.total_variation()(Ti), tv, rtol=1e-5)
    assert float(obj.blur_input_each_step()(Ti)) > 0
    flat = {"input": tf.fill((1, 8, 8, 3), 0.3)}.__getitem__
    assert abs(float(obj.blur_input_each_step()(flat))) < 1e-8
    assert obj.L1().layers == ()  # "input" is not a model layer


def test_diversity_prefers_different_images():
    same = tf.constant(np.tile(np.random.RandomState(0).rand(1, 4, 4, 3), (2, 1, 1, 1)).astype(np.float32))
    diff = tf.constant((np.random.RandomState(1).rand(2, 4, 4, 3) * [[[[1, 0, 0]]], [[[0, 0, 1]]]]).astype(np.float32))
    d_same = float(obj.diversity("x")({"x": same}.__getitem__))
    d_diff = float(obj.diversity("x")({"x": diff}.__getitem__))
    assert np.isclose(d_same, -1.0, atol=1e-5) and d_diff > d_same


def test_alignment_zero_for_identical_frames():
    frames = tf.constant(np.tile(np.random.RandomState(0).rand(1, 4, 4, 2), (4, 1, 1, 1)).astype(np.float32))
    assert float(obj.alignment("x")({"x": frames}.__getitem__)) == 0.0
    noisy = frames + tf.constant(np.random.RandomState(1).rand(4, 4, 4, 2).astype(np.float32))
    assert float(obj.alignment("x")({"x": noisy}.__getitem__)) > 0


def test_gradients_flow_through_objectives():
    x = tf.Variable(np.random.RandomState(0).rand(1, 4, 4, 4).astype(np.float32))
    for o in (obj.channel("x", 1), obj.neuron("x", 1), obj.deepdream("x"), obj.direction("x", [1, 2, 3, 4])):
        with tf.GradientTape() as tape:
            y = o({"x": x}.__getitem__)
        assert float(tf.reduce_sum(tf.abs(tape.gradient(y, x)))) > 0


def test_as_objective_parsing(vgg19):
    o = obj.as_objective("conv4_2:17")
    assert o.layers == ("conv4_2",) and o.channels == (("conv4_2", 17),)
    assert obj.as_objective("conv4_2").name.startswith("deepdream")
    for bad in ("", "conv4_2:", "conv4_2:x", ":3", "conv4_2:-1", None):
        with pytest.raises(UserError):
            obj.as_objective(bad)
    with pytest.raises(UserError, match="out of range"):
        obj.check_against(obj.as_objective("conv1_1:64"), vgg19)
    with pytest.raises(UserError, match="unknown layer"):
        obj.check_against(obj.as_objective("mixed4a:3"), vgg19)


def test_saturation_penalized():
    logits = np.array([[-3.0, 0.0, 2.0]], np.float32).reshape(1, 1, 1, 3)
    image = tf.constant(1.0 / (1.0 + np.exp(-logits)))
    names = {"a": ACTS["a"], "input": image}
    base = obj.channel("a", 1)
    assert np.isclose(obj.sigmoid_logits()(names.__getitem__), np.mean(logits ** 2), rtol=1e-4)
    assert obj.saturation_penalized(base, 0) is not None
    assert np.isclose(obj.saturation_penalized(base, 0)(names.__getitem__), base(T))
    pen = obj.saturation_penalized(base, 0.1)
    assert set(pen.reads) == {"a", "input"} and pen.channels == base.channels
    value = base(T).numpy()
    assert np.isclose(pen(names.__getitem__), value - 0.1 * abs(value) * np.mean(logits ** 2), rtol=1e-4)
    # |objective| carries no gradient: the unit's own gradient is unchanged
    a = tf.Variable(ACTS["a"])
    with tf.GradientTape() as tape:
        out = pen({"a": a, "input": image}.__getitem__)
    np.testing.assert_allclose(tape.gradient(out, a).numpy(),
                               np.where(np.arange(4) == 1, 1.0 / 18, 0.0) * np.ones((2, 3, 3, 4)), atol=1e-7)
    with pytest.raises(UserError):
        obj.saturation_penalized(base, -1.0)
