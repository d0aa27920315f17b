"""The saliency section's demo and files (`lucid_repro.recipes.saliency` keeps the computation;
this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro import assets
from lucid_repro.errors import UserError
from lucid_repro.optvis import attribution
from lucid_repro.recipes.saliency import (
    DEMO_IMAGES, compute, default_layer, edge_correlation, top_mass)


def demo(model, output_dir, quick=False, progress=True):
    """Rows: photos; columns: photo, vanilla map, guided map, guided gradient (RGB),
    guided overlay. Prints how concentrated and edge-aligned each map is."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    from lucid_repro.outputs import write_json
    size = (48, 72) if quick else (224, 336)
    rows, written = [], []
    record = {"model": getattr(model, "name", str(model)), "size": list(size), "maps": []}
    for i, name in enumerate(DEMO_IMAGES[:1] if quick else DEMO_IMAGES):
        try:
            path = assets.find_image(name, "content")
        except UserError:
            if i == 0:
                raise
            print(f"[saliency] {name} not found (it is read from the shared data folder); skipped")
            continue
        photo = load_image(path, size=size)
        stem = os.path.splitext(name)[0]
        vanilla = compute(model, photo, "vanilla")
        guided = compute(model, photo, "guided", layer=default_layer(model),
                         channel=int(vanilla.objective.split(":")[1]))
        for s in (vanilla, guided):
            mass, edges = float(top_mass(s.map)), float(edge_correlation(s.map, photo))
            record["maps"].append({"image": name, "objective": s.objective, "method": s.method,
                                   "top5_mass": mass, "edge_correlation": edges})
            print(f"[saliency] {name} {s.objective} {s.method}: top-5% mass {mass:.2f}, "
                  f"edge correlation {edges:.2f}")
            written.append(save_image(os.path.join(output_dir, f"saliency_{stem}_{s.method}.png"), s.map))
            written.append(save_image(os.path.join(output_dir, f"saliency_{stem}_{s.method}_overlay.png"),
                                      s.overlay))
        rows.append([photo, attribution.heatmap(vanilla.map), attribution.heatmap(guided.map),
                     attribution.gradient_image(guided.gradient), guided.overlay])
    sheet = os.path.join(output_dir, "saliency_grid.png")
    save_image(sheet, contact_sheet(rows))
    written.append(write_json(os.path.join(output_dir, "saliency.json"), record))
    return [sheet] + written
