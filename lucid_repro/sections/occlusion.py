"""Saliency by occlusion (classic, Zeiler & Fergus 2014): its declaration, its `make demo`
part and its files (`lucid_repro.recipes.occlusion` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "occlusion/occlusion.json")
    return [(f"{m['image']} ({m['target']}): score / largest drop / share of drop in the top 10% of positions",
             f"{fmt(m['base'], 3)} / {fmt(m['max_drop'], 3)} / {fmt(m['top10_share'], 2)}",
             "none given (Zeiler & Fergus show the maps)") for m in (dig(r, "maps") or [])] or \
        [("largest drop", "—", "none given (Zeiler & Fergus show the maps)")]


SECTION = Section(
    name="occlusion", part="classic", order=170, title="Saliency by occlusion",
    claim="Covering the part of the photo a class depends on with a grey square makes its probability "
          "drop; sliding the square maps where the evidence is.",
    settings={
        # layer/channel: what a model without a classifier explains (a channel's mean activation)
        "library": dict(patch=32, stride=16, size=224, batch_size=32, layer=None),
        "demo": dict(patch=32, stride=20, size=160, batch_size=32, layer="relu5_4",
                     images=["bridge.jpg", "zurich.jpg"]),
        "quick": dict(patch=16, stride=16, size=64, batch_size=32, layer="relu5_4",
                      images=["bridge.jpg"]),
        "paper": dict(patch=50, stride=10, size=224, batch_size=32, layer=None),
    },
    sources={"library": "ours (Zeiler & Fergus' grey square; a patch of 1/7 of the photo, stride half of it)",
             "demo": "ours: VGG19 has no classifier offline, so a relu5_4 channel's mean activation",
             "quick": "ours: smoke tests",
             "paper": "Zeiler & Fergus 2014, Fig. 7 (a 50x50 grey square; the stride is not given)"},
    figures=(("occlusion/occlusion_grid.png", "photo, drop map over the photo, drop per position"),),
    numbers=numbers,
    describe="VGG19 {layer} (most active channel: no classifier offline), {images} at {size} px, "
             "{patch} px grey patch, stride {stride}",
    expected_seconds=70,
)


def demo(model, output_dir, quick=False, progress=True):
    """Rows: photos; columns: photo, the drop map over the photo, the drop map. A model
    with a classifier explains its top class's probability; otherwise a channel of the
    row's layer (its most active one), as the report says."""
    import numpy as np
    from lucid_repro.images import contact_sheet, load_image, save_image
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes import occlusion
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    layer = None if model.has_classifier else row["layer"]
    fixed = model.input_size_for(model.classifier_layers[:1]) if layer is None else None
    os.makedirs(output_dir, exist_ok=True)
    rows, record = [], {"model": model.name, "size": row["size"], "patch": row["patch"], "stride": row["stride"],
                        "maps": []}
    shape = fixed
    for name in row["images"]:
        path = assets.find_image(name, "content")
        # the first photo at the row's size (longer side); the others at its shape (one sheet)
        photo = load_image(path, size=shape) if shape else load_image(path, max_side=row["size"])
        shape = photo.shape[:2]
        r = occlusion.occlude(model, photo, row["patch"], row["stride"], layer=layer,
                              batch_size=row["batch_size"], progress=progress)
        shown = occlusion.display_map(r)
        flat = np.sort(np.clip(r.grid.ravel(), 0, None))[::-1]
        share = float(flat[:max(1, len(flat) // 10)].sum() / max(flat.sum(), 1e-12))
        record["maps"].append({"image": name, "target": r.target, "base": r.base,
                               "max_drop": float(r.grid.max()), "top10_share": share})
        print(f"[occlusion] {name} {r.target}: score {r.base:.3g}, largest drop {r.grid.max():.3g}, "
              f"top-10% positions hold {share:.2f} of the drop")
        rows.append([photo, attribution.overlay(photo, shown), attribution.heatmap(shown)])
    sheet = save_image(os.path.join(output_dir, "occlusion_grid.png"), contact_sheet(rows))
    return [sheet, write_json(os.path.join(output_dir, "occlusion.json"), record)]
