"""DeepDream (classic): its declaration, its `make demo` part and its files
(`lucid_repro.recipes.deepdream` keeps the computation)."""
import os

import numpy as np

from lucid_repro import assets
from lucid_repro.sections.base import NO_NUMBER, Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "deepdream/deepdream.json")
    return [(f"{layer}: mean f² gain / mean |change| (grey levels)",
             f"×{fmt(v['energy_gain'], 1)} / {fmt(v['mean_abs_change_grey_levels'], 1)}", NO_NUMBER)
            for layer, v in (dig(r, "layers") or {}).items()] or [("energy gain", "—", NO_NUMBER)]


SECTION = Section(
    name="deepdream", part="classic", order=120, title="DeepDream",
    claim="Amplifying whatever a layer already sees in a photo, over octaves, paints that layer's "
          "features into it.",
    settings={
        "library": dict(octaves=4, octave_scale=1.4, steps=10, step_size=1.5, jitter=32, max_side=256),
        "demo": dict(image="bridge.jpg", octaves=4, steps=10, max_side=256, all_layers=True),
        "quick": dict(image="bridge.jpg", octaves=2, steps=2, max_side=48, all_layers=False),
    },
    sources={"library": "Mordvintsev et al. 2015's deepdream notebook: 4 octaves x 1.4, 10 steps of 1.5 grey "
                        "levels per mean |gradient|, jitter 32",
             "demo": "the library's, on the demo layers of the model (recipes.deepdream.demo_layers)",
             "quick": "ours: smoke tests"},
    figures=(("deepdream/deepdream_grid.png", "photo, dreamed at two depths"),),
    numbers=numbers,
    describe="{image} at {max_side} px, {octaves} octaves × {steps} steps; VGG19 relu4_2 and relu5_2",
    expected_seconds=31,
)


def demo(model, output_dir, quick=False, progress=True):
    """Dream the bridge photo at two depths (eyes at relu4_2, animals at relu5_2 on VGG19).
    Returns the written paths (the contact sheet first)."""
    from lucid_repro.recipes.deepdream import demo_layers, dream, layer_energy
    from lucid_repro.images import contact_sheet, load_image, save_image
    settings = SECTION.demo_row(quick, model)
    max_side, octaves, steps, image = settings["max_side"], settings["octaves"], settings["steps"], settings["image"]
    photo = load_image(assets.find_image(image, "content"), max_side=max_side)
    layers = demo_layers(model) if settings["all_layers"] else demo_layers(model)[:1]
    from lucid_repro.sections import write_json
    written, row = [], [photo]
    record = {"model": getattr(model, "name", str(model)), "image": image, "max_side": max_side,
              "octaves": octaves, "steps_per_octave": steps, "layers": {}}
    for layer in layers:
        out = dream(model, photo, layer, octaves=octaves, steps=steps, progress=progress)
        gain = layer_energy(model, out, layer) / layer_energy(model, photo, layer)
        record["layers"][layer] = {"energy_gain": float(gain),
                                   "mean_abs_change_grey_levels": float(np.abs(out - photo).mean() * 255)}
        print(f"[deepdream] {image} {layer}: mean f^2 x{gain:.1f}, "
              f"mean |change| {np.abs(out - photo).mean() * 255:.1f} grey levels")
        path = os.path.join(output_dir, f"deepdream_{os.path.splitext(image)[0]}_{layer}.png")
        written.append(save_image(path, out))
        row.append(out)
    sheet = os.path.join(output_dir, "deepdream_grid.png")
    save_image(sheet, contact_sheet([row]))
    written.append(write_json(os.path.join(output_dir, "deepdream.json"), record))
    return [sheet] + written
