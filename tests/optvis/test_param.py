import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import param
from lucid_repro.optvis.param import color, spatial


def test_pixel_and_fft_shapes_and_variables():
    p = param.pixel_image((2, 16, 20, 3), seed=0)
    assert p().shape == (2, 16, 20, 3)
    assert len(p.trainable_variables) == 1
    for h, w in ((16, 16), (15, 17), (17, 15)):
        f = param.fft_image((1, h, w, 3), seed=0)
        assert f().shape == (1, h, w, 3)
        assert len(f.trainable_variables) == 1


def test_fft_scaling_matches_definition():
    h, w = 8, 10
    freqs = spatial.rfft2d_freqs(h, w)
    assert freqs.shape == (8, 6)
    f = param.fft_image((1, h, w, 1), seed=0, decay_power=1.0)
    spectrum = f.trainable_variables[0].numpy()
    scale = np.sqrt(w * h) / np.maximum(freqs, 1.0 / max(h, w))
    coeffs = (spectrum[0] + 1j * spectrum[1]) * scale
    expected = np.fft.irfft2(coeffs[0, 0], s=(h, w)) / 4.0
    np.testing.assert_allclose(f()[0, :, :, 0].numpy(), expected, atol=1e-5)


def test_fft_energy_falls_with_frequency():
    # The scaled spectrum makes low frequencies dominate: neighbouring pixels correlate.
    img = param.fft_image((1, 64, 64, 1), sd=1.0, seed=1)()[0, :, :, 0].numpy()
    pix = np.random.RandomState(1).normal(size=(64, 64))
    def neighbour_corr(x):
        return np.corrcoef(x[:, :-1].ravel(), x[:, 1:].ravel())[0, 1]
    assert neighbour_corr(img) > 0.5 > abs(neighbour_corr(pix))


def test_to_valid_rgb_ranges_and_decorrelation():
    t = tf.constant(np.random.RandomState(0).normal(0, 5, size=(1, 8, 8, 3)).astype(np.float32))
    for deco in (False, True):
        for sig in (False, True):
            out = param.to_valid_rgb(t, decorrelate=deco, sigmoid=sig).numpy()
            assert out.min() >= 0.0 and out.max() <= 1.0
    # decorrelation = multiplication by the normalized colour-correlation square root
    x = np.array([[1.0, 0.0, 0.0]], np.float32)
    np.testing.assert_allclose(param.decorrelate_colors(tf.constant(x)).numpy(),
                               x @ color.COLOR_CORRELATION_NORMALIZED.T, atol=1e-6)
    assert np.isclose(np.max(np.linalg.norm(color.COLOR_CORRELATION_NORMALIZED, axis=0)), 1.0)


def test_image_param_gradients_flow():
    for fft in (True, False):
        p = param.image(16, batch=2, fft=fft, seed=0)
        with tf.GradientTape() as tape:
            y = tf.reduce_mean(p()[..., 0])
        (g,) = tape.gradient(y, p.trainable_variables)
        assert float(tf.reduce_sum(tf.abs(g))) > 0
        assert p().shape == (2, 16, 16, 3)
    rgba = param.image(8, alpha=True, seed=0)()
    assert rgba.shape == (1, 8, 8, 4) and float(tf.reduce_min(rgba)) >= 0


def test_image_of_kind():
    # the recipes' --param: fft -> Fourier + decorrelated colours, pixel -> plain pixels
    for kind in ("fft", "pixel"):
        a = param.image_of_kind(kind, 12, 8, seed=0)().numpy()
        b = param.image(12, 8, fft=kind == "fft", decorrelate=kind == "fft", seed=0)().numpy()
        np.testing.assert_array_equal(a, b)
        assert a.shape == (1, 8, 12, 3)
    # box: the pixels themselves, uniform white noise in [0, 1], projected onto [0, 1]
    box = param.image_of_kind("box", 12, 8, seed=0)
    np.testing.assert_array_equal(box().numpy(), np.random.RandomState(0).uniform(0, 1, (1, 8, 12, 3))
                                  .astype(np.float32))
    v = box.trainable_variables[0]
    assert v.constraint is not None
    np.testing.assert_array_equal(v.constraint(tf.constant([-1.0, 0.5, 2.0]) + tf.zeros(v.shape[:-1] + (3,)))
                                  [0, 0, 0].numpy(), [0.0, 0.5, 1.0])
    with pytest.raises(UserError, match="--param"):
        param.image_of_kind("cppn", 8)


def test_bad_sizes():
    with pytest.raises(UserError):
        param.image(-4)
    with pytest.raises(UserError):
        param.pixel_image((1, 0, 4, 3))
