"""L-BFGS in the one render loop (optvis/lbfgs.py): convergence, bounds, exact resume,
the NaN guard, determinism and the compiled-step cache."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import Interrupted, NumericalError
from lucid_repro.optvis import checkpoint, param, render
from lucid_repro.optvis import objectives as obj

SHAPE = (1, 6, 6, 3)
RNG = np.random.RandomState(0)
CURVATURE = np.exp(RNG.uniform(0, np.log(1000), SHAPE)).astype(np.float32)   # condition number 1000
CENTER = RNG.uniform(-1.0, 2.0, SHAPE).astype(np.float32)


def quadratic(T):
    x = T("input")
    return -0.5 * tf.reduce_sum(CURVATURE * (x - CENTER) ** 2)


def _param(init=None, box=False):
    def make():
        value = np.zeros(SHAPE, np.float32) if init is None else init
        if box:
            return param.box_pixel_image(value, 0.0, 1.0)
        var = tf.Variable(value)
        return param.Param(lambda **_: tf.identity(var), [var])
    return make


def _run(optimizer, steps=40, objective=quadratic, param_f=None, **kw):
    return render.render(None, obj.Objective(objective, ["input"]), param_f=param_f or _param(),
                         optimizer=optimizer, transforms=[], thresholds=(steps,), seed=0, progress=False, **kw)


def test_lbfgs_beats_adam_on_an_ill_conditioned_quadratic():
    f0 = -float(quadratic(lambda _: tf.zeros(SHAPE)))
    lb = _run("lbfgs", steps=40)
    assert lb.losses[-1] < 1e-3 * f0
    evaluations = lb.metric_history[render.EVALUATIONS]
    assert len(lb.losses) == 40 and evaluations[-1] < 80        # about one evaluation per iteration
    for lr in (0.01, 0.05, 0.2):
        adam = _run(tf.keras.optimizers.Adam(lr, epsilon=1e-8), steps=40)
        assert adam.losses[-1] > 20 * lb.losses[-1]


def test_bounds_are_respected_and_reach_the_clipped_minimum():
    for kw in ({"optimizer": render.lbfgs(bounds=(0.0, 1.0))},
               {"optimizer": "lbfgs", "param_f": _param(np.full(SHAPE, 0.5, np.float32), box=True)}):
        res = render.render(None, obj.Objective(quadratic, ["input"]), param_f=kw.get("param_f", _param()),
                            optimizer=kw["optimizer"], transforms=[], thresholds=(10, 30, 60), seed=0,
                            progress=False)
        for image in res.images:
            assert image.min() >= 0.0 and image.max() <= 1.0
        # at the bounds exactly where the minimum is clipped, and close to it in value
        clipped = (CENTER < 0) | (CENTER > 1)
        np.testing.assert_array_equal(res.images[-1][clipped], np.clip(CENTER, 0, 1)[clipped])
        f = lambda x: -float(quadratic(lambda _: tf.constant(x)))
        best = f(np.clip(CENTER, 0, 1))
        assert f(res.images[-1]) - best < 1e-3 * (res.losses[0] - best)


def _rosenbrock(T):
    x = T("input")
    a, b = x[..., :-1], x[..., 1:]
    return -tf.reduce_sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)


def _interrupt_at(k):
    def hook(i, loss, metrics):
        if i == k:
            checkpoint.active().signum = 2
        return False
    return hook


def test_resume_is_bit_identical_and_runs_are_deterministic(tmp_path):
    start = np.full(SHAPE, -1.0, np.float32)
    kw = dict(objective=_rosenbrock, steps=30, param_f=_param(start))
    whole = _run("lbfgs", **kw)
    again = _run("lbfgs", **kw)
    np.testing.assert_array_equal(whole.images[-1], again.images[-1])
    np.testing.assert_array_equal(whole.losses, again.losses)
    assert whole.losses[-1] < 1e-3 * whole.losses[0]
    d = str(tmp_path / "ck")
    with pytest.raises(Interrupted):
        with checkpoint.session(d, every_steps=4, handle_signals=False):
            _run("lbfgs", stop_when=_interrupt_at(13), **kw)
    with checkpoint.session(d, resume=True, handle_signals=False):
        resumed = _run("lbfgs", **kw)
    np.testing.assert_array_equal(whole.images[-1], resumed.images[-1])
    np.testing.assert_array_equal(whole.losses, resumed.losses)
    np.testing.assert_array_equal(whole.metric_history[render.EVALUATIONS],
                                  resumed.metric_history[render.EVALUATIONS])


def test_resume_on_vgg19_is_bit_identical(vgg19, tmp_path):
    def run(**kw):
        return render.render(vgg19, "conv3_1:5", param_f=lambda: param.image(32, fft=False, decorrelate=False),
                             optimizer="lbfgs", transforms=[], thresholds=(4, 8), seed=3, progress=False, **kw)
    whole = run()
    assert whole.losses[-1] < whole.losses[0]
    d = str(tmp_path / "ck")
    with pytest.raises(Interrupted):
        with checkpoint.session(d, every_steps=2, handle_signals=False):
            run(stop_when=_interrupt_at(5))
    with checkpoint.session(d, resume=True, handle_signals=False):
        resumed = run()
    for a, b in zip(whole.images, resumed.images):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(whole.losses, resumed.losses)


def test_nan_guard():
    var = tf.Variable(np.full(SHAPE, 0.5, np.float32))
    bad = obj.Objective(lambda T: tf.reduce_mean(T("input")) * tf.constant(np.nan), ["input"])
    with pytest.raises(NumericalError, match="non-finite at step 1"):
        render.render(None, bad, param_f=param.Param(lambda: var * 1.0, [var]), optimizer="lbfgs",
                      transforms=[], thresholds=(3,), seed=0, progress=False)
    np.testing.assert_array_equal(var.numpy(), np.full(SHAPE, 0.5, np.float32))

    # non-finite beyond x = 1.5: the line search backs off and the run stays finite
    def walled(T):
        x = T("input")
        return -tf.reduce_sum((x - 3.0) ** 2) + tf.reduce_sum(tf.math.log(1.5 - x)) * 1e-3
    r = _run("lbfgs", objective=walled, steps=20)
    assert np.all(np.isfinite(r.losses)) and r.images[-1].max() < 1.5 and r.images[-1].min() > 1.4


def test_step_cache_reuse_equals_a_fresh_run():
    cache = render.StepCache()
    objective = obj.Objective(quadratic, ["input"])
    fresh = [render.render(None, objective, param_f=_param(np.full(SHAPE, v, np.float32)), optimizer="lbfgs",
                           transforms=[], thresholds=(15,), seed=0, progress=False) for v in (0.0, 1.0)]
    opt, no_transforms = render.lbfgs(), []
    cached = [render.render(None, objective, param_f=_param(np.full(SHAPE, v, np.float32)), optimizer=opt,
                            transforms=no_transforms, thresholds=(15,), seed=0, progress=False, cache=cache)
              for v in (0.0, 1.0)]
    assert cache.traces == 1
    for a, b in zip(fresh, cached):
        np.testing.assert_array_equal(a.losses, b.losses)


def test_a_flat_start_does_not_stall():
    # a quartic whose gradient is tiny at the start: the first step (1 / |g|_1) is far too
    # short; the line search must grow it (weak Wolfe curvature condition), not keep it
    target = np.abs(CENTER) + 0.5

    def quartic(T):
        x = T("input")
        return -tf.reduce_sum((x * x - target * target) ** 2)
    r = _run("lbfgs", objective=quartic, steps=20, param_f=_param(np.full(SHAPE, 0.01, np.float32)))
    assert r.losses[-1] < 1e-2 * r.losses[0]
