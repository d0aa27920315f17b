"""Aligned feature-visualization interpolation (the article's section 1).

A batch of N frames interpolates between two channels: frame i maximizes
(1 - w_i) * channel_a + w_i * channel_b with w_i = i / (N - 1) (Lucid's
`channel_interpolate`). Optimized independently, the frames put their motifs in
unrelated places. With the shared parameterization (`param.aligned_image`: a
unique Fourier image per frame plus low-resolution tensors shared by all frames,
some also interpolated along the frame axis) and the neighbour alignment penalty
of Lucid's notebook (squared activation differences between frames i and i + d,
d = 1..4, weighted 1 / 5^d), landmarks stay in place from frame to frame.

Everything runs through `render.render`; this module only chooses the objective,
the parameterization and the metrics (`lucid_repro.sections.aligned_interpolation`
writes the strips, GIFs, MP4s and JSON).
"""
import re

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.families import pick
from lucid_repro.optvis import objectives, param, render

# Lucid: `alignment('mixed3b', 5) + alignment('mixed4a', 5)` weighted 1e-1, for an
# interpolation between channels of mixed4a_pre_relu.
ALIGNMENT_WEIGHT = 0.1
ALIGNMENT_WEIGHT_VGG = 0.001
ALIGNMENT_DECAY = 5.0




def parse_unit(spec):
    """'layer:channel' -> (layer, channel)."""
    if not isinstance(spec, str) or ":" not in spec:
        raise UserError(f"expected 'layer:channel', got {spec!r}")
    layer, _, ch = spec.strip().rpartition(":")
    if not layer or not ch.strip().isdigit():
        raise UserError(f"bad unit {spec!r}: expected 'layer:channel' with a non-negative integer channel")
    return layer, int(ch)


def channel_interpolate(layer1, n1, layer2, n2):
    """Lucid's `channel_interpolate`: sum over the batch of (1 - w_i) * mean(layer1[i, ..., n1])
    + w_i * mean(layer2[i, ..., n2]), w_i = i / (batch - 1)."""
    def fn(T):
        a, b = T(layer1)[..., n1], T(layer2)[..., n2]
        batch = a.shape[0]
        total = 0.0
        for i in range(batch):
            w = i / float(batch - 1)
            total += (1.0 - w) * tf.reduce_mean(a[i]) + w * tf.reduce_mean(b[i])
        return total
    return objectives.Objective(fn, [layer1, layer2], [(layer1, n1), (layer2, n2)],
                                f"channel_interpolate({layer1}:{n1} -> {layer2}:{n2})")


def default_alignment_layers(model, layer):
    """Layers for the alignment penalty, mirroring Lucid's choice (mixed3b and mixed4a
    for mixed4a_pre_relu: the previous block's output and the target block's output).
    VGG `conv{b}_{i}` -> relu{b-1}_{last}, relu{b}_{i}; InceptionV1 `mixed4a...` ->
    mixed3b, mixed4a; otherwise the layer itself."""
    names = model.layer_names
    m = re.match(r"^conv(\d+)_(\d+)$", layer)
    if m:
        b, i = int(m.group(1)), int(m.group(2))
        prev = [n for n in names if n.startswith(f"relu{b - 1}_")]
        out = prev[-1:] + ([f"relu{b}_{i}"] if f"relu{b}_{i}" in names else [])
        if out:
            return out
    m = re.match(r"^(mixed\d[a-z])(_.*)?$", layer)
    if m and m.group(1) in names:
        blocks = [n for n in names if re.match(r"^mixed\d[a-z]$", n)]
        idx = blocks.index(m.group(1))
        return blocks[max(0, idx - 1):idx + 1]
    return [layer]


def default_alignment_weight(model):
    """Lucid's 0.1 (InceptionV1); 0.001 for VGG19, whose activations are an order of
    magnitude larger (the penalty grows with their square, the objective linearly):
    0.1 and 0.01 freeze every frame into the same image (BUILD_NOTES "Faithfulness:
    settings per section", aligned interpolation)."""
    return pick({"vgg19": ALIGNMENT_WEIGHT_VGG}, model, ALIGNMENT_WEIGHT)


def interpolation_objective(a, b, alignment=0.0, alignment_layers=(), decay_ratio=ALIGNMENT_DECAY):
    (l1, n1), (l2, n2) = parse_unit(a), parse_unit(b)
    obj = channel_interpolate(l1, n1, l2, n2)
    if alignment:
        penalty = objectives.Objective.sum([objectives.alignment(l, decay_ratio) for l in alignment_layers])
        obj = obj - alignment * penalty
    return obj


def adjacent_similarity(frames):
    """Mean SSIM and mean Pearson pixel correlation between adjacent frames."""
    frames = np.asarray(frames, np.float32)
    t = tf.constant(frames)
    filt = max(3, min(11, frames.shape[1] // 4 * 2 - 1))
    ssim = tf.image.ssim(t[:-1], t[1:], max_val=1.0, filter_size=filt).numpy()
    corr = [np.corrcoef(frames[i].ravel(), frames[i + 1].ravel())[0, 1] for i in range(len(frames) - 1)]
    return dict(ssim=float(np.mean(ssim)), corr=float(np.mean(corr)))


def interpolate(model, a, b, frames=8, size=96, steps=256, shared=True, alignment=None,
                alignment_layers=None, lr=0.05, use_transforms=True, seed=0, progress=True,
                thresholds=None, relu_override=False):
    """Render the interpolation; returns (RenderResult, frames [N, size, size, 3], metrics).

    alignment=None: `default_alignment_weight(model)` with the shared parameterization,
    0 for independent frames (the article's baseline compares parameterizations alone)."""
    if frames < 2:
        raise UserError(f"frames must be at least 2, got {frames}")
    if size <= 0 or steps <= 0 or lr <= 0:
        raise UserError(f"size, steps and lr must be positive, got size={size} steps={steps} lr={lr}")
    (l1, n1), (l2, n2) = parse_unit(a), parse_unit(b)
    for layer, n in ((l1, n1), (l2, n2)):
        model.check_channel(layer, n)
    if alignment is None:
        alignment = default_alignment_weight(model) if shared else 0.0
    if alignment < 0:
        raise UserError(f"alignment weight must be non-negative, got {alignment}")
    layers = list(alignment_layers) if alignment_layers else default_alignment_layers(model, l2)
    for layer in layers:
        model.check_layer(layer)
    obj = interpolation_objective(a, b, alignment, layers)
    result = render.render(model, obj, param_f=lambda: param.aligned_image(size, frames, shared=shared),
                           optimizer=render.adam(lr), transforms=None if use_transforms else [],
                           thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           description=f"{'shared' if shared else 'independent'} {a}->{b}",
                           relu_override=relu_override)
    out = result.images[-1]
    metrics = adjacent_similarity(out)
    metrics.update(shared=bool(shared), alignment=float(alignment),
                   alignment_layers=layers if alignment else [],
                   final_objective=float(-result.losses[-1]), frames=int(frames), size=int(size),
                   steps=int(result.steps))
    return result, out, metrics


def strip(frames, pad=2):
    """Frames side by side on white."""
    from lucid_repro.images import contact_sheet
    return contact_sheet([list(frames)], pad=pad)
