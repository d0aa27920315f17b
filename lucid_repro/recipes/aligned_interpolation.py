"""Aligned feature-visualization interpolation (the article's section 1).

A batch of N frames interpolates between two channels: frame i maximizes
(1 - w_i) * channel_a + w_i * channel_b with w_i = i / (N - 1) (Lucid's
`channel_interpolate`). Optimized independently, the frames put their motifs in
unrelated places. With the shared parameterization (`param.aligned_image`: a
unique Fourier image per frame plus low-resolution tensors shared by all frames,
some also interpolated along the frame axis) and the neighbour alignment penalty
of Lucid's notebook (squared activation differences between frames i and i + d,
d = 1..4, weighted 1 / 5^d), landmarks stay in place from frame to frame.

Everything runs through `render.render`; the computation only chooses the objective,
the parameterization and the metrics (`save_outputs`, in the `make demo` part at the
bottom, writes the strips, GIFs, MP4s and JSON).
"""
import os
import re

import numpy as np
import tensorflow as tf

from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.models.families import pick
from lucid_repro.optvis import objectives, param, render


def numbers(out):
    rows = []
    for kind in ("independent", "shared"):
        m = read_json(out, f"aligned_interpolation/aligned_interpolation_{kind}.json")
        rows.append((f"adjacent-frame SSIM / pixel correlation, {kind} frames",
                     f"{fmt(dig(m, 'ssim'))} / {fmt(dig(m, 'corr'))}",
                     "none given (figure: shared frames keep features in place)"))
    return rows


_UNITS = {"from": "conv5_1:15", "to": "conv5_1:34"}     # a dog face -> eyes (docs/units_conv5_1.png)

SECTION = Section(
    name="aligned_interpolation", part="article", order=10,
    title="Aligned interpolation (shared parameterization)",
    claim="Giving the frames of an interpolation between two neurons a shared low-resolution "
          "parameterization keeps each feature in the same place from frame to frame, where "
          "independently optimized frames put it anywhere.",
    settings={
        "library": dict(frames=8, size=64, steps=256, lr=0.05, shared=True, no_transforms=False,
                        alignment=None, alignment_layers=[], relu_override=False, **_UNITS),
        "demo": dict(frames=6, size=64, steps=128, **_UNITS),
        "quick": dict(frames=3, size=32, steps=4, **_UNITS),
        "article": dict(frames=6, size=128, steps=1024, lr=0.05, shared=True, no_transforms=False,
                        alignment=0.001, alignment_layers=[], relu_override=True, **_UNITS,
                        by_model={"inception_v1": {"from": "mixed4a_pre_relu:476", "to": "mixed4a_pre_relu:460",
                                                   "alignment": 0.1, "alignment_layers": ["mixed3b", "mixed4a"]}}),
    },
    sources={
        "library": "ours: small frames for a CPU; alignment default per model (recipe)",
        "demo": "ours: make demo's budget",
        "quick": "ours: smoke tests",
        "article": "Lucid aligned_interpolation.ipynb: 6 frames of 128 px, 1024 steps (the run with "
                   "alignment), Adam 0.05, standard transforms, shared parameterization, alignment 0.1 on "
                   "mixed3b + mixed4a for mixed4a_pre_relu 476 -> 460 (VGG19 stand-in: conv5_1 15 -> 34, 0.001); render_vis's relu_gradient_override=True",
    },
    figures=(("aligned_interpolation/aligned_interpolation.png", "rows: independent frames, shared frames"),
             ("aligned_interpolation/aligned_interpolation_independent.gif", "independent (animation)"),
             ("aligned_interpolation/aligned_interpolation_shared.gif", "shared (animation)")),
    numbers=numbers,
    describe="VGG19, {from} → {to} (object-like conv5_1 units), {frames} frames × {size} px, {steps} steps "
             "(Lucid: 128 px, 512)",
    expected_seconds=107,
)


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


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def save_outputs(frames, output, metrics=None, fps=4):
    """Write the strip PNG at `output`, and `<stem>.gif`, `<stem>.mp4` (ping-pong
    loop), `<stem>.json` (metrics) next to it. Returns the paths."""
    from lucid_repro.images import save_gif, save_image, save_mp4
    stem = os.path.splitext(output)[0]
    loop = list(frames) + list(frames[-2:0:-1])
    paths = [save_image(output, strip(frames)), save_gif(stem + ".gif", loop, fps=fps)]
    paths.append(save_mp4(stem + ".mp4", [_upscale(f) for f in loop], fps=fps))
    if metrics is not None:
        paths.append(write_json(stem + ".json", metrics))
    return paths


def _upscale(frame):
    """Upscale small frames x2 (nearest) so the MP4 is not tiny."""
    frame = np.asarray(frame)
    return np.repeat(np.repeat(frame, 2, 0), 2, 1) if frame.shape[0] < 128 else frame


def demo(model, output_dir, quick=False, progress=True):
    """Independent vs shared (+ alignment) interpolation of the demo row's units on
    VGG19: strips, GIFs, MP4s, a two-row comparison sheet and the adjacent-frame
    similarity of each."""
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick)
    size, steps, frames = settings["size"], settings["steps"], settings["frames"]
    os.makedirs(output_dir, exist_ok=True)
    rows, paths, summary = [], [], {}
    for shared in (False, True):
        name = "shared" if shared else "independent"
        _, out, metrics = interpolate(model, settings["from"], settings["to"], frames=frames, size=size, steps=steps,
                                      shared=shared, seed=0, progress=progress)
        paths += save_outputs(out, os.path.join(output_dir, f"aligned_interpolation_{name}.png"), metrics)
        rows.append(list(out))
        summary[name] = metrics
        print(f"aligned interpolation [{name}]: adjacent-frame SSIM {metrics['ssim']:.3f}, "
              f"pixel correlation {metrics['corr']:.3f}")
    sheet = os.path.join(output_dir, "aligned_interpolation.png")
    paths.insert(0, save_image(sheet, contact_sheet(rows)))
    return paths
