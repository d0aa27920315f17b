"""Class visualization (classic): its declaration, its `make demo` part and its files
(`lucid_repro.recipes.class_vis` keeps the computation)."""
import os

from lucid_repro.sections.base import NO_NUMBER, Section, read_json


def numbers(out):
    r = read_json(out, "class_vis/class_vis.json")
    return [("classes × methods", f"{len(r.get('classes', []))} × {', '.join(r.get('methods', []))}", "—")] \
        if r else [("classes", "—", NO_NUMBER)]


SECTION = Section(
    name="class_vis", part="classic", order=110, title="Class visualization",
    claim="Maximizing a class logit under regularizers (blur, jitter, L2; or a Fourier "
          "parameterization) draws what the classifier takes the class to look like.",
    settings={
        # steps / lr None: the method's (100 and 25 normalized units for yosinski, 512 and 0.05 for fft)
        "library": dict(method="both", size=224, steps=None, lr=None, l2_reg=1e-3, blur_every=10,
                        blur_sigma=0.5, jitter=16),
        "demo": dict(size=224, steps={"yosinski": 100, "fft": 256}, classes=[1, 100, 300]),
        "quick": dict(size=224, steps={"yosinski": 4, "fft": 4}, classes=[1]),
    },
    sources={"library": "Yosinski et al. 2015 (blur, jitter, L2 decay), Lucid's fft parameterization",
             "demo": "ours: three classes, both methods", "quick": "ours: smoke tests"},
    figures=(("class_vis/class_vis_grid.png", "rows: classes; Yosinski, Fourier"),),
    numbers=numbers,
    describe="{size} px, classes {classes}; needs a classifier (InceptionV1 weights)",
    expected_seconds=1,
)


def demo(model, output_dir, quick=False, progress=True):
    """Rows: classes; columns: yosinski (pixels + blur/jitter/L2), fft (Lucid). Skipped,
    with the reason printed, when no classifier weights are present."""
    from lucid_repro.recipes.class_vis import METHODS, class_visualization, classifier_for_demo
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.sections import SectionSkipped, write_json
    classifier, reason = classifier_for_demo(model)
    if classifier is None:
        raise SectionSkipped(reason)
    settings = SECTION.demo_row(quick)
    size, steps, classes = settings["size"], settings["steps"], settings["classes"]
    rows, written = [], []
    for n in classes:
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
              "classes": list(classes)}
    written.append(write_json(os.path.join(output_dir, "class_vis.json"), record))
    return [sheet] + written
