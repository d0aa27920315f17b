"""Colour decorrelation (Lucid's ImageNet colour-correlation square root) and
mapping to valid RGB; the same for any number of bands (a user's band correlation)."""
import numpy as np
import tensorflow as tf

# Square root (via SVD) of ImageNet's colour correlation matrix, as used by Lucid.
COLOR_CORRELATION_SVD_SQRT = np.asarray(
    [[0.26, 0.09, 0.02],
     [0.27, 0.00, -0.05],
     [0.27, -0.09, 0.03]], dtype=np.float32)
MAX_NORM_SVD_SQRT = np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
COLOR_CORRELATION_NORMALIZED = COLOR_CORRELATION_SVD_SQRT / MAX_NORM_SVD_SQRT
COLOR_MEAN = np.asarray([0.48, 0.46, 0.41], dtype=np.float32)


def decorrelate_colors(t):
    """Map the last axis from the decorrelated colour basis to RGB."""
    return tf.tensordot(t, tf.constant(COLOR_CORRELATION_NORMALIZED.T), axes=[[-1], [0]])


def constrain_l_inf(x):
    """Scale each image so its largest |value| is at most 1 (Lucid's L-inf ball)."""
    peak = tf.reduce_max(tf.abs(x), axis=list(range(1, len(x.shape))), keepdims=True)
    return x / tf.maximum(peak, 1.0)


def to_valid_rgb(t, decorrelate=False, sigmoid=True):
    """Constrain the last axis (RGB) to [0, 1]: optional decorrelation, then
    sigmoid (default) or clipping into the unit L-inf ball."""
    if decorrelate:
        t = decorrelate_colors(t)
        if not sigmoid:
            t = t + COLOR_MEAN
    if sigmoid:
        return tf.nn.sigmoid(t)
    return constrain_l_inf(2.0 * t - 1.0) / 2.0 + 0.5


def band_correlation_sqrt(matrix, channels=None):
    """The normalized square root of a [C, C] band correlation (covariance) matrix, what
    COLOR_CORRELATION_NORMALIZED is for RGB: U sqrt(S) of its SVD (Lucid's
    `color_correlation_svd_sqrt` construction), divided by its largest column norm.
    UserError for a matrix that is not square C x C, finite, symmetric and positive
    semi-definite."""
    from lucid_repro.errors import UserError
    m = np.asarray(matrix, np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or (channels is not None and m.shape[0] != channels):
        want = f"[{channels}, {channels}]" if channels is not None else "[C, C]"
        raise UserError(f"band correlation matrix must have shape {want} (the model's input channels), "
                        f"got {list(m.shape)}")
    if not np.all(np.isfinite(m)):
        raise UserError("band correlation matrix has non-finite values")
    scale = max(np.abs(m).max(), 1e-12)
    if not np.allclose(m, m.T, atol=1e-5 * scale):
        raise UserError("band correlation matrix must be symmetric")
    u, s, _ = np.linalg.svd(m)
    if np.linalg.eigvalsh(m).min() < -1e-5 * scale or s.max() <= 0:
        raise UserError("band correlation matrix must be positive semi-definite and non-zero")
    root = u * np.sqrt(s)[None, :]
    root = root / np.max(np.linalg.norm(root, axis=0))
    return root.astype(np.float32)


def to_valid_bands(t, correlation_sqrt=None, sigmoid=True):
    """Any channel count to [0, 1]: for RGB use `to_valid_rgb`; here each band is a channel,
    optionally mixed by a band correlation's normalized square root ([C, C], from
    `band_correlation_sqrt`: the decorrelated basis -> bands, as for RGB's colours), then
    sigmoid (default) or clipping into the unit L-inf ball (centred at 0.5)."""
    if correlation_sqrt is not None:
        t = tf.tensordot(t, tf.constant(np.asarray(correlation_sqrt, np.float32).T), axes=[[-1], [0]])
        if not sigmoid:
            t = t + 0.5
    if sigmoid:
        return tf.nn.sigmoid(t)
    return constrain_l_inf(2.0 * t - 1.0) / 2.0 + 0.5
