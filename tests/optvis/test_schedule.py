"""Issue 29: the coarse-to-fine schedule (optvis/schedule.py)."""
import numpy as np
import pytest

from lucid_repro.errors import UserError
from lucid_repro.optvis import schedule
from lucid_repro.optvis.param import image


@pytest.mark.parametrize("coarse, fine", [(16, 32), (15, 30), (12, 36)])
def test_upsampled_fourier_image_interpolates_the_coarse_one(coarse, fine):
    """The fine image's every (fine/coarse)-th pixel is the coarse image (band-limited
    interpolation), and it is smooth in between (no energy above the coarse band)."""
    small, big = image(coarse, seed=1), image(fine, seed=2)
    schedule.upsample_into(small, big)
    a, b = small().numpy(), big().numpy()
    s = fine // coarse
    assert np.abs(b[:, ::s, ::s] - a).max() < 1e-6
    spectrum = np.abs(np.fft.fft2(b[0] - b[0].mean((0, 1)), axes=(0, 1)))
    high = np.fft.fftfreq(fine)[:, None] ** 2 + np.fft.fftfreq(fine)[None, :] ** 2 > (0.5 / s) ** 2 * 2.01
    assert spectrum[high].max() < 1e-3 * spectrum.max()


def test_coarse_to_fine_renders_a_full_size_image():
    """Two stages through render (no network: an objective on the image), the second
    continuing the first at full size."""
    import tensorflow as tf
    from lucid_repro.optvis import objectives, render
    target = objectives.Objective(lambda T: -tf.reduce_mean((T("input") - 0.8) ** 2), ["input"], [], "to0.8")
    r = schedule.render_scheduled(None, target, lambda s: image(s), 32, 10, schedule="coarse_to_fine",
                                  transforms_for=lambda s: [], optimizer=render.adam(0.05), seed=0,
                                  progress=False)
    assert r.images[-1].shape == (1, 32, 32, 3) and r.steps == 10 and len(r.losses) == 10
    # the switch carries the picture over (no jump back to the start) and the fine stage goes on
    assert r.losses[5] < r.losses[0] and r.losses[-1] < r.losses[5]
    with pytest.raises(UserError, match="schedule"):
        schedule.render_scheduled(None, target, lambda s: image(s), 32, 10, schedule="multiscale")
