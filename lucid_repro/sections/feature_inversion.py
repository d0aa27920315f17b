"""Feature inversion (Mahendran & Vedaldi): its declaration, its `make demo` part and its files
(`lucid_repro.recipes.feature_inversion` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.sections.base import NO_NUMBER, Section, dig, fmt, read_json


def numbers(out, models=("vgg19",)):
    """Relative inversion loss per layer of each model in `models` (None: all)."""
    r = read_json(out, "feature_inversion/feature_inversion.json")
    losses = dig(r, "losses") or {}
    by_model = {}
    for key, v in losses.items():
        name, layer = key.split("/", 1)
        by_model.setdefault(name, []).append((layer, v))
    return [(f"relative inversion loss, {name} ({', '.join(l for l, _ in lv)})",
             " / ".join(fmt(v, 4) for _, v in lv), NO_NUMBER)
            for name, lv in by_model.items() if models is None or name in models] or \
        [("inversion loss", "—", NO_NUMBER)]


_LAYERS = ["relu2_1", "relu4_1", "relu5_1"]

SECTION = Section(
    name="feature_inversion", part="classic", order=130, title="Feature inversion",
    claim="Reconstructing an image from one layer's features shows what the layer keeps: shallow "
          "layers keep the photo, deep ones keep objects and lose exact colours and positions.",
    settings={
        # param None: the model family's (pixels on the VGGs)
        "library": dict(image="zurich", layer="relu4_1", size=128, steps=256, param=None, tv_weight=0.0,
                        lr=0.05, pooling="avg", optimizer="adam"),
        "paper": dict(size=256, steps=2000, lr=0.05, optimizer="lbfgs", param="box", pooling="avg",
                      tv_weight=0.0),
        "demo": dict(image="zurich", layers=_LAYERS, size=128, steps=150, pooling="avg"),
        "quick": dict(image="zurich", layers=_LAYERS, size=32, steps=4, pooling="avg"),
    },
    sources={
        "library": "Mahendran & Vedaldi 2015's objective (relative feature distance) without their priors "
                   "(tv_weight 0), Adam; size and steps ours",
        "demo": "ours: three depths, trained and random VGG19",
        "quick": "ours: smoke tests",
        "paper": "He, Wang & Hopcroft 2016 Sec. 4.1: L-BFGS (our projected L-BFGS with the [0, 1] box, "
                 "optvis/lbfgs.py), 256 x 256, up to 2000 iterations ('within 100' at conv5_1 on ranVGG, "
                 "their Figure 5), white-noise start, pixels, average pooling, N(0, 0.015^2) weights (the "
                 "ranvgg19 default), the relative feature loss alone",
    },
    figures=(("feature_inversion/feature_inversion.png", "target, then relu2_1 … relu5_1; rows: VGG19, random"),),
    numbers=numbers,
    describe="{image}, layers {layers}, {size} px, {steps} steps",
    expected_seconds=111,
)


def demo(model, output_dir, quick=False, progress=True, random_model=None):
    """Inversions of a packaged photo from shallow to deep layers, on `model` and on the
    random-weight VGG19 (He et al.'s comparison). Returns the written paths."""
    from lucid_repro.models import random_vgg
    from lucid_repro.recipes.feature_inversion import invert
    import json

    from lucid_repro import models
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick, model)
    size, steps, content, layers = settings["size"], settings["steps"], settings["image"], settings["layers"]
    if settings["pooling"] == "avg":
        model = random_vgg.with_avg_pooling(model)
    target = assets.load(content, "content", max_side=size)
    rows, record = [], {"content": content, "size": list(target.shape[:2]), "steps": steps, "losses": {}}
    runs = [(model.name, model)]
    if model.family.random_counterpart:     # He et al.'s comparison: the same net, random weights
        name = model.family.random_counterpart
        runs.append((name, random_model or models.load(name, seed=0)))
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
