"""Segmentation from a saliency map with GrabCut (classic, Simonyan et al. 2014): its
declaration, its `make demo` part and its files (`lucid_repro.recipes.grabcut` keeps the
computation)."""
import os

from lucid_repro import assets
from lucid_repro.sections.base import Section, dig, fmt, read_json

PAPER = "none per image (Simonyan et al.: 46.4% top-5 localization error on ILSVRC-2013)"


def numbers(out):
    r = read_json(out, "grabcut/grabcut.json")
    return [(f"{m['image']} ({m['target']}): foreground fraction / saliency mass inside it",
             f"{fmt(m['foreground_fraction'], 2)} / {fmt(m['saliency_inside'], 2)}", PAPER)
            for m in (dig(r, "segments") or [])] or [("foreground fraction", "—", PAPER)]


SECTION = Section(
    name="grabcut", part="classic", order=106, title="Segmentation from saliency with GrabCut",
    claim="A saliency map is enough to seed a segmentation: its top 5% pixels are foreground, its bottom "
          "30% background, and GrabCut's colour models fill in the object.",
    settings={
        "library": dict(size=336, fg_quantile=0.95, bg_quantile=0.30, iterations=5, layer=None),
        "demo": dict(size=224, fg_quantile=0.95, bg_quantile=0.30, iterations=5, layer="relu5_4",
                     images=["bridge.jpg", "zurich.jpg"]),
        "quick": dict(size=64, fg_quantile=0.95, bg_quantile=0.30, iterations=2, layer="relu5_4",
                      images=["bridge.jpg"]),
        "paper": dict(size=224, fg_quantile=0.95, bg_quantile=0.30, iterations=5, layer=None),
    },
    sources={"library": "Simonyan et al. 2014 (quantiles); GrabCut's iterations: OpenCV's usual 5; size ours",
             "demo": "ours: VGG19 has no classifier offline, so the most active relu5_4 channel's map",
             "quick": "ours: smoke tests",
             "paper": "Simonyan et al. 2014, Sect. 3.1 (95% / 30% quantiles, 224 px crops, a class map)"},
    figures=(("grabcut/grabcut_grid.png", "photo, saliency, seeds (red fg, blue bg), GrabCut's foreground"),),
    numbers=numbers,
    describe="VGG19 {layer} (most active channel: no classifier offline), {images} at {size} px, "
             "seeds above the {fg_quantile} / below the {bg_quantile} quantile, {iterations} GrabCut iterations",
    expected_seconds=20,
)


def demo(model, output_dir, quick=False, progress=True):
    """Rows: photos; columns: photo, saliency map, seeds, GrabCut's foreground."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes import grabcut
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    classes = model.has_classifier
    os.makedirs(output_dir, exist_ok=True)
    rows, record, shape = [], {"model": model.name, "size": row["size"], "segments": []}, None
    if classes:
        shape = model.input_size_for(model.classifier_layers[:1])
    for name in row["images"]:
        path = assets.find_image(name, "content")
        photo = load_image(path, size=shape) if shape else load_image(path, max_side=row["size"])
        shape = photo.shape[:2]
        if classes:
            import numpy as np
            logits = model.activations(photo[None], model.classifier_layers[:1])[model.classifier_layers[0]]
            kwargs = dict(class_index=int(np.argmax(logits[0])))
        else:
            kwargs = dict(layer=row["layer"])
        s = grabcut.segment(model, photo, fg_quantile=row["fg_quantile"], bg_quantile=row["bg_quantile"],
                            iterations=row["iterations"], **kwargs)
        inside = float(s.saliency[s.mask].sum() / max(s.saliency.sum(), 1e-12))
        record["segments"].append({"image": name, "target": s.target, "foreground_fraction": s.foreground_fraction,
                                   "saliency_inside": inside})
        print(f"[grabcut] {name} {s.target}: foreground {s.foreground_fraction:.2f} of the photo, "
              f"holding {inside:.2f} of the saliency")
        rows.append([photo, attribution.heatmap(s.saliency), s.seeds_image(), s.cutout()])
    sheet = save_image(os.path.join(output_dir, "grabcut_grid.png"), contact_sheet(rows))
    return [sheet, write_json(os.path.join(output_dir, "grabcut.json"), record)]
