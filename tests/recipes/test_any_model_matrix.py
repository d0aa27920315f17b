"""Issue 25, point 6: every technique that applies runs on each model of the matrix
(tests/any_models.py: a 28 px grayscale CNN, a 4-band CNN, a 32 px CIFAR-like CNN, a tiny
ViT, a model of two inputs) at a tiny size and a few steps, in process. Each asserts finite
images of the model's size and channels and, for the optimizing ones, that the objective
moved."""
import numpy as np
import pytest

STEPS = 2


def _moved(losses):
    losses = np.asarray(losses, np.float64)
    assert np.all(np.isfinite(losses)) and losses[-1] != losses[0], losses


def _image_ok(image, hw, channels):
    image = np.asarray(image)
    assert image.shape == (*hw, channels), (image.shape, hw, channels)
    assert np.all(np.isfinite(image)) and image.min() >= 0 and image.max() <= 1


@pytest.mark.parametrize("name", ["gray28", "bands4", "cifar32", "vit", "two_inputs"])
def test_every_technique_runs_on_each_model(any_models, name):
    from lucid_repro.optvis import units
    from lucid_repro.recipes import (class_vis, cppn, deepdream, feature_inversion, feature_vis, occlusion, saliency,
                                     style_transfer, texture_synthesis, transparency)
    fm, layer = any_models[name]
    c = fm.channels
    size = (fm.fixed_input_size() or (16, 16))[0]
    hw = (size, size)
    rng = np.random.RandomState(0)
    photo = rng.uniform(size=(size, size, 3 if c == 1 else c)).astype(np.float32)   # gray: an RGB photo
    image = style_transfer.to_channels(photo, c)
    from lucid_repro.optvis import attribution
    unit = f"{layer}:{attribution.most_active_channel(fm, image, layer)}"   # random weights: a live channel

    r = feature_vis.visualize(fm, unit, size=size, steps=STEPS, progress=False)
    _image_ok(r.images[-1][0], hw, c)
    _moved(r.losses)
    r = class_vis.visualize(fm, class_vis.attribution.class_score(fm, 1), "yosinski", size=size, steps=STEPS,
                            progress=False)
    _image_ok(r.images[-1][0], hw, c)
    _moved(r.losses)
    octaves = 1 if fm.fixed_input_size() else 2       # octaves resize the image: free-size models only
    dreamed = deepdream.dream(fm, image, layer=layer, octaves=octaves, steps=2, progress=False)
    _image_ok(dreamed, hw, c)
    assert np.abs(dreamed - image).max() > 0
    s = saliency.compute(fm, image, class_index=1)
    assert s.map.shape == hw and np.all(np.isfinite(s.map)) and s.overlay.shape == (*hw, 3)
    o = occlusion.occlude(fm, image, patch=size // 2, stride=size // 2, class_index=1)
    assert o.grid.shape == (2, 2) and np.all(np.isfinite(o.map)) and 0 <= o.base <= 1
    inv = feature_inversion.invert(fm, image, [layer], steps=STEPS, param_kind="fft", progress=False)
    _image_ok(inv.image, hw, c)
    _moved(inv.losses)
    tex = texture_synthesis.synthesize(fm, photo, [layer], size=size, steps=STEPS, param_kind="fft", progress=False)
    _image_ok(tex.image, hw, c)
    _moved(tex.losses)
    config = style_transfer.style_config(fm, style_layers=layer, content_layers=layer, batch_mode="lucid")
    st = style_transfer.transfer(fm, photo, photo, config, "fft", steps=STEPS, progress=False)
    _image_ok(st.image, hw, c)
    _moved(st.losses)
    result, p = cppn.train(fm, layer, size=size, steps=STEPS, every=STEPS, progress=False, num_layers=2,
                           num_hidden_channels=8)
    _image_ok(cppn.image_at(p, 2 * size), (2 * size, 2 * size), c)
    _moved(result.losses)
    out = units.UnitRenderer(fm, layer, size=size, steps=STEPS, batch=2).render_batch([0, 1])
    for o in out:
        _image_ok(o["image"], hw, c)
        assert np.isfinite(o["objective"])
    result, rgba = transparency.visualize(fm, layer, size=2 * size, crop=size, steps=STEPS, progress=False)
    _image_ok(rgba, (2 * size, 2 * size), c + 1)
    _moved(result.losses)
