import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives as obj
from lucid_repro.optvis import param, render
from regression import check_regression, regression


def _run(model, seed, steps=6, **kw):
    return render.render(model, "conv3_1:5", param_f=lambda: param.image(32), thresholds=(steps,),
                         seed=seed, progress=False, **kw)


def test_objective_increases(vgg19):
    r = render.render(vgg19, "conv3_1:5", param_f=lambda: param.image(32), thresholds=(0, 20),
                      seed=0, progress=False, transforms=[])
    assert len(r.images) == 2 and r.images[0].shape == (1, 32, 32, 3)
    assert -r.losses[-1] > -r.losses[0] + 1.0
    assert not np.allclose(r.images[0], r.images[1])


def test_determinism(vgg19):
    a, b = _run(vgg19, 7), _run(vgg19, 7)
    np.testing.assert_array_equal(a.images[-1], b.images[-1])
    np.testing.assert_array_equal(a.losses, b.losses)
    c = _run(vgg19, 8)
    assert not np.allclose(a.images[-1], c.images[-1])


@regression
def test_regression_fft_decorrelated(vgg19):
    # 32 px, 6 steps, seed 0, standard transforms. Same machine: bit-identical
    # (test_determinism); tolerance: tests/reference/README.md (spread measured across CPU kernel paths)
    img = _run(vgg19, 0).images[-1]
    check_regression("render_vgg19_conv3_1_5_fft", img)


@regression
def test_regression_pixel(vgg19):
    r = render.render(vgg19, "conv4_2:17", param_f=lambda: param.image(32, fft=False, decorrelate=False),
                      thresholds=(6,), seed=0, progress=False)
    check_regression("render_vgg19_conv4_2_17_pixel", r.images[-1])


def test_metrics_stop_when_and_step_inputs():
    # a model-free objective on the input: pull the image toward a target that
    # changes per step through step_inputs
    target = np.full((1, 4, 4, 3), 0.8, np.float32)
    p = param.Param(None)
    var = tf.Variable(np.zeros((1, 4, 4, 3), np.float32))
    p = param.Param(lambda target: var + 0.0 * target, [var])
    neg_dist = obj.Objective(lambda T: -tf.reduce_sum((T("input") - 0.8) ** 2), ["input"])
    r = render.render(None, neg_dist, param_f=p, transforms=[], thresholds=(500,), progress=False,
                      seed=0, metrics={"dist": -1 * neg_dist},
                      step_inputs=lambda i, rng: {"target": target},
                      stop_when=lambda i, loss, m: m["dist"] < 1e-3)
    assert r.steps < 500 and r.metrics["dist"] < 1e-3
    np.testing.assert_allclose(r.images[-1], target, atol=0.02)


def test_bad_inputs(vgg19):
    with pytest.raises(UserError, match="out of range"):
        render.render(vgg19, "conv3_1:999", thresholds=(1,), progress=False)
    with pytest.raises(UserError, match="unknown layer"):
        render.render(vgg19, "nope:1", thresholds=(1,), progress=False)
    with pytest.raises(UserError):
        render.render(None, "conv3_1:1", thresholds=(1,), progress=False)


def test_objective_reads_transformed_and_step_inputs(vgg19):
    # T("transformed") is what the transforms made of T("input"); T(key) is a step input;
    # an objective reading no layer runs without a sub-model, even with a model given.
    var = tf.Variable(np.zeros((1, 4, 4, 3), np.float32))
    p = param.Param(lambda target: var + 0.0 * target, [var])
    seen = {}

    def fn(T):
        seen.update(input=T("input"), transformed=T("transformed"), target=T("target"))
        return -tf.reduce_sum((T("transformed") - T("target")) ** 2)
    o = obj.Objective(fn, ["transformed", "target"])
    assert o.layers == ("target",) and set(o.reads) == {"transformed", "target"}
    double = [lambda t, rng: 2.0 * t]
    before = len(vgg19._submodels)
    r = render.render(vgg19, o, param_f=p, transforms=double, thresholds=(300,), seed=0,
                      progress=False, step_inputs=lambda i, rng: {"target": np.full((1, 4, 4, 3), 0.6, np.float32)})
    assert len(vgg19._submodels) == before   # no layer read: no sub-model
    assert seen["transformed"].shape == (1, 4, 4, 3) and seen["target"].shape == (1, 4, 4, 3)
    np.testing.assert_allclose(r.images[-1], 0.3, atol=0.01)   # 2 x image -> 0.6
    with pytest.raises(UserError, match="clash"):
        render.render(vgg19, o, param_f=p, thresholds=(1,), progress=False,
                      step_inputs=lambda i, rng: {"conv3_1": np.zeros(1, np.float32), "target": 0.0})
    with pytest.raises(UserError, match="no model"):
        render.render(None, obj.channel("conv3_1", 0) + o, param_f=p, thresholds=(1,), progress=False,
                      step_inputs=lambda i, rng: {"target": np.zeros((1, 4, 4, 3), np.float32)})


def test_param_seeded_from_the_loop_not_the_global_generator():
    # param_f builds with seed=None; the loop seeds it with RandomState(seed) (the same
    # draws as numpy's global generator seeded with `seed`) and leaves the global one alone.
    captured = []

    def param_f():
        p = param.image(8, fft=False, decorrelate=False)
        captured.append(p.trainable_variables[0].numpy().copy())
        return p
    zero = obj.Objective(lambda T: 0.0 * tf.reduce_sum(T("input")), ["input"])
    np.random.seed(123)
    for _ in range(2):
        state = np.random.get_state()
        render.render(None, zero, param_f=param_f, transforms=[], thresholds=(1,), seed=5, progress=False)
        after = np.random.get_state()
        assert state[2] == after[2] and np.array_equal(state[1], after[1])   # global generator untouched
        np.random.rand()   # global draws in between change nothing
    np.testing.assert_array_equal(captured[0], captured[1])
    np.testing.assert_array_equal(captured[0], np.random.RandomState(5).normal(0, 0.01, (1, 8, 8, 3)).astype(np.float32))
    with param.seeded(5):
        np.testing.assert_array_equal(param.image(8, fft=False, decorrelate=False).trainable_variables[0].numpy(),
                                      captured[0])
