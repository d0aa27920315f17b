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
    # without transforms a unit rendered through the shared step is the same image as its
    # own feature_vis run (with them, the atlas draws per item: next test)
    r = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=2, use_transforms=False,
                           saturation_penalty=feature_vis.SATURATION_PENALTY)
    out = r.render_units([3, 5])
    ref = feature_vis.visualize(vgg19, "conv3_1:5", size=32, steps=2, seed=out[1]["seed"], progress=False,
                                use_transforms=False)
    np.testing.assert_array_equal(ref.images[-1][0], out[1]["image"])
    # without the penalty, the recorded value is the run's objective
    bare = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=2, use_transforms=False).render_batch([5])[0]
    ref = feature_vis.visualize(vgg19, "conv3_1:5", size=32, steps=2, seed=bare["seed"], progress=False,
                                saturation_penalty=0, use_transforms=False)
    np.testing.assert_array_equal(ref.images[-1][0], bare["image"])
    assert abs(-ref.losses[-1] - bare["objective"]) < 1e-4


def test_a_units_image_does_not_depend_on_its_batch(vgg19):
    """Unit 5 alone, in a batch of 2 beside unit 9 and in a batch of 4 starts from the same
    values and sees the same transformed image (its seed and its transforms' draws are its
    own), so its objective at the first step agrees to float rounding. Later steps agree
    bit for bit where the batched kernels round as the single ones (this machine's default
    oneDNN kernels); with others (ONEDNN_MAX_CPU_ISA=AVX2) an mb4 conv rounds differently
    from an mb1 one and Adam's sign-like first steps amplify that (0.02 after 6 steps), so
    only the first step is compared."""
    r4 = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=1, batch=4)
    out = r4.render_units(range(8))
    assert r4.traces == 1
    pair = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=1, batch=2).render_batch([9, 5])
    alone = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=1, batch=1).render_batch([5])
    for other in (pair[1], alone[0]):
        assert abs(other["objective"] - out[5]["objective"]) <= 1e-5 * abs(out[5]["objective"])
    # a neighbour's draws would change it: unit 5's objective with unit 4's transforms
    swapped = units.UnitRenderer(vgg19, "conv3_1", size=32, steps=1, batch=1)
    swapped.seeds = lambda channels: r4.seeds([4])    # unit 5's channel, unit 4's seed
    assert abs(swapped.render_batch([5])[0]["objective"] - out[5]["objective"]) > 1e-3 * abs(out[5]["objective"])
    # and the units of a batch differ from one another
    assert np.abs(out[4]["image"] - out[5]["image"]).max() > 0.03
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
