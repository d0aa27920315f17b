"""Saliency maps (Simonyan et al. 2014) and guided backpropagation (Springenberg et al.
2015) of a photo, for a class score or, on models without a classifier (the offline
VGG19), a channel -- by default the most active channel of the layer.

Attribution is one gradient (`lucid_repro.optvis.attribution`); nothing is optimized.
"""
import dataclasses

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.models.families import pick
from lucid_repro.optvis import attribution, objectives

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
