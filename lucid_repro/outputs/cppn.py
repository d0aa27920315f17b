"""The cppn section's demo and files (`lucid_repro.recipes.cppn` keeps the computation; this
module writes what the scripts and `make demo` save)."""
import os

import numpy as np

from lucid_repro.recipes.cppn import DEMO_UNITS, image_at, morph, train


def save_training(result, cppn_param, output, render_size=1024, fps=15):
    """Write `output` (final image at render_size), `<stem>_training.mp4` and .gif (one
    frame per snapshot) and `<stem>.npz` (weights). Returns the paths."""
    from lucid_repro.images import save_gif, save_image, save_mp4
    stem = os.path.splitext(output)[0]
    frames = [np.asarray(img)[0] for img in result.images]
    paths = [save_image(output, image_at(cppn_param, render_size)),
             save_mp4(stem + "_training.mp4", frames, fps=fps),
             save_gif(stem + "_training.gif", frames[::max(1, len(frames) // 64)], fps=fps),
             cppn_param.save(stem + ".npz")]
    return paths


def save_morph(frames, output, fps=15):
    """`output` = strip of up to 8 frames; `<stem>.mp4` and `<stem>.gif` = the morph
    played forth and back."""
    from lucid_repro.images import contact_sheet, save_gif, save_image, save_mp4
    stem = os.path.splitext(output)[0]
    loop = list(frames) + list(frames[-2:0:-1])
    pick = np.linspace(0, len(frames) - 1, min(8, len(frames))).round().astype(int)
    return [save_image(output, contact_sheet([[frames[i] for i in pick]])),
            save_mp4(stem + ".mp4", loop, fps=fps), save_gif(stem + ".gif", loop, fps=fps)]


def demo(model, output_dir, quick=False, progress=True):
    """Two CPPNs on VGG19 (`DEMO_UNITS`): each rendered at 4x its training
    size, its training video and weights; a morph between them; a contact sheet."""
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.outputs import write_json
    size, steps, every, big, n_morph = (32, 4, 2, 64, 3) if quick else (96, 320, 8, 384, 24)
    record = {"model": getattr(model, "name", str(model)), "size": size, "steps": steps,
              "render_size": big, "morph_frames": n_morph, "objective": {}}
    os.makedirs(output_dir, exist_ok=True)
    paths, weights, row = [], [], []
    for unit in DEMO_UNITS:
        result, p = train(model, unit, size=size, steps=steps, every=every, progress=progress)
        name = os.path.join(output_dir, f"cppn_{unit.replace(':', '_')}.png")
        paths += save_training(result, p, name, render_size=big)
        weights.append(p.get_weights())
        row.append(np.asarray(result.images[-1])[0])
        print(f"cppn {unit}: objective {-result.losses[0]:.4g} -> {-result.losses[-1]:.4g}")
        record["objective"][unit] = {"first": float(-result.losses[0]), "last": float(-result.losses[-1])}
    frames = morph(weights[0], weights[1], frames=n_morph, size=size)
    paths += save_morph(frames, os.path.join(output_dir, "cppn_morph.png"))
    sheet = os.path.join(output_dir, "cppn.png")
    pick = np.linspace(0, len(frames) - 1, 4).round().astype(int)
    paths.insert(0, save_image(sheet, contact_sheet([row + [frames[i] for i in pick[1:-1]]])))
    paths.append(write_json(os.path.join(output_dir, "cppn.json"), record))
    return paths
