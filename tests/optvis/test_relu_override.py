"""Lucid's ReLU gradient override (optvis.gradients.ReluOverride) in the one loop."""
import numpy as np
import tensorflow as tf

from lucid_repro.models.base import FeatureModel
from lucid_repro.optvis import gradients, objectives, param, render


def _dead_unit_model(bias=-2.0):
    """conv -> ReLU whose unit is dead on any image in [0, 1] at the start (bias -2)."""
    inp = tf.keras.Input((None, None, 3))
    conv = tf.keras.layers.Conv2D(1, 3, padding="same", name="conv",
                                  kernel_initializer=tf.keras.initializers.Constant(0.02),
                                  bias_initializer=tf.keras.initializers.Constant(bias))(inp)
    relu = tf.keras.layers.ReLU(name="relu")(conv)
    return FeatureModel("dead", tf.keras.Model(inp, {"conv": conv, "relu": relu}), {"conv": 1, "relu": 1})


def _run(model, override, steps=18):
    return render.render(model, "relu:0", param_f=lambda: param.image(16), thresholds=(steps,), seed=0,
                         progress=False, transforms=[], relu_override=override,
                         metrics={"pre": objectives.as_objective("conv:0")})


def test_override_revives_a_dead_unit_only_while_active():
    model = _dead_unit_model()
    plain = _run(model, False)
    # a dead ReLU passes no gradient: the image never moves
    assert np.all(plain.losses == 0) and plain.metric_history["pre"][-1] == plain.metric_history["pre"][0]
    over = _run(model, True)
    pre = over.metric_history["pre"]
    assert pre[gradients.RELU_OVERRIDE_STEPS - 1] > pre[0] + 0.01    # pushed up while redirected
    stats = gradients.relu_override(model).stats()
    # one ReLU layer x one item x the first 17 steps, each blocked (the unit stays below 0)
    assert stats["seen"] == gradients.RELU_OVERRIDE_STEPS
    assert 0 < stats["fired"] <= stats["seen"]


def test_override_is_exact_where_gradients_flow():
    """Where no ReLU blocks an item's whole gradient the override never fires and the run is
    bit-identical to the plain one (why the regression references do not change; on VGG19's
    article units: benchmarks/relu_override.py, BUILD_NOTES issue 28)."""
    model = _dead_unit_model(bias=0.5)      # alive on every image in [0, 1]
    runs = [_run(model, o, steps=4) for o in (False, True)]
    np.testing.assert_array_equal(runs[0].images[-1], runs[1].images[-1])
    stats = gradients.relu_override(model).stats()
    assert stats["fired"] == 0 and stats["seen"] == 4
