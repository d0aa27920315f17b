"""The feature_inversion section's demo and files (`lucid_repro.recipes.feature_inversion`
keeps the computation; this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro import assets
from lucid_repro.models import random_vgg
from lucid_repro.recipes.feature_inversion import DEMO_LAYERS, invert


def demo(model, output_dir, quick=False, progress=True, content="zurich", layers=DEMO_LAYERS,
         random_model=None):
    """Inversions of a packaged photo from shallow to deep layers, on `model` and on the
    random-weight VGG19 (He et al.'s comparison). Returns the written paths."""
    import json

    from lucid_repro import models
    from lucid_repro.images import contact_sheet, save_image
    size, steps = (32, 4) if quick else (128, 150)
    model = random_vgg.with_avg_pooling(model)
    target = assets.load(content, "content", max_side=size)
    rows, record = [], {"content": content, "size": list(target.shape[:2]), "steps": steps, "losses": {}}
    runs = [(model.name, model)]
    if model.name.startswith("vgg19"):
        runs.append(("ranvgg19", random_model or models.load("ranvgg19", seed=0)))
    for name, m in runs:
        row = [target]
        for layer in layers:
            r = invert(m, target, [layer], steps=steps, progress=progress)
            record["losses"][f"{name}/{layer}"] = r.loss
            row.append(r.image)
        rows.append(row)
    os.makedirs(output_dir, exist_ok=True)
    sheet = save_image(os.path.join(output_dir, "feature_inversion.png"), contact_sheet(rows))
    path_json = os.path.join(output_dir, "feature_inversion.json")
    with open(path_json, "w") as f:
        json.dump(dict(record, rows=[n for n, _ in runs], columns=["target"] + list(layers)), f, indent=1)
    return [sheet, path_json]
