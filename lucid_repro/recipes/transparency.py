"""Semi-transparent feature visualization (the article's RGBA section).

Lucid's transparency notebook: an RGBA Fourier image (colour-decorrelated RGB in
linear light through a sigmoid, a fourth channel through a sigmoid for alpha) of
320 x 320, composited each step over a fresh random smooth background in linear
space, randomly scaled by one of 0.6 ... 1.1, randomly cropped to 160 x 160 and
gamma-encoded for the network. The loss is
    -obj * (1 - mean alpha of the crop) - 0.5 * obj * (1 - mean alpha of the image),
optimized with Adam at learning rate 0.03 for 1000 steps. Only what the objective
needs stays opaque.

Models of other than 3 input channels (issue 25): C bands + alpha, composited band by
band over a random smooth background of C independent bands. A grayscale image is light
as RGB is (linear, gamma-encoded for the network); the bands of a C > 3 model are taken as
the values the model reads (no gamma: `gamma_for`).
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import alpha as alpha_lib
from lucid_repro.optvis import objectives, param, render

SCALES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)
LEARNING_RATE = 0.03



def gamma_for(model):
    """The gamma of the compositing space: Lucid's 2.2 for RGB and grayscale (light), 1 (the
    model's own values) for other band counts."""
    return alpha_lib.GAMMA if model.channels in (1, 3) else 1.0


def visualize(model, objective, size=320, crop=160, steps=1000, lr=LEARNING_RATE, scales=SCALES,
              seed=0, progress=True, thresholds=None):
    """Optimize an RGBA image; returns (RenderResult, rgba [size, size, 4] with linear RGB;
    [size, size, C + 1] for a model of C input channels)."""
    if size <= 0 or crop <= 0 or steps <= 0 or lr <= 0:
        raise UserError(f"size, crop, steps and lr must be positive, got size={size} crop={crop} "
                        f"steps={steps} lr={lr}")
    if crop > round(size * min(scales)):
        raise UserError(f"crop {crop} is larger than the smallest scaled image "
                        f"({round(size * min(scales))} = {size} x {min(scales)})")
    objective = objectives.as_objective(objective)
    result = render.render(
        model, alpha_lib.alpha_weighted(objective),
        param_f=lambda: param.image(size, fft=True, decorrelate=True, alpha=True, **param.for_model(model)),
        optimizer=render.adam(lr), transforms=alpha_lib.transparency_transforms(crop, scales,
                                                                                gamma=gamma_for(model)),
        thresholds=thresholds or (steps,), seed=seed, progress=progress,
        metrics={"mean_alpha": alpha_lib.mean_alpha()}, description=f"rgba {objective.name}")
    return result, np.asarray(result.images[-1])[0]


def _block_mean(x, k):
    h, w = (x.shape[0] // k) * k, (x.shape[1] // k) * k
    return x[:h, :w].reshape(h // k, k, w // k, k).mean(axis=(1, 3))


def _corr(u, v):
    u, v = np.ravel(u), np.ravel(v)
    return float(np.corrcoef(u, v)[0, 1]) if u.std() > 0 and v.std() > 0 else 0.0


def attribution_correlation(model, objective, rgba, backgrounds=4, block=8, seed=0):
    """Correlation, over the image, between alpha and the objective's attribution.

    The RGBA image (linear RGB) is composited over `backgrounds` random smooth
    backgrounds (as in training), gamma-encoded and fed whole to the model. The
    attribution of a pixel is the gradient x input of the raw objective summed over
    colour channels (signed: positive = evidence for the unit), averaged over the
    backgrounds (one tape.gradient call). Pixel-level gradients are noisy, so the
    headline number correlates block means over `block` x `block` pixels (8 = the
    stride of VGG's conv4 layers); the pixel-level value is returned too."""
    objective = objectives.as_objective(objective)
    rgba = tf.constant(np.asarray(rgba, np.float32)[None])
    h, w = int(rgba.shape[1]), int(rgba.shape[2])
    rng = tf.random.Generator.from_seed(seed)
    bg = alpha_lib.random_background([backgrounds, h, w, int(rgba.shape[-1]) - 1], rng)
    x = alpha_lib.linear_to_gamma(alpha_lib.composite(tf.repeat(rgba, backgrounds, 0), bg), gamma_for(model))
    layers = list(objective.layers)
    with tf.GradientTape() as tape:
        tape.watch(x)
        acts = model.activations(x, layers)
        value = objective(lambda name: x if name == "input" else acts[name])
    grad = tape.gradient(value, x)
    attribution = tf.reduce_mean(tf.reduce_sum(grad * x, -1), 0).numpy()
    a = rgba[0, ..., -1].numpy()
    k = max(1, min(block, h // 2, w // 2))
    return dict(alpha_attribution_corr=_corr(_block_mean(a, k), _block_mean(attribution, k)),
                alpha_attribution_corr_pixel=_corr(a, attribution), block=k, attribution=attribution)
