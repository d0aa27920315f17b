"""Aligned interpolation (the article's first section): its declaration, its `make demo`
part and its files (`lucid_repro.recipes.aligned_interpolation` keeps the computation)."""
import os

import numpy as np

from lucid_repro.sections import write_json
from lucid_repro.sections.base import Section, dig, fmt, read_json


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


def save_outputs(frames, output, metrics=None, fps=4):
    """Write the strip PNG at `output`, and `<stem>.gif`, `<stem>.mp4` (ping-pong
    loop), `<stem>.json` (metrics) next to it. Returns the paths."""
    from lucid_repro.recipes.aligned_interpolation import strip
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
    from lucid_repro.recipes.aligned_interpolation import interpolate
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
