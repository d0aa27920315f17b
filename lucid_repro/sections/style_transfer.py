"""2D style transfer (the article's "Style Transfer with non-VGG architectures"): its
declaration, its `make demo` part and its files (`lucid_repro.recipes.style_transfer` keeps
the computation)."""
import os

import numpy as np

from lucid_repro import assets
from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "style_transfer/style_transfer_*.json")
    rows = []
    for kind in ("pixel", "fft"):
        x = dig(r, "results", kind)
        rows.append((f"final content / style loss, {'pixel' if kind == 'pixel' else 'Fourier + decorrelated'}"
                     f" ({dig(r, 'model') or '?'})",
                     f"{fmt(dig(x, 'content_loss'))} / {fmt(dig(x, 'style_loss'))}",
                     "none given (figure: decorrelated works on non-VGG nets, pixel does not)"))
    return rows


_IMAGES = {"content": "zurich", "style": "starry_night"}

SECTION = Section(
    name="style_transfer", part="article", order=20,
    title="Style transfer: pixel vs decorrelated parameterization",
    claim="A Fourier-space, colour-decorrelated image parameterization lets style transfer work on "
          "networks where optimizing pixels fails; on VGG both parameterizations do.",
    settings={
        # param / batch_mode None: the model family's StyleConfig (recipes.style_transfer.STYLE_CONFIGS;
        # on VGG19 pixels, fixed targets, no transforms)
        "library": dict(size=256, steps=256, lr=0.05, param=None, batch_mode=None, pooling="avg",
                        style_fit="content", optimizer="adam", **_IMAGES),
        "paper": dict(size=256, steps=2000, optimizer="lbfgs", param="box", batch_mode="fixed", pooling="avg",
                      style_fit="content", **_IMAGES),
        "demo": dict(size=160, steps=200, lr=0.05, param="both", batch_mode=None, pooling="avg",
                     style_fit="content", **_IMAGES),
        "quick": dict(size=32, steps=4, lr=0.05, param="both", batch_mode=None, pooling="avg",
                      style_fit="content", **_IMAGES),
        "article": dict(size=512, steps=512, lr=0.05, param="both", batch_mode="lucid", pooling="max",
                        style_fit="native", **_IMAGES),
    },
    sources={
        "library": "Gatys et al. 2016's setup on VGG19 (average pooling, pixels, fixed targets, no "
                   "transforms); sizes ours, for a CPU",
        "demo": "ours: make demo's budget, both parameterizations",
        "quick": "ours: smoke tests",
        "article": "Lucid style_transfer_2d.ipynb: batch [generated, content, random crop of the style at "
                   "its own resolution] through the standard transforms, Adam 0.05, 512 steps, both "
                   "parameterizations on the unchanged (max-pool) network",
        "paper": "Gatys, Ecker & Bethge 2016 (vgg19) and He, Wang & Hopcroft 2016 Sec. 4.3 (ranvgg19: "
                 "relu2_2 content, relu1_1..relu5_1 style, omega_l, alpha:beta:gamma = 100:1:1000, the "
                 "model's StyleConfig): L-BFGS on pixels in [0, 1] from white noise, fixed targets, no "
                 "transforms, average pooling, 256 px, 2000 iterations",
    },
    figures=(("style_transfer/style_transfer_*.png", "content, style, pixel result, decorrelated result"),
             ("style_transfer/style_transfer_*_pixel.png", "pixel"),
             ("style_transfer/style_transfer_*_fft.png", "Fourier + decorrelated")),
    numbers=numbers,
    describe="{content} × {style}, {size} px, {steps} steps per parameterization, {pooling} pooling (the "
             "classic Gatys style transfer is this run's pixel column)",
    note="The article's point needs a non-VGG network (InceptionV1, not reachable offline): "
         "run scripts.style_transfer --model=inception_v1 --param=both where it is.",
    expected_seconds=110,
)


def comparison_sheet(content, style_image, results):
    """One row: content, the style image (cut to the content's size), each result."""
    from lucid_repro.images import contact_sheet
    h, w = content.shape[:2]
    style_view = assets.resize_longer_side(style_image, max(h, w))[:h, :w]
    style_view = np.pad(style_view, ((0, h - style_view.shape[0]), (0, w - style_view.shape[1]), (0, 0)),
                        constant_values=1.0)
    return contact_sheet([[content, style_view] + [r.image for r in results.values()]])


def summary(results, model_name, config, extra=None):
    """JSON-ready record of one or several TransferResults."""
    first = next(iter(results.values()))
    record = {"model": model_name, "size": list(first.image.shape[:2]),
              "steps": int(first.render_result.steps), "style_config": config.to_dict(),
              "weights": first.weights, "results": {}}
    record.update(extra or {})
    for kind, r in results.items():
        record["results"][kind] = {
            "content_loss": r.final["content_loss"], "style_loss": r.final["style_loss"],
            "tv": r.final["tv"], "total": r.final["total"], "raw_losses": r.final["raw"],
            "seconds": round(r.seconds, 1)}
    return record


def format_summary(record):
    lines = []
    for kind, r in record["results"].items():
        lines.append(f"{record['model']} {kind:5s}: content {r['content_loss']:.4g}  style {r['style_loss']:.4g}  "
                     f"total {r['total']:.4g}  ({record['steps']} steps, {r['seconds']:.0f} s)")
    return "\n".join(lines)


def demo(model, output_dir, quick=False, progress=True):
    """Starry-night transfer of a packaged photo with pixel and fft parameterizations
    (same steps), the content/style losses of both in JSON. Returns the written paths."""
    from lucid_repro.models import random_vgg
    from lucid_repro.recipes.style_transfer import compare_params, fit_style, style_config
    from lucid_repro.images import save_image
    from lucid_repro.sections import write_json
    settings = SECTION.demo_row(quick, model)
    size, steps, content, style_name = settings["size"], settings["steps"], settings["content"], settings["style"]
    if settings["pooling"] == "avg":
        model = random_vgg.with_avg_pooling(model)
    content_image = assets.load(content, "content", max_side=size)
    h, w = content_image.shape[:2]
    style_image = fit_style(assets.load(style_name, "styles"), h, w)
    config = style_config(model)
    results = compare_params(model, content_image, style_image, config, steps=steps, lr=settings["lr"],
                             progress=progress)
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for kind, r in results.items():
        paths.append(save_image(os.path.join(output_dir, f"style_transfer_{model.name}_{kind}.png"), r.image))
    paths.append(save_image(os.path.join(output_dir, f"style_transfer_{model.name}.png"),
                            comparison_sheet(content_image, style_image, results)))
    record = summary(results, model.name, config, {"content": content, "style": style_name})
    paths.append(write_json(os.path.join(output_dir, f"style_transfer_{model.name}.json"), record))
    if progress:
        print(format_summary(record))
    return paths
