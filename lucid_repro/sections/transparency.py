"""Semi-transparent patterns (the article's RGBA section): its declaration, its `make demo`
part and its files (`lucid_repro.recipes.transparency` keeps the computation)."""
import glob
import json
import os

from lucid_repro.sections import write_json
from lucid_repro.sections.base import NO_NUMBER, Section, fmt


def numbers(out):
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "transparency", "transparency_*.json"))):
        with open(path) as f:
            m = json.load(f)
        unit = m.get("objective", os.path.basename(path))
        rows.append((f"{unit}: mean alpha", fmt(m.get("mean_alpha")), NO_NUMBER))
        rows.append((f"{unit}: corr(alpha, attribution), 8×8 blocks / pixels",
                     f"{fmt(m.get('alpha_attribution_corr'))} / {fmt(m.get('alpha_attribution_corr_pixel'))}",
                     "none given (alpha 'works like' an attribution map)"))
    return rows or [("mean alpha", "—", NO_NUMBER)]


_UNITS = ["conv5_1:15", "conv5_1:34"]       # a dog face, eyes (docs/units_conv5_1.png)

SECTION = Section(
    name="transparency", part="article", order=40, title="Semi-transparent patterns (RGBA)",
    claim="Optimizing an RGBA image over random backgrounds with a reward for transparency leaves "
          "opaque only what the neuron needs, so alpha acts like an attribution map.",
    settings={
        "library": dict(size=192, crop=112, steps=300, lr=0.03, objective="conv5_1:15"),
        "demo": dict(size=192, crop=112, steps=300, lr=0.03, units=_UNITS),
        "quick": dict(size=48, crop=24, steps=4, lr=0.03, units=_UNITS),
        "article": dict(size=320, crop=160, steps=1000, lr=0.03, objective="conv5_1:15"),
    },
    sources={
        "library": "ours: the article's procedure at CPU sizes",
        "demo": "as library, two units",
        "quick": "ours: smoke tests",
        "article": "Lucid transparency.ipynb: 320 px RGBA, random crop 160, scales 0.6-1.1, Adam 0.03, "
                   "1000 steps (the notebook's GoogLeNet unit is not pinned: give --objective)",
    },
    figures=(("transparency/transparency.png", "rows: units; checkerboard, black, white, alpha"),
             ("transparency/transparency_*_*_*[0-9].png", "{unit} RGBA")),
    numbers=numbers,
    describe="VGG19, units {units}; {size} px, crop {crop}, {steps} steps (Lucid: 320, 160, 1000)",
    expected_seconds=93,
)


def save_outputs(rgba, output, metrics=None):
    """`output`: the RGBA PNG (gamma-encoded RGB + alpha); `<stem>_checkerboard.png`,
    `_black.png`, `_white.png`, `_alpha.png` previews; `<stem>_preview.png` (all four
    side by side); `<stem>.json` (metrics)."""
    from lucid_repro.optvis import alpha as alpha_lib
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


def run(model, objective, output, size=320, crop=160, steps=1000, lr=0.03, seed=0, progress=True,
        extra=None):
    """Visualize, measure (mean alpha, alpha-attribution correlation) and save."""
    from lucid_repro.recipes.transparency import attribution_correlation, visualize
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
    from lucid_repro.optvis import alpha as alpha_lib
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick, model)
    size, crop, steps = settings["size"], settings["crop"], settings["steps"]
    os.makedirs(output_dir, exist_ok=True)
    paths, rows = [], []
    for unit in settings["units"]:
        out = os.path.join(output_dir, f"transparency_{unit.replace(':', '_')}.png")
        written, metrics, rgba = run(model, unit, out, size=size, crop=crop, steps=steps, lr=settings["lr"],
                                     progress=progress)
        paths += written
        views = alpha_lib.previews(rgba)
        rows.append([views[k] for k in ("checkerboard", "black", "white", "alpha")])
        print(f"transparency {unit}: mean alpha {metrics['mean_alpha']:.3f}, "
              f"alpha/attribution correlation {metrics['alpha_attribution_corr']:.3f}")
    sheet = os.path.join(output_dir, "transparency.png")
    paths.insert(0, save_image(sheet, contact_sheet(rows)))
    return paths
