"""The feature_vis section's demo and files (`lucid_repro.recipes.feature_vis` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro.recipes.feature_vis import DEMO_UNITS, visualize


def demo(model, output_dir, quick=False, progress=True, size=128, steps=160, units=DEMO_UNITS):
    """Grid: rows = units; columns = pixel, fft + decorrelate. Returns written paths."""
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.outputs import write_json
    if quick:
        size, steps, units = 32, 4, units[:2]
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
