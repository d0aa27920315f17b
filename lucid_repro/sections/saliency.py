"""Saliency and guided backpropagation (classic): its declaration, its `make demo` part and
its files (`lucid_repro.recipes.saliency` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.errors import UserError
from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "saliency/saliency.json")
    return _map_numbers(r) + _evaluation_numbers(read_json(out, "saliency/attribution_checks.json"))


def _evaluation_numbers(r):
    rows = []
    for method, v in (dig(r, "mean_auc") or {}).items():
        rows.append((f"{method}: deletion / insertion area (score fraction; deletion lower, insertion higher "
                     "is better)", f"{fmt(v['deletion'], 3)} / {fmt(v['insertion'], 3)}",
                     "Petsiuk et al. 2018: a map must beat random order"))
    for method, steps in (dig(r, "sanity") or {}).items():
        rows.append((f"{method}: rank correlation with the trained map after randomizing "
                     f"{len(steps)} layers top-down", " → ".join(fmt(rho, 2) for _, rho in steps),
                     "Adebayo et al. 2018: must fall (guided backprop famously does not)"))
    return rows


def _map_numbers(r):
    return [(f"{m['image']} {m['method']} ({m['objective']}): top-5% mass / edge correlation",
             f"{fmt(m['top5_mass'], 2)} / {fmt(m['edge_correlation'], 2)}",
             "none given (guided maps are sharper)") for m in (dig(r, "maps") or [])] or \
        [("top-5% mass", "—", "none given (the article shows this qualitatively)")]


_IMAGES = ["bridge.jpg", "girl.jpg"]     # bridge ships with the package; girl is optional
_PACKAGED = ["bridge.jpg", "zurich.jpg"]  # the packaged photos (lucid_repro/data/content)
_CHECKED = ["vanilla", "guided", "smoothgrad", "ig", "gradcam"]

SECTION = Section(
    name="saliency", part="classic", order=100, title="Saliency and guided backpropagation",
    claim="The gradient of a unit with respect to the input marks the pixels that matter; guided "
          "backpropagation gives sharper, edge-aligned maps.",
    settings={
        "library": dict(method="vanilla", size=336),
        "demo": dict(size=[224, 336], images=_IMAGES, methods=_CHECKED, check_images=_PACKAGED,
                     check_size=[64, 96], fractions=16, sanity_layers=4, samples=32),
        "quick": dict(size=[48, 72], images=_IMAGES[:1], methods=_CHECKED, check_images=_PACKAGED[:1],
                      check_size=[32, 48], fractions=4, sanity_layers=2, samples=4),
    },
    sources={"library": "Simonyan et al. 2014 (vanilla), Springenberg et al. 2015 (guided); size ours",
             "demo": "ours: two photos, both methods; checks: every method on the packaged photos, "
                     "deletion/insertion (Petsiuk et al. 2018, 16 fractions, blurred baseline; SmoothGrad 32 samples, IG 32 "
                     "intervals), cascading "
                     "randomization of the 4 layers below the score (Adebayo et al. 2018)",
             "quick": "ours: smoke tests"},
    figures=(("saliency/saliency_grid.png", "photo, vanilla, guided, guided gradient, overlay"),
             ("saliency/attribution_methods.png", "photo, vanilla, guided, SmoothGrad, IG, Grad-CAM"),
             ("saliency/deletion_insertion.png", "deletion and insertion curves per method (and random order)"),
             ("saliency/sanity.png", "rows: methods; columns: trained, then layers randomized top-down")),
    numbers=numbers,
    describe="VGG19, {images} at {size} px",
    expected_seconds=120,
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
    return [sheet] + written + check_methods(model, output_dir, settings)


def check_methods(model, output_dir, settings):
    """Every attribution method on the packaged photos, explaining the most active channel
    of the default layer (its mean activation): the maps, their deletion/insertion curves
    against a random order, and the cascading-randomization sanity check on the first photo."""
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes import saliency as rs
    from lucid_repro.images import contact_sheet, load_image, save_image
    from lucid_repro.sections import write_json
    size, methods = tuple(settings["check_size"]), list(settings["methods"])
    record = {"size": list(size), "fractions": settings["fractions"], "images": {}, "sanity": {}}
    rows, curves = [], {}
    for i, name in enumerate(settings["check_images"]):
        photo = load_image(assets.find_image(name, "content"), size=size)
        layer = rs.default_layer(model)
        obj, description = rs.score_objective(model, photo, layer=layer)
        row, per_image = [photo], {"objective": description}
        for method in methods + ["random"]:
            if method == "random":
                smap = rs.random_order(photo.shape)
            else:
                smap = rs.compute(model, photo, method, layer=layer, channel=obj.channels[0][1],
                                  samples=settings["samples"]).map
                row.append(attribution.overlay(photo, smap))
            per_image[method] = rs.deletion_insertion(model, photo, obj, smap, settings["fractions"])
            curves.setdefault(method, []).append(per_image[method])
            print(f"[saliency] {name} {description} {method}: deletion area "
                  f"{per_image[method]['deletion_auc']:.3f}, insertion area {per_image[method]['insertion_auc']:.3f}")
        record["images"][name] = per_image
        rows.append(row)
        if i == 0:
            record["sanity"], maps = rs.sanity_check(model, photo, obj, methods, steps=settings["sanity_layers"],
                                                     samples=settings["samples"])
            sanity_rows = [[attribution.heatmap(m) for m in maps[method]] for method in methods]
            for method, steps in record["sanity"].items():
                print(f"[saliency] sanity {method}: " + ", ".join(f"{d[-1]} {rho:.2f}" for d, rho in steps))
    record["mean_auc"] = {m: {k: float(sum(c[f"{k}_auc"] for c in cs) / len(cs)) for k in ("deletion", "insertion")}
                          for m, cs in curves.items()}
    paths = [save_image(os.path.join(output_dir, "attribution_methods.png"), contact_sheet(rows)),
             save_image(os.path.join(output_dir, "sanity.png"), contact_sheet(sanity_rows)),
             plot_curves(os.path.join(output_dir, "deletion_insertion.png"), curves)]
    return paths + [write_json(os.path.join(output_dir, "attribution_checks.json"), record)]


def plot_curves(path, curves):
    """Deletion and insertion curves (mean over the photos), one line per method."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from lucid_repro.images import atomic_path
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), dpi=100)
    for ax, kind in zip(axes, ("deletion", "insertion")):
        for method, cs in curves.items():
            x = cs[0]["x"]
            y = np.mean([c[kind] for c in cs], axis=0)
            ax.plot(x, y, label=f"{method} ({np.mean([c[kind + '_auc'] for c in cs]):.2f})",
                    linestyle="--" if method == "random" else "-", color="grey" if method == "random" else None)
        ax.set_title(f"{kind}: score as pixels are {'removed' if kind == 'deletion' else 'restored'}")
        ax.set_xlabel("fraction of pixels, most attributed first")
        ax.set_ylabel("score / score on the photo")
        ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return path
