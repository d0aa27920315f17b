"""lucid_repro.image_stats on images whose statistics are known."""
import numpy as np

from lucid_repro.image_stats import spectral_slope, stats


def _power_law_noise(n, exponent, seed=0):
    """Grey noise whose power spectrum falls as f^exponent."""
    rng = np.random.default_rng(seed)
    fy, fx = np.meshgrid(np.fft.fftfreq(n), np.fft.fftfreq(n), indexing="ij")
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    spectrum = (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))) * f ** (exponent / 2)
    return np.real(np.fft.ifft2(spectrum))


def test_slope_of_power_law_noise():
    assert abs(spectral_slope(_power_law_noise(128, -2.0)) + 2.0) < 0.25
    assert abs(spectral_slope(_power_law_noise(128, 0.0))) < 0.25


def test_clipped_fraction_and_saturation():
    img = np.zeros((10, 10, 3), np.uint8)
    img[:, :5] = 128                       # half mid-grey, half black
    s = stats(img)
    assert abs(s["clipped"] - 0.5) < 1e-9 and s["saturation"] == 0.0
    red = np.zeros((4, 4, 3), np.float32)
    red[..., 0] = 0.8                      # float input in [0, 1]
    s = stats(red)
    assert abs(s["saturation"] - 1.0) < 1e-9 and abs(s["clipped"] - 2 / 3) < 1e-9
