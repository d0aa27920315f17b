"""One compiled step for many units (issue 15): trace counts, per-unit seeds, batches."""
import numpy as np

from lucid_repro.optvis import render, units
from lucid_repro.recipes import feature_vis


def test_sixteen_units_trace_once(vgg19):
    r = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=2, batch=1,
                           saturation_penalty=feature_vis.SATURATION_PENALTY)
    out = r.render_units(range(16))
    assert r.traces == 1 and len(out) == 16
    assert len({o["seed"] for o in out}) == 16
    # a unit rendered through the shared step is the same image as its own feature_vis run
    ref = feature_vis.visualize(vgg19, "conv3_1:5", size=32, steps=2, seed=out[5]["seed"], progress=False)
    np.testing.assert_array_equal(ref.images[-1][0], out[5]["image"])
    # without the penalty, the recorded value is the run's objective
    bare = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=2).render_batch([5])[0]
    ref = feature_vis.visualize(vgg19, "conv3_1:5", size=32, steps=2, seed=bare["seed"], progress=False,
                                saturation_penalty=0)
    np.testing.assert_array_equal(ref.images[-1][0], bare["image"])
    assert abs(-ref.losses[-1] - bare["objective"]) < 1e-4


def test_batches_trace_once_and_are_seeded_by_their_units(vgg19):
    r = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=2, batch=4)
    out = r.render_units(range(8))
    assert r.traces == 1
    # the same batch rendered alone (fresh step, other order of runs) gives the same images
    alone = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=2, batch=4).render_batch([4, 5, 6, 7])
    for a, b in zip(out[4:], alone):
        np.testing.assert_array_equal(a["image"], b["image"])
    # initial values are per unit: item 1 of any batch starts from its unit's own seed
    p = units.batch_param("fft", 32, [11, 22])
    q = units.batch_param("fft", 32, [33, 22])
    np.testing.assert_array_equal(p.trainable_variables[0].numpy()[:, 1], q.trainable_variables[0].numpy()[:, 1])


def test_step_cache_reuse_matches_fresh_render(vgg19):
    from lucid_repro.optvis import param
    cache = render.StepCache()
    obj = units.channels_objective("conv3_1")
    kw = dict(thresholds=(3,), progress=False, cache=cache)
    run = lambda ch, seed: render.render(  # noqa: E731
        vgg19, obj, param_f=lambda: param.image(32), seed=seed,
        step_inputs=lambda i, rng: {units.UNIT_KEY: np.asarray([ch], np.int32)}, **kw)
    run(3, 1)
    b = run(7, 2)
    assert cache.traces == 1
    kw["cache"] = None
    fresh = run(7, 2)
    np.testing.assert_array_equal(b.images[-1], fresh.images[-1])
    np.testing.assert_array_equal(b.losses, fresh.losses)
