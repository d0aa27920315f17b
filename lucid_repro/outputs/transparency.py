"""The transparency section's demo and files (`lucid_repro.recipes.transparency` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro.optvis import alpha as alpha_lib
from lucid_repro.outputs import write_json
from lucid_repro.recipes.transparency import (
    DEMO_UNITS, LEARNING_RATE, attribution_correlation, visualize)


def save_outputs(rgba, output, metrics=None):
    """`output`: the RGBA PNG (gamma-encoded RGB + alpha); `<stem>_checkerboard.png`,
    `_black.png`, `_white.png`, `_alpha.png` previews; `<stem>_preview.png` (all four
    side by side); `<stem>.json` (metrics)."""
    from lucid_repro.images import contact_sheet, save_image
    stem = os.path.splitext(output)[0]
    views = alpha_lib.previews(rgba)
    paths = [save_image(output, alpha_lib.to_rgba_png(rgba))]
    for name in ("checkerboard", "black", "white", "alpha"):
        paths.append(save_image(f"{stem}_{name}.png", views[name]))
    paths.append(save_image(f"{stem}_preview.png",
                            contact_sheet([[views[k] for k in ("checkerboard", "black", "white", "alpha")]])))
    if metrics is not None:
        paths.append(write_json(stem + ".json", metrics))
    return paths


def run(model, objective, output, size=320, crop=160, steps=1000, lr=LEARNING_RATE, seed=0, progress=True,
        extra=None):
    """Visualize, measure (mean alpha, alpha-attribution correlation) and save."""
    result, rgba = visualize(model, objective, size=size, crop=crop, steps=steps, lr=lr, seed=seed,
                             progress=progress)
    corr = attribution_correlation(model, objective, rgba, seed=seed)
    metrics = dict(objective=str(objective), mean_alpha=float(rgba[..., 3].mean()),
                   alpha_attribution_corr=corr["alpha_attribution_corr"],
                   alpha_attribution_corr_pixel=corr["alpha_attribution_corr_pixel"],
                   attribution_block=corr["block"],
                   final_loss=float(result.losses[-1]), size=size, crop=crop, steps=int(result.steps))
    metrics.update(extra or {})   # e.g. a keras: model's preprocessing (scripts.common.with_model_info)
    return save_outputs(rgba, output, metrics), metrics, rgba


def demo(model, output_dir, quick=False, progress=True):
    """Two VGG19 units as semi-transparent patterns: RGBA PNGs, previews, metrics and
    a sheet (rows: units; columns: checkerboard, black, white, alpha)."""
    from lucid_repro.images import contact_sheet, save_image
    size, crop, steps = (48, 24, 4) if quick else (192, 112, 300)
    os.makedirs(output_dir, exist_ok=True)
    paths, rows = [], []
    for unit in DEMO_UNITS:
        out = os.path.join(output_dir, f"transparency_{unit.replace(':', '_')}.png")
        written, metrics, rgba = run(model, unit, out, size=size, crop=crop, steps=steps, progress=progress)
        paths += written
        views = alpha_lib.previews(rgba)
        rows.append([views[k] for k in ("checkerboard", "black", "white", "alpha")])
        print(f"transparency {unit}: mean alpha {metrics['mean_alpha']:.3f}, "
              f"alpha/attribution correlation {metrics['alpha_attribution_corr']:.3f}")
    sheet = os.path.join(output_dir, "transparency.png")
    paths.insert(0, save_image(sheet, contact_sheet(rows)))
    return paths
