"""Three statistics for judging a visualization against the article's published figures
(issue 16): the radially averaged power-spectrum slope of its grey levels (natural images
about -2, high-frequency noise flatter), the fraction of channel values within 2/255 of
black or white ("clipped"), and the mean HSV saturation. Numpy and Pillow only."""
import numpy as np
from PIL import Image


def spectral_slope(grey):
    """Slope of log power against log spatial frequency (radii 2 .. side/2 - 1)."""
    g = np.asarray(grey, np.float64)
    g = g - g.mean()
    power = np.abs(np.fft.fftshift(np.fft.fft2(g))) ** 2
    h, w = g.shape
    y, x = np.indices((h, w))
    r = np.hypot(y - h / 2, x - w / 2).astype(int)
    radial = np.bincount(r.ravel(), power.ravel()) / np.maximum(np.bincount(r.ravel()), 1)
    k = np.arange(len(radial))
    keep = (k >= 2) & (k <= min(h, w) // 2 - 1)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(k[keep]), np.log(radial[keep] + 1e-12), 1)[0])


def stats(rgb):
    """{'slope', 'clipped', 'saturation'} of an RGB image (uint8 [H, W, 3], or float in [0, 1])."""
    a = np.asarray(rgb)
    if a.dtype != np.uint8:
        a = np.clip(np.round(np.asarray(a, np.float64) * 255.0), 0, 255).astype(np.uint8)
    a = a[..., :3]
    hsv = np.asarray(Image.fromarray(a).convert("HSV"), np.float64)
    return {"slope": spectral_slope(a.astype(np.float64).mean(-1)),
            "clipped": float(((a <= 2) | (a >= 253)).mean()),
            "saturation": float(hsv[..., 1].mean() / 255.0)}


def file_stats(path):
    with Image.open(path) as im:
        return stats(np.asarray(im.convert("RGB")))
