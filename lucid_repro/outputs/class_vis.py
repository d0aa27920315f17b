"""The class_vis section's demo and files (`lucid_repro.recipes.class_vis` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os

from lucid_repro.recipes.class_vis import (
    DEMO_CLASSES, METHODS, STEPS, class_visualization, classifier_for_demo)


def demo(model, output_dir, quick=False, progress=True):
    """Rows: classes; columns: yosinski (pixels + blur/jitter/L2), fft (Lucid). Skipped,
    with the reason printed, when no classifier weights are present."""
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.outputs import SectionSkipped, write_json
    classifier, reason = classifier_for_demo(model)
    if classifier is None:
        raise SectionSkipped(reason)
    size = 224
    steps = {"yosinski": 4 if quick else STEPS, "fft": 4 if quick else 256}
    rows, written = [], []
    for n in DEMO_CLASSES[:1] if quick else DEMO_CLASSES:
        row = []
        for method in METHODS:
            img = class_visualization(classifier, n, method, size=size, steps=steps[method],
                                      progress=progress).images[-1][0]
            written.append(save_image(os.path.join(output_dir, f"class_vis_{n}_{method}.png"), img))
            row.append(img)
        rows.append(row)
    sheet = os.path.join(output_dir, "class_vis_grid.png")
    save_image(sheet, contact_sheet(rows))
    record = {"model": classifier.name, "size": size, "steps": steps, "methods": list(METHODS),
              "classes": list(DEMO_CLASSES[:1] if quick else DEMO_CLASSES)}
    written.append(write_json(os.path.join(output_dir, "class_vis.json"), record))
    return [sheet] + written
