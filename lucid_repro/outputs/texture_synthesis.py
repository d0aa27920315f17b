"""The texture_synthesis section's demo and files (`lucid_repro.recipes.texture_synthesis`
keeps the computation; this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro import assets
from lucid_repro.models import random_vgg
from lucid_repro.recipes.texture_synthesis import center_crop, resize_to_cover, synthesize


def demo(model, output_dir, quick=False, progress=True, texture="starry_night"):
    """Texture of a packaged painting on `model` and on the random VGG19 (He et al.):
    PNG of [original crop, trained, random], JSON of the final Gram loss per layer."""
    from lucid_repro import models
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.outputs import write_json
    size, steps = (32, 4) if quick else (128, 160)
    model = random_vgg.with_avg_pooling(model)
    image = assets.load(texture, "styles")
    runs = [(model.name, model)]
    if model.name == "vgg19":
        runs.append(("ranvgg19", models.load("ranvgg19", seed=0)))
    row = [center_crop(resize_to_cover(image, size), size)]
    record = {"texture": texture, "size": size, "steps": steps, "results": {}}
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for name, m in runs:
        r = synthesize(m, image, size=size, steps=steps, progress=progress)
        record["results"][name] = {"layers": list(r.layer_losses), "layer_losses": r.layer_losses,
                                   "relative_errors": r.relative_errors,
                                   "weights": r.weights, "loss": r.loss, "seconds": round(r.seconds, 1)}
        paths.append(save_image(os.path.join(output_dir, f"texture_{texture}_{name}.png"), r.image))
        row.append(r.image)
    paths.append(save_image(os.path.join(output_dir, f"texture_{texture}.png"), contact_sheet([row])))
    paths.append(write_json(os.path.join(output_dir, f"texture_{texture}.json"), record))
    return paths
