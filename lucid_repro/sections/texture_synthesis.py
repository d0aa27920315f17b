"""Texture synthesis (Gatys et al.): its declaration, its `make demo` part and its files
(`lucid_repro.recipes.texture_synthesis` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.sections.base import NO_NUMBER, Section, dig, fmt, read_json


def numbers(out, models=("vgg19",)):
    """Relative Gram error per layer of each model in `models` (the random VGG19's rows are
    the random_vgg section's)."""
    r = read_json(out, "texture_synthesis/texture_*.json")
    rows = []
    for name in models:
        x = dig(r, "results", name)
        if x:
            errs = x.get("relative_errors") or {}
            rows.append((f"relative Gram error per layer, {name} ({', '.join(errs)})",
                         " / ".join(fmt(v) for v in errs.values()),
                         "none given (Gatys: visually; He et al.: random VGG also works)"))
    return rows or [("relative Gram error", "—", NO_NUMBER)]


SECTION = Section(
    name="texture_synthesis", part="classic", order=80, title="Texture synthesis (Gatys et al.)",
    claim="Matching the Gram matrices of a texture's VGG features from noise synthesizes new samples "
          "of that texture.",
    settings={
        # param / weighting / layers None: the model family's (pixels and relative errors on the VGGs,
        # Gatys' layers; recipes.texture_synthesis)
        "library": dict(style="starry_night", size=128, steps=256, lr=0.05, loss="squared", param=None,
                        weighting=None, layers=None, transforms=False, pooling="avg", optimizer="adam"),
        "paper": dict(size=256, steps=2000, lr=0.05, optimizer="lbfgs", param="box", pooling="avg",
                      loss="squared",
                      by_model={"vgg19": dict(layers="relu1_1,pool1,pool2,pool3,pool4", weighting="none"),
                                "ranvgg19": dict(layers="relu1_1,relu2_1,relu3_1,relu4_1", weighting="omega")}),
        "demo": dict(style="starry_night", size=128, steps=160, pooling="avg"),
        "quick": dict(style="starry_night", size=32, steps=4, pooling="avg"),
    },
    sources={
        "library": "Gatys, Ecker & Bethge 2015: Gram matrices of relu1_1, pool1..pool4, squared distance, "
                   "average pooling, no transforms; size, steps and Adam ours",
        "demo": "ours: make demo's budget, trained and random VGG19",
        "quick": "ours: smoke tests",
        "paper": "on vgg19 Gatys, Ecker & Bethge 2015 (conv1_1, pool1..pool4, equal weights, squared Gram "
                 "distance, L-BFGS, 256 px, white noise); on ranvgg19 He, Wang & Hopcroft 2016 Sec. 4.2 / "
                 "Figure 8 (conv1_1..conv4_1, --figure gives the figure's rows, omega_l weights). Both: "
                 "pixels in [0, 1] from white noise, L-BFGS with the box (optvis/lbfgs.py), up to 2000 "
                 "iterations, average pooling",
    },
    figures=(("texture_synthesis/texture_*.png", "original crop, VGG19, random-weight VGG19"),),
    numbers=numbers,
    describe="{style}, {size} px, {steps} steps, {pooling} pooling",
    expected_seconds=107,
)


def demo(model, output_dir, quick=False, progress=True):
    """Texture of a packaged painting on `model` and on the random VGG19 (He et al.):
    PNG of [original crop, trained, random], JSON of the final Gram loss per layer."""
    from lucid_repro.models import random_vgg
    from lucid_repro.recipes.texture_synthesis import center_crop, resize_to_cover, synthesize
    from lucid_repro import models
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.sections import write_json
    settings = SECTION.demo_row(quick, model)
    size, steps, texture = settings["size"], settings["steps"], settings["style"]
    if settings["pooling"] == "avg":
        model = random_vgg.with_avg_pooling(model)
    image = assets.load(texture, "styles")
    runs = [(model.name, model)]
    if model.family.random_counterpart:     # He et al.'s comparison: the same net, random weights
        name = model.family.random_counterpart
        runs.append((name, models.load(name, seed=0)))
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
