"""The deepdream section's demo and files (`lucid_repro.recipes.deepdream` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os

import numpy as np

from lucid_repro import assets
from lucid_repro.recipes.deepdream import (
    DEMO_IMAGE, OCTAVES, STEPS_PER_OCTAVE, demo_layers, dream, layer_energy)


def demo(model, output_dir, quick=False, progress=True):
    """Dream the bridge photo at two depths (eyes at relu4_2, animals at relu5_2 on VGG19).
    Returns the written paths (the contact sheet first)."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    max_side = 48 if quick else 256
    octaves, steps = (2, 2) if quick else (OCTAVES, STEPS_PER_OCTAVE)
    photo = load_image(assets.find_image(DEMO_IMAGE, "content"), max_side=max_side)
    layers = demo_layers(model)[:1] if quick else demo_layers(model)
    from lucid_repro.outputs import write_json
    written, row = [], [photo]
    record = {"model": getattr(model, "name", str(model)), "image": DEMO_IMAGE, "max_side": max_side,
              "octaves": octaves, "steps_per_octave": steps, "layers": {}}
    for layer in layers:
        out = dream(model, photo, layer, octaves=octaves, steps=steps, progress=progress)
        gain = layer_energy(model, out, layer) / layer_energy(model, photo, layer)
        record["layers"][layer] = {"energy_gain": float(gain),
                                   "mean_abs_change_grey_levels": float(np.abs(out - photo).mean() * 255)}
        print(f"[deepdream] {DEMO_IMAGE} {layer}: mean f^2 x{gain:.1f}, "
              f"mean |change| {np.abs(out - photo).mean() * 255:.1f} grey levels")
        path = os.path.join(output_dir, f"deepdream_{os.path.splitext(DEMO_IMAGE)[0]}_{layer}.png")
        written.append(save_image(path, out))
        row.append(out)
    sheet = os.path.join(output_dir, "deepdream_grid.png")
    save_image(sheet, contact_sheet([row]))
    written.append(write_json(os.path.join(output_dir, "deepdream.json"), record))
    return [sheet] + written
