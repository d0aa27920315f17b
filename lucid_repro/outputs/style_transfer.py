"""The style_transfer section's demo and files (`lucid_repro.recipes.style_transfer` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os

import numpy as np

from lucid_repro import assets
from lucid_repro.models import random_vgg
from lucid_repro.recipes.style_transfer import (
    DEMO_CONTENT, DEMO_STYLE, compare_params, fit_style, style_config)


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


def demo(model, output_dir, quick=False, progress=True, content=DEMO_CONTENT, style_name=DEMO_STYLE):
    """Starry-night transfer of a packaged photo with pixel and fft parameterizations
    (same steps), the content/style losses of both in JSON. Returns the written paths."""
    from lucid_repro.images import save_image
    from lucid_repro.outputs import write_json
    size, steps = (32, 4) if quick else (160, 200)
    model = random_vgg.with_avg_pooling(model)
    content_image = assets.load(content, "content", max_side=size)
    h, w = content_image.shape[:2]
    style_image = fit_style(assets.load(style_name, "styles"), h, w)
    config = style_config(model)
    results = compare_params(model, content_image, style_image, config, steps=steps, progress=progress)
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
