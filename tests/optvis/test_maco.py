"""MaCo (fixed Fourier magnitude, optimized phase, transparency), the packaged spectrum and
its estimate from a collection, feature accentuation (fft image started at a photo)."""
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.images import load_image
from lucid_repro.optvis import objectives, param, render
from lucid_repro.optvis.param import maco as maco_param
from lucid_repro.recipes import maco


def _pre_sigmoid_spectrum(rgb):
    """|rfft2| of the image before MaCo's colour recorrelation and sigmoid."""
    t = np.log(rgb / (1 - rgb))
    t = t @ np.linalg.inv(param.color.COLOR_CORRELATION_NORMALIZED.T)
    return np.abs(np.fft.rfft2(np.moveaxis(t, -1, 0)))


def test_maco_optimizes_the_phase_only_and_accumulates_transparency():
    spectrum = maco_param.load_spectrum()
    assert spectrum.shape == (3, 128, 65) and spectrum.min() >= 0
    # natural images: power falls with frequency
    assert spectrum[:, 1, 1].mean() > 10 * spectrum[:, 40, 40].mean()
    p = maco_param.maco_image(16, seed=0)
    assert [v.name for v in p.trainable_variables] == ["phase:0"]
    target = objectives.Objective(lambda T: tf.reduce_mean(T("input")[..., 0]), reads=["input"])
    start = p().numpy()[0]
    before = _pre_sigmoid_spectrum(start.astype(np.float64))
    r = render.render(None, target, param_f=p, thresholds=(6,), seed=0, progress=False, transforms=[],
                      optimizer=tf.keras.optimizers.Nadam(1.0))
    assert -r.losses[-1] > -r.losses[0]
    after = _pre_sigmoid_spectrum(r.images[-1][0].astype(np.float64))
    # the magnitude (up to the standardization's scale) stays; the image changed
    # (row and column 0 and the Nyquist column are made Hermitian by irfft2: left out)
    ratio = after[:, 1:, 1:-1] / before[:, 1:, 1:-1]
    assert np.allclose(ratio, np.median(ratio), rtol=5e-2), (ratio.min(), ratio.max())
    assert np.abs(r.images[-1][0] - start).max() > 0.1
    assert p.transparency.numpy().min() >= 0 and p.transparency.numpy().max() > 0


def test_spectrum_estimate_from_a_collection(tmp_path, package_data):
    from lucid_repro.collection import ImageCollection
    c = ImageCollection.from_dir(os.path.join(package_data, "content"))
    s = maco.estimate_spectrum(c, size=16, progress=False)
    assert s.shape == (3, 16, 9) and np.all(np.isfinite(s))
    photos = np.stack([c.load(i, 16) for i in range(len(c))])
    np.testing.assert_allclose(s, maco_param.magnitude_spectrum(photos) / len(c), rtol=1e-5)
    with pytest.raises(UserError, match="must be a non-negative"):
        np.save(tmp_path / "bad.npy", np.ones((2, 4, 3)))
        maco_param.load_spectrum(str(tmp_path / "bad.npy"))


def test_fft_image_from_a_photo_and_accentuation(vgg19, package_data):
    photo = load_image(os.path.join(package_data, "content", "zurich.jpg"), size=(32, 32))
    p = maco_param.fft_image_from(photo)
    np.testing.assert_allclose(p().numpy()[0], np.clip(photo, 1e-3, 1 - 1e-3), atol=1e-5)
    r, before, after, distance = maco.accentuate(vgg19, "conv3_1:5", photo, steps=4, progress=False)
    assert after > before and distance > 0
    np.testing.assert_allclose(r.images[0][0], np.clip(photo, 1e-3, 1 - 1e-3), atol=1e-5)
    # closer with a larger closeness weight
    _, _, _, far = maco.accentuate(vgg19, "conv3_1:5", photo, steps=4, closeness=0.0, progress=False)
    assert far > distance
