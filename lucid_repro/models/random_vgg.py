"""VGG19 variants for the Gram/content recipes: average pooling (Gatys; He, Wang &
Hopcroft 2016) and He et al.'s greedy "stacked" random weights.

`stacked_ranvgg19` is their greedy construction: going through the conv layers in
forward order, sample k random weight sets for the current layer (earlier layers
fixed), score each (He et al.: reconstruct a reference image from that layer's
rectified output by feature inversion, `recipes.feature_inversion.stacked_ranvgg19`)
and keep the set with the lowest score.
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models import vgg
from lucid_repro.models.base import FeatureModel

POOLINGS = ("avg", "max")


def conv_layers_up_to(layers):
    """VGG19 conv layers from conv1_1 to the deepest one that any of `layers` needs."""
    order = vgg.conv_names()
    deepest = -1
    for layer in layers:
        if layer.startswith("pool") and layer[4:].isdigit() and 1 <= int(layer[4:]) <= len(vgg.BLOCKS):
            block = int(layer[4:])
            need = max(i for i, c in enumerate(order) if c.startswith(f"conv{block}_"))
        elif layer.startswith(("relu", "conv")) and "conv" + layer[4:] in order:
            need = order.index("conv" + layer[4:])
        else:
            raise UserError(f"layer {layer!r} is not a VGG19 layer")
        deepest = max(deepest, need)
    return order[:deepest + 1]


def stacked_ranvgg19(layers, score, k=4, seed=0, sigma=vgg.RANDOM_SIGMA):
    """He et al.'s greedy "stacked" random VGG19.

    For every conv layer up to the deepest of `layers`, in forward order: sample k
    weight sets N(0, sigma^2) (zero bias), score each with `score(model, relu_layer)`
    (lower is better), keep the set with the lowest score.
    Returns (FeatureModel, report) with report = [{layer, losses, chosen}].
    """
    if k < 1:
        raise UserError(f"stacked ranVGG needs k >= 1, got k={k}")
    model = vgg.load_ranvgg19(seed=seed, sigma=sigma)
    rng = np.random.default_rng(seed + 1)
    cin = 3
    report = []
    for conv in conv_layers_up_to(layers):
        layer = model.keras_model.get_layer(conv)
        cout = int(layer.kernel.shape[-1])
        candidates, losses = [], []
        for j in range(k):
            kernel = rng.normal(0.0, sigma, size=(3, 3, cin, cout)).astype(np.float32)
            layer.set_weights([kernel, np.zeros(cout, np.float32)])
            candidates.append(kernel)
            losses.append(score(model, "relu" + conv[4:]))
        best = int(np.argmin(losses))
        layer.set_weights([candidates[best], np.zeros(cout, np.float32)])
        report.append({"layer": conv, "losses": [float(v) for v in losses], "chosen": best})
        cin = cout
    model.name = "ranvgg19_stacked"
    return model, report


def load_model(name, weights=None, seed=0, pooling="avg", stacked=None, **kwargs):
    """Load a zoo model for the Gram/content recipes: VGG19 and the random VGG19 with
    the chosen pooling (Gatys and He et al. use average pooling). `stacked`: None, or a
    function seed -> (model, report) building the greedy stacked random VGG19 (e.g.
    `recipes.feature_inversion.stacked_ranvgg19` bound to a reference image and layers).
    Other models (`inception_v1`, `hub:`, `keras:`) load with `kwargs` (e.g. a keras:
    model's preprocess). Returns (model, report); report is None unless stacked."""
    from lucid_repro import models
    if pooling not in POOLINGS:
        raise UserError(f"pooling must be one of {', '.join(POOLINGS)}, got {pooling!r}")
    if stacked and name != "ranvgg19":
        raise UserError("--stacked builds random weights: it needs --model=ranvgg19")
    if name == "vgg19":
        return models.load("vgg19", path=weights, pooling=pooling), None
    if name == "ranvgg19":
        if weights is not None:
            raise UserError("ranvgg19 has random weights; it takes --seed, not a weight file")
        if stacked:
            if pooling != "avg":
                raise UserError("the stacked random VGG19 uses average pooling (He et al.)")
            return stacked(seed=seed)
        return models.load("ranvgg19", seed=seed, pooling=pooling), None
    return models.load(name, path=weights, **kwargs), None


def with_avg_pooling(model):
    """The same VGG19 weights with average pooling (Gatys; He et al.), or the model itself
    when it already pools by averaging or is not a VGG19."""
    if not model.name.startswith(("vgg19", "ranvgg19")):
        return model
    if not any(isinstance(l, tf.keras.layers.MaxPool2D) for l in model.keras_model.layers):
        return model
    keras_model = vgg.build_keras_vgg19("avg", name=model.keras_model.name)
    vgg.set_weights(keras_model, {c: tuple(model.keras_model.get_layer(c).get_weights())
                                  for c in vgg.conv_names()})
    return FeatureModel(model.name, keras_model, vgg.layer_depths())
