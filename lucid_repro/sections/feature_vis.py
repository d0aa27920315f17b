"""Feature visualization (classic): its declaration, its `make demo` part and its files
(`lucid_repro.recipes.feature_vis` keeps the computation)."""
import os

from lucid_repro.sections.base import NO_NUMBER, Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "feature_vis/feature_vis.json")
    return [(f"objective {u}: pixel / Fourier + decorrelated", f"{fmt(v.get('pixel'))} / {fmt(v.get('fft'))}",
             NO_NUMBER) for u, v in (dig(r, "objective") or {}).items()] or [("objective", "—", NO_NUMBER)]


_UNITS = ["conv5_1:13", "conv5_1:15", "conv5_1:34"]

SECTION = Section(
    name="feature_vis", part="classic", order=70, title="Feature visualization",
    claim="Optimizing an image to excite one channel shows what it responds to; a Fourier, "
          "decorrelated parameterization with transformation robustness gives clearer pictures than "
          "raw pixels in the same number of steps.",
    settings={
        "library": dict(objective="conv5_1:15", size=128, steps=256, param="fft", decorrelate=True, lr=0.05,
                        no_transforms=False, relu_override=False),
        "demo": dict(size=128, steps=160, units=_UNITS),
        "quick": dict(size=32, steps=4, units=_UNITS[:2]),
    },
    sources={
        "library": "Olah et al. 2017 / Lucid render_vis: fft + decorrelated colours, standard transforms, "
                   "Adam 0.05; size and steps ours",
        "demo": "ours: three object-like conv5_1 units, pixel vs fft columns",
        "quick": "ours: smoke tests",
    },
    figures=(("feature_vis/feature_vis_grid.png", "rows: units; pixel, Fourier + decorrelated"),),
    numbers=numbers,
    describe="VGG19, units {units}; {size} px, {steps} steps",
    expected_seconds=231,
)


def demo(model, output_dir, quick=False, progress=True):
    """Grid: rows = units; columns = pixel, fft + decorrelate. Returns written paths."""
    from lucid_repro.recipes.feature_vis import visualize
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.sections import write_json
    settings = SECTION.demo_row(quick, model)
    size, steps, units = settings["size"], settings["steps"], settings["units"]
    rows = []
    record = {"model": getattr(model, "name", str(model)), "size": size, "steps": steps,
              "objective": {}}
    for unit in units:
        row = []
        for kind, deco in (("pixel", False), ("fft", True)):
            result = visualize(model, unit, size=size, steps=steps, param_kind=kind,
                               decorrelate=deco, progress=progress)
            img = result.images[-1][0]
            name = f"feature_vis_{unit.replace(':', '_')}_{kind}{'_decorrelated' if deco else ''}.png"
            save_image(os.path.join(output_dir, name), img)
            row.append(img)
            record["objective"].setdefault(unit, {})[kind] = float(-result.losses[-1])
        rows.append(row)
    sheet = os.path.join(output_dir, "feature_vis_grid.png")
    save_image(sheet, contact_sheet(rows))
    return [sheet, write_json(os.path.join(output_dir, "feature_vis.json"), record)]
