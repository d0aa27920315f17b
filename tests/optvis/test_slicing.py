"""Issue 29: a channel objective computes only the channels it reads (a sliced kernel), with
the value and gradient of the full layer to float rounding."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.models.base import FeatureModel
from lucid_repro.optvis import objectives, slicing, units

U32 = 2.0 ** -24    # float32's unit roundoff


def _float64(model):
    """The same VGG19 computing in float64: the exact reference of the float32 one."""
    from lucid_repro.models.vgg import build_keras_vgg19
    tf.keras.mixed_precision.set_global_policy("float64")
    try:
        km = build_keras_vgg19()
    finally:
        tf.keras.mixed_precision.set_global_policy("float32")
    for a, b in zip(model.keras_model.layers, km.layers):
        if a.weights:
            b.set_weights([w.astype(np.float64) for w in a.get_weights()])
    return FeatureModel(model.name, km, {n: model.layer_depth(n) for n in model.layer_names})


def _value_and_gradient(model, objective, image, inputs, slice_channels, dtype=tf.float32):
    inputs = {k: tf.constant(v) for k, v in inputs.items()}
    layers = objectives.model_layers(objective, tuple(inputs))
    sliced = slicing.plan(model, [objective], layers, tuple(inputs)) if slice_channels else {}
    sub = model.submodel([l for l in layers if l not in sliced], cut=tuple(sliced))
    x = tf.constant(image, dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        acts = sub(x)
        value = objective(slicing.Reads({"input": x, "transformed": x, **inputs}, acts, model, sliced))
    return float(value), tape.gradient(value, x).numpy().astype(np.float64), sliced, sub


@pytest.fixture(scope="module")
def vgg19_float64(vgg19):
    return _float64(vgg19)


@pytest.mark.parametrize("case", ["channels", "atlas"])
def test_sliced_layer_equals_full_layer(vgg19, vgg19_float64, case):
    rng = np.random.default_rng(29)
    if case == "channels":     # two channel reads of one pre-ReLU conv layer + a pixel penalty
        image = rng.uniform(0, 1, (1, 32, 32, 3))
        layer = "conv2_2"
        objective = objectives.channel(layer, 7) + 0.5 * objectives.neuron(layer, 100) \
            - 1e-3 * objectives.L1("input", 0.5)
        inputs = {}
        assert objective.channel_reads == {layer: (7, 100)}
    else:                      # the atlas: one channel per batch item, after ReLU and pooling
        image = rng.uniform(0, 1, (2, 32, 32, 3))
        layer = "pool2"
        objective = units.channels_objective(layer, saturation_penalty=0.05)
        inputs = {units.UNIT_KEY: np.asarray([5, 100], np.int32)}
    v_sliced, g_sliced, sliced, sub = _value_and_gradient(vgg19, objective, image, inputs, True)
    v_full, g_full, none, _ = _value_and_gradient(vgg19, objective, image, inputs, False)
    v_exact, g_exact, _, _ = _value_and_gradient(vgg19_float64, objective, image, inputs, False, tf.float64)
    assert layer in sliced and not none                      # the step really skips the full layer
    assert layer not in sub.output
    # Tolerance from the computation's own sensitivity: the full float32 computation's error
    # against the same network in float64 (4x it), never below float32's rounding of the
    # value itself. Sliced and full differ only in the order of the last conv's sums.
    tol_v = 4 * max(abs(v_full - v_exact), 64 * U32 * abs(v_exact))
    assert abs(v_sliced - v_full) <= tol_v, (v_sliced, v_full, v_exact)
    err_full = np.linalg.norm(g_full - g_exact)
    assert err_full > 0                                       # float32 really rounds
    assert np.linalg.norm(g_sliced - g_full) <= 4 * err_full, (np.linalg.norm(g_sliced - g_full), err_full)
    assert np.linalg.norm(g_full) > 100 * err_full            # a gradient, not rounding noise


def test_whole_layer_reads_are_not_sliced(vgg19):
    """DeepDream reads the whole layer; a sum with it reads the layer whole too."""
    dream = objectives.deepdream("conv3_2")
    assert dream.channel_reads == {}
    both = objectives.channel("conv3_2", 3) + dream
    assert both.channel_reads == {}
    assert slicing.plan(vgg19, [both], ["conv3_2"]) == {}
    # a layer that is not a conv's output through channel-wise layers is not sliced
    assert vgg19.channel_slice("conv3_2") is not None and vgg19.channel_slice("pool3") is not None


def test_a_users_keras_model_is_sliced_in_its_own_graph():
    # a user's model inside its FeatureModel wrapper: its layers are called in two graphs,
    # and the slice must take the conv's input in the wrapper's (not `layer.input`)
    from lucid_repro import models
    tf.random.set_seed(0)
    x = tf.keras.Input((None, None, 3))
    h = tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="c1")(x)
    h = tf.keras.layers.Conv2D(6, 3, padding="same", name="c2")(h)
    h = tf.keras.layers.ReLU(name="r2")(h)
    model = models.from_keras(tf.keras.Model(x, h), name="tiny")
    objective = objectives.channel("r2", 4)
    image = np.random.default_rng(1).uniform(0, 1, (1, 16, 16, 3))
    v_sliced, g_sliced, sliced, _ = _value_and_gradient(model, objective, image, {}, True)
    v_full, g_full, _, _ = _value_and_gradient(model, objective, image, {}, False)
    assert sliced == {"r2": (4,)}
    assert v_sliced == pytest.approx(v_full, rel=1e-5)
    np.testing.assert_allclose(g_sliced, g_full, rtol=1e-4, atol=1e-6 * np.abs(g_full).max())
