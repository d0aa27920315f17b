"""Feature visualization (Olah et al. 2017; the article's starting point)."""
import os

from lucid_repro.declaration import NO_NUMBER, Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render, schedule as schedule_lib
from lucid_repro.optvis import transforms as transforms_lib


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
                        no_transforms=False, fused_transforms=False, relu_override=False, schedule="single"),
        "demo": dict(size=128, steps=160, units=_UNITS),
        "quick": dict(size=32, steps=4, units=_UNITS[:2]),
    },
    sources={
        "library": "Olah et al. 2017 / Lucid render_vis: fft + decorrelated colours, standard transforms, "
                   "Adam 0.05, every step at full size (schedule single; coarse_to_fine: issue 29); "
                   "size and steps ours",
        "demo": "ours: three object-like conv5_1 units, pixel vs fft columns",
        "quick": "ours: smoke tests",
    },
    figures=(("feature_vis/feature_vis_grid.png", "rows: units; pixel, Fourier + decorrelated"),),
    numbers=numbers,
    describe="VGG19, units {units}; {size} px, {steps} steps",
    expected_seconds=231,
)


# objectives.saturation_penalized weight for sigmoid images (issue 16, BUILD_NOTES): keeps
# VGG19's fft + decorrelated images at the article's colour saturation
SATURATION_PENALTY = 0.2


def visualize(model, objective, size=128, steps=256, param_kind="fft", decorrelate=True, lr=0.05,
              use_transforms=True, seed=0, batch=1, progress=True, thresholds=None,
              saturation_penalty=SATURATION_PENALTY, relu_override=False, schedule="single",
              slice_channels=True, fused_transforms=False):
    """Render one objective; returns the RenderResult (images at thresholds).
    saturation_penalty: weight of `objectives.saturation_penalized` (0: the bare
    objective, Lucid's); relu_override: Lucid's ReLU gradient override (`render.render`).
    schedule: "single" (Lucid's: every step at full size) or "coarse_to_fine"
    (`optvis.schedule`, issue 29). slice_channels: `render.render`'s. fused_transforms:
    Lucid's standard transforms as one warp to a fixed size (`transforms.fused_standard_transforms`,
    issue 29; off: Lucid's chain)."""
    if size <= 0 or steps <= 0:
        raise UserError(f"size and steps must be positive, got size={size} steps={steps}")
    return schedule_lib.render_scheduled(
        model, objectives.saturation_penalized(objective, saturation_penalty),
        lambda s: param.image_of_kind(param_kind, s, batch=batch, decorrelate=decorrelate,
                                      **param.for_model(model)),
        size, steps, schedule=schedule,
        transforms_for=lambda s: (transforms_lib.standard_transforms_for(model, s, fused=fused_transforms)
                                  if use_transforms else []),
        optimizer=render.adam(lr), thresholds=thresholds or (steps,), seed=seed, progress=progress,
        description=str(objective), slice_channels=slice_channels, relu_override=relu_override)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Grid: rows = units; columns = pixel, fft + decorrelate. Returns written paths."""
    from lucid_repro.images import contact_sheet, save_image
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
