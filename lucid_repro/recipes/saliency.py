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
            logits_layer=None):
    """Saliency of `image` ([H, W, 3] in [0, 1]) with `method` in attribution.METHODS."""
    if method not in attribution.METHODS:
        raise UserError(f"--method must be one of {', '.join(attribution.METHODS)}, got {method!r}")
    obj, description = score_objective(model, image, class_index, layer, channel, logits_layer)
    grad = attribution.input_gradient(model, image, obj, guided=method == "guided")
    smap = attribution.normalize_map(attribution.saliency_from_gradient(grad))
    return Saliency(np.asarray(image, np.float32), grad, smap, attribution.overlay(image, smap),
                    description, method)


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
