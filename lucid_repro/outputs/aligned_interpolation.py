"""The aligned_interpolation section's demo and files
(`lucid_repro.recipes.aligned_interpolation` keeps the computation; this module writes what
the scripts and `make demo` save)."""
import os

import numpy as np

from lucid_repro.outputs import write_json
from lucid_repro.recipes.aligned_interpolation import DEMO, interpolate, strip


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
    """Independent vs shared (+ alignment) interpolation DEMO["a"] -> DEMO["b"] on
    VGG19: strips, GIFs, MP4s, a two-row comparison sheet and the adjacent-frame
    similarity of each."""
    from lucid_repro.images import contact_sheet, save_image
    size, steps, frames = (32, 4, 3) if quick else (64, 128, DEMO["frames"])
    os.makedirs(output_dir, exist_ok=True)
    rows, paths, summary = [], [], {}
    for shared in (False, True):
        name = "shared" if shared else "independent"
        _, out, metrics = interpolate(model, DEMO["a"], DEMO["b"], frames=frames, size=size, steps=steps,
                                      shared=shared, seed=0, progress=progress)
        paths += save_outputs(out, os.path.join(output_dir, f"aligned_interpolation_{name}.png"), metrics)
        rows.append(list(out))
        summary[name] = metrics
        print(f"aligned interpolation [{name}]: adjacent-frame SSIM {metrics['ssim']:.3f}, "
              f"pixel correlation {metrics['corr']:.3f}")
    sheet = os.path.join(output_dir, "aligned_interpolation.png")
    paths.insert(0, save_image(sheet, contact_sheet(rows)))
    return paths
