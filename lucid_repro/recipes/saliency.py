"""Saliency maps (Simonyan et al. 2014) and guided backpropagation (Springenberg et al.
2015) of a photo, for a class score or, on models without a classifier (the offline
VGG19), a channel -- by default the most active channel of the layer.

Attribution is one gradient (`lucid_repro.optvis.attribution`); nothing is optimized.
"""
import dataclasses
import os

import numpy as np

from lucid_repro import assets
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.models.families import pick
from lucid_repro.optvis import attribution, objectives


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


DEFAULT_LAYERS = {"vgg19": "relu5_4", "ranvgg19": "relu5_4", "inception_v1": "mixed5b"}


@dataclasses.dataclass
class Saliency:
    image: np.ndarray        # the photo [H, W, 3]
    gradient: np.ndarray     # d score / d image [H, W, 3]
    map: np.ndarray          # |gradient| max over channels, normalized to [0, 1]
    overlay: np.ndarray      # RGB
    objective: str
    method: str


def default_layer(model):
    return pick(DEFAULT_LAYERS, model, model.layer_names[-1])


def score_objective(model, image, class_index=None, layer=None, channel=None, logits_layer=None):
    """The score to attribute: a class logit if class_index is given, else a channel of
    `layer` (default: the model's last conv block), by default its most active one.
    Returns (Objective, description)."""
    if class_index is not None:
        if layer is not None or channel is not None:
            raise UserError("give either --class or --layer/--channel, not both")
        obj = attribution.class_score(model, class_index, logits_layer)
        return obj, f"class {int(class_index)}"
    layer = model.check_layer(layer or default_layer(model))
    if channel is None:
        channel = attribution.most_active_channel(model, image, layer)
    channel = model.check_channel(layer, channel)
    return objectives.channel(layer, channel), f"{layer}:{channel}"


def compute(model, image, method="vanilla", class_index=None, layer=None, channel=None,
            logits_layer=None, gradcam_layer=None, seed=0, samples=32):
    """Attribution of `image` ([H, W, C] in [0, 1]) with `method` in attribution.METHODS:
    vanilla / guided / smoothgrad / ig (the gradient methods: `gradient` is their
    per-channel attribution) or gradcam (`gradient` None; `gradcam_layer`: its layer,
    default the score's own layer, or the last conv block for a class score)."""
    if method not in attribution.METHODS:
        raise UserError(f"--method must be one of {', '.join(attribution.METHODS)}, got {method!r}")
    obj, description = score_objective(model, image, class_index, layer, channel, logits_layer)
    if method == "gradcam":
        grad, raw = None, attribution.gradcam(model, image, obj, gradcam_layer)
    else:
        grad = attribution.attribution_gradient(model, image, obj, method, seed=seed, samples=samples)
        raw = attribution.map_from_gradient(grad, method)
    smap = attribution.normalize_map(raw)
    return Saliency(np.asarray(image, np.float32), grad, smap, attribution.overlay(image, smap),
                    description, method)


def deletion_insertion(model, image, objective, smap, fractions=16):
    """Petsiuk et al.'s curves of one map (`attribution.deletion_insertion`, blurred
    baseline): dict x, deletion, insertion (score / score on the photo) and their areas."""
    x, deletion, insertion = attribution.deletion_insertion(model, image, objective, smap, fractions=fractions)
    return dict(x=x.tolist(), deletion=deletion.tolist(), insertion=insertion.tolist(),
                deletion_auc=attribution.area(x, deletion), insertion_auc=attribution.area(x, insertion))


def random_order(shape, seed=0):
    """A map ranking pixels at random: the deletion/insertion baseline a method must beat."""
    return np.random.RandomState(seed).uniform(size=shape[:2]).astype(np.float32)


def sanity_check(model, image, objective, methods, steps=None, seed=0, samples=32):
    """Adebayo et al. 2018's cascading randomization (`attribution.cascading_randomization`)
    for several methods at once (one randomized copy per step): the weighted layers below
    the score's layer re-initialized deepest first, `steps` of them (default all).
    Returns {method: [(layers randomized, Spearman rank correlation with the trained
    map)]} and {method: [trained map, map after each step]} (maps normalized to [0, 1])."""
    names = [l.name for l in model.keras_model.layers]
    last = max((names.index(l) for l in objective.layers if l in names), default=len(names) - 1)
    order = [n for n in reversed(attribution.weighted_layers(model)) if names.index(n) <= last][:steps]
    from scipy.stats import spearmanr
    maps = {m: [attribution.saliency(model, image, objective, m, seed=seed, samples=samples)] for m in methods}
    scores = {m: [] for m in methods}
    for k in range(1, len(order) + 1):
        net = attribution.randomized_model(model, order[:k], seed=seed)
        for m in methods:
            smap = attribution.saliency(net, image, objective, m, seed=seed, samples=samples)
            rho = spearmanr(maps[m][0].ravel(), smap.ravel())[0]
            scores[m].append((order[:k], float(0.0 if np.isnan(rho) else rho)))
            maps[m].append(smap)
    return scores, {m: [attribution.normalize_map(x) for x in v] for m, v in maps.items()}


# ---------------------------------------------------------------- measurements

def top_mass(smap, fraction=0.05):
    """Share of the map's total mass in its top `fraction` of pixels (1 = all of it)."""
    flat = np.sort(np.asarray(smap, np.float64).ravel())[::-1]
    k = max(1, int(round(fraction * flat.size)))
    return float(flat[:k].sum() / max(flat.sum(), 1e-12))


def edge_correlation(smap, image):
    """Pearson correlation of the map with the photo's edge strength (Sobel magnitude of
    the grey image): how much the map traces object outlines."""
    grey = np.asarray(image, np.float64).mean(-1)
    gy, gx = np.gradient(grey)
    edges = np.hypot(gx, gy)
    return float(np.corrcoef(np.asarray(smap, np.float64).ravel(), edges.ravel())[0, 1])


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Rows: photos; columns: photo, vanilla map, guided map, guided gradient (RGB),
    guided overlay. Prints how concentrated and edge-aligned each map is."""
    from lucid_repro.images import contact_sheet, load_image, save_image
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
    from lucid_repro.images import contact_sheet, load_image, save_image
    size, methods = tuple(settings["check_size"]), list(settings["methods"])
    record = {"size": list(size), "fractions": settings["fractions"], "images": {}, "sanity": {}}
    rows, curves = [], {}
    for i, name in enumerate(settings["check_images"]):
        photo = load_image(assets.find_image(name, "content"), size=size)
        layer = default_layer(model)
        obj, description = score_objective(model, photo, layer=layer)
        row, per_image = [photo], {"objective": description}
        for method in methods + ["random"]:
            if method == "random":
                smap = random_order(photo.shape)
            else:
                smap = compute(model, photo, method, layer=layer, channel=obj.channels[0][1],
                                  samples=settings["samples"]).map
                row.append(attribution.overlay(photo, smap))
            per_image[method] = deletion_insertion(model, photo, obj, smap, settings["fractions"])
            curves.setdefault(method, []).append(per_image[method])
            print(f"[saliency] {name} {description} {method}: deletion area "
                  f"{per_image[method]['deletion_auc']:.3f}, insertion area {per_image[method]['insertion_auc']:.3f}")
        record["images"][name] = per_image
        rows.append(row)
        if i == 0:
            record["sanity"], maps = sanity_check(model, photo, obj, methods, steps=settings["sanity_layers"],
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
    from lucid_repro.files import atomic_path
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
