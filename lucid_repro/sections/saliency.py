"""Saliency and guided backpropagation (classic): its declaration, its `make demo` part and
its files (`lucid_repro.recipes.saliency` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.errors import UserError
from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "saliency/saliency.json")
    return [(f"{m['image']} {m['method']} ({m['objective']}): top-5% mass / edge correlation",
             f"{fmt(m['top5_mass'], 2)} / {fmt(m['edge_correlation'], 2)}",
             "none given (guided maps are sharper)") for m in (dig(r, "maps") or [])] or \
        [("top-5% mass", "—", "none given (the article shows this qualitatively)")]


_IMAGES = ["bridge.jpg", "girl.jpg"]     # bridge ships with the package; girl is optional

SECTION = Section(
    name="saliency", part="classic", order=100, title="Saliency and guided backpropagation",
    claim="The gradient of a unit with respect to the input marks the pixels that matter; guided "
          "backpropagation gives sharper, edge-aligned maps.",
    settings={
        "library": dict(method="vanilla", size=336),
        "demo": dict(size=[224, 336], images=_IMAGES),
        "quick": dict(size=[48, 72], images=_IMAGES[:1]),
    },
    sources={"library": "Simonyan et al. 2014 (vanilla), Springenberg et al. 2015 (guided); size ours",
             "demo": "ours: two photos, both methods", "quick": "ours: smoke tests"},
    figures=(("saliency/saliency_grid.png", "photo, vanilla, guided, guided gradient, overlay"),),
    numbers=numbers,
    describe="VGG19, {images} at {size} px",
    expected_seconds=13,
)


def demo(model, output_dir, quick=False, progress=True):
    """Rows: photos; columns: photo, vanilla map, guided map, guided gradient (RGB),
    guided overlay. Prints how concentrated and edge-aligned each map is."""
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes.saliency import compute, default_layer, edge_correlation, top_mass
    from lucid_repro.images import contact_sheet, load_image, save_image
    from lucid_repro.sections import write_json
    settings = SECTION.demo_row(quick, model)
    size = tuple(settings["size"])
    rows, written = [], []
    record = {"model": getattr(model, "name", str(model)), "size": list(size), "maps": []}
    for i, name in enumerate(settings["images"]):
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
