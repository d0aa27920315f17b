"""Fast style transfer (issue 27): the transformation network trains through render (the
loss falls), resumes exactly from a checkpoint, saves as a .keras file that reloads in safe
mode and stylizes; a two-style network blends. Tiny sizes and shallow loss layers."""
import signal

import numpy as np
import pytest

from lucid_repro import assets
from lucid_repro.errors import UserError

SIZE, STEPS = 32, 4


@pytest.fixture(scope="module")
def setup(vgg19):
    from lucid_repro.recipes import fast_style as fs
    photos = [assets.load(n, "content", max_side=64) for n in ("zurich", "bridge")]
    styles = [assets.load(n, "styles", max_side=64) for n in ("starry_night", "the_scream")]
    config = fs.style_config(vgg19, style_layers="relu1_1,relu2_1", content_layers="relu2_1")
    return photos, styles, config


def _train(vgg19, setup, **kwargs):
    from lucid_repro.models import transform_net
    from lucid_repro.recipes import fast_style as fs
    photos, styles, config = setup
    net = transform_net.build("conditional_instance", n_styles=2, filters=4, res_blocks=1, seed=0)
    result = fs.train(vgg19, styles, kwargs.pop("content", photos), norm="conditional_instance", size=SIZE,
                      batch_size=2, steps=STEPS, lr=1e-2, config=config, progress=False, net=net, **kwargs)
    return net, result


def _style_losses(vgg19, setup, net):
    from lucid_repro.recipes import fast_style as fs
    photos, styles, config = setup
    crops = [fs.square(p, SIZE) for p in photos]
    losses = fs.perceptual_losses(vgg19, [fs.square(s, SIZE) for s in styles], crops[0], config)
    return [np.mean([l.evaluate(fs.stylize(net, x, np.eye(2)[k]))["style_loss"] for x in crops])
            for k, l in enumerate(losses)]


def test_fast_style_trains_resumes_reloads_and_blends(vgg19, setup, tmp_path):
    from lucid_repro.models import transform_net
    from lucid_repro.optvis import checkpoint
    from lucid_repro.recipes import fast_style as fs
    photos = setup[0]

    # uninterrupted: each style's loss on the photos' centre crops falls
    from lucid_repro.models.transform_net import build
    before = _style_losses(vgg19, setup, build("conditional_instance", n_styles=2, filters=4, res_blocks=1, seed=0))
    net, result = _train(vgg19, setup, seed=3)
    after = _style_losses(vgg19, setup, net)
    assert all(a < 0.7 * b for a, b in zip(after, before)), (before, after)
    assert set(result.metric_history) == {"style", "content"} and len(result.losses) == STEPS
    assert result.previews[-1].shape == (2, SIZE, SIZE, 3)      # the preview, once per style

    # Ctrl-C at step 2 (the loop's signal flag), then --resume: the same weights as uninterrupted
    class InterruptAt2(fs.ContentBatches):
        def __call__(self, step, rng):
            if step == 2 and checkpoint.active() is not None and not checkpoint.active().resume:
                checkpoint.active().signum = signal.SIGINT
            return super().__call__(step, rng)
    folder = str(tmp_path / "ckpt")
    with pytest.raises(checkpoint.Interrupted):
        with checkpoint.session(folder, handle_signals=False):
            _train(vgg19, setup, seed=3, content=InterruptAt2(photos, SIZE, 2))
    with checkpoint.session(folder, resume=True, handle_signals=False):
        resumed, _ = _train(vgg19, setup, seed=3, content=InterruptAt2(photos, SIZE, 2))
    for a, b in zip(net.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

    # .keras in safe mode: the same network; blends; bad inputs are one-line UserErrors
    path = transform_net.save(net, str(tmp_path / "two.keras"))
    loaded = transform_net.load(path)
    assert transform_net.styles_in_file(path) == 2 and transform_net.n_styles(loaded) == 2
    image = photos[0][:30, :42]                       # not a multiple of 4: padded and cropped back
    mix = fs.stylize(loaded, image, [0.3, 0.7])
    assert mix.shape == image.shape and 0 <= mix.min() and mix.max() <= 1
    np.testing.assert_allclose(mix, fs.stylize(net, image, [3, 7]), atol=1e-5)
    a, b = fs.stylize(loaded, image, [1, 0]), fs.stylize(loaded, image, [0, 1])
    assert np.abs(a - b).mean() > 1e-3                # two different styles
    tiled = fs.stylize(loaded, photos[0][:40, :64], [1, 0], tile=24)
    assert tiled.shape == (40, 64, 3) and np.isfinite(tiled).all()
    with pytest.raises(UserError, match="2 style"):
        fs.stylize(loaded, image, [1, 1, 1])
    (tmp_path / "bad.keras").write_bytes(b"not a zip")
    for check in (transform_net.load, transform_net.styles_in_file):   # the script's check, then the load
        with pytest.raises(UserError, match="cannot read"):
            check(str(tmp_path / "bad.keras"))
