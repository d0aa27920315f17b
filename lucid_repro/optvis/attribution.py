"""Attribution by gradients: saliency maps and guided backpropagation.

    grad = attribution.input_gradient(model, image, objective)              # one tape.gradient
    smap = attribution.saliency(model, image, objective)                    # Simonyan et al.
    smap = attribution.saliency(model, image, objective, method="guided")   # Springenberg et al.

* Vanilla saliency (Simonyan, Vedaldi & Zisserman 2014, "Deep Inside Convolutional
  Networks"): the gradient of a score with respect to the input pixels; the map is
  |gradient|, max over the colour channels.
* Guided backpropagation (Springenberg, Dosovitskiy, Brox & Riedmiller 2015, "Striving for
  Simplicity"): the same gradient through a copy of the network whose ReLUs pass a
  gradient back only where both the ReLU's input and the incoming gradient are positive
  (`guided_relu`, a `tf.custom_gradient`). The copy (`guided_model`) is the model's Keras
  graph cloned with every ReLU layer swapped for `GuidedReLU`; every other layer (and so
  every weight) is shared with the original, so it costs no memory and stays in sync.
* Guided backprop from one unit (`neuron_gradient`): the same backward pass started at
  a single neuron (channel, y, x) of a feature map instead of a class score, one unit per
  image of a batch: what a top patch's unit responds to inside its patch (Zeiler &
  Fergus 2014's deconvnet figures; Springenberg et al. 2015, Fig. 3).

The score is any `Objective` (`objectives.class_logit`, `objectives.channel`, ...), or
"layer:channel". Models without a classifier head (the offline VGG19) use a channel:
`most_active_channel(model, image, layer)` picks the channel with the largest mean
activation on the image. Attribution is a single `tape.gradient` call, not an
optimization, so it does not go through `render.render`.
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel
from lucid_repro.optvis import objectives as objectives_lib

METHODS = ("vanilla", "guided")


# ---------------------------------------------------------------- guided ReLU

@tf.custom_gradient
def guided_relu(x):
    """ReLU forward; backward passes dy only where x > 0 AND dy > 0 (Springenberg et al.)."""
    def grad(dy):
        return dy * tf.cast(x > 0, dy.dtype) * tf.cast(dy > 0, dy.dtype)
    return tf.nn.relu(x), grad


class GuidedReLU(tf.keras.layers.Layer):
    """Drop-in for a plain `tf.keras.layers.ReLU` with the guided-backprop gradient."""

    def call(self, inputs):
        return guided_relu(inputs)


def _is_plain_relu(layer):
    if isinstance(layer, tf.keras.layers.ReLU):
        config = layer.get_config()
        return (config.get("max_value") is None and not config.get("negative_slope")
                and not config.get("threshold"))
    if isinstance(layer, tf.keras.layers.Activation):
        return layer.get_config().get("activation") == "relu"
    return False


def guided_model(model):
    """A FeatureModel computing the same function as `model` with guided-backprop ReLUs.

    Built once per model and kept with it (`model.derived`). Raises UserError if the
    model has no ReLU it can override (e.g. a TF Hub SavedModel, whose ReLUs are inside
    one opaque layer)."""
    return model.derived("guided_backprop", lambda: _build_guided_model(model))


def _build_guided_model(model):
    keras_model = model.keras_model
    relus = [layer for layer in keras_model.layers if _is_plain_relu(layer)]
    if not relus:
        raise UserError(f"guided backprop needs ReLU layers it can override; model {model.name} "
                        "exposes none (use --method=vanilla)")

    def clone_layer(layer):
        return GuidedReLU(name=layer.name) if _is_plain_relu(layer) else layer  # share the rest

    guided = tf.keras.models.clone_model(keras_model, clone_function=clone_layer)
    depths = {name: model.layer_depth(name) for name in model.layer_names}
    return FeatureModel(model.name + "_guided", guided, depths,
                        classifier_layers=model.classifier_layers)


# ---------------------------------------------------------------- scores

def _rank(model, layer):
    return len(model.keras_model.output[layer].shape)


def class_layer(model, layer=None):
    """The logits layer class objectives read: `layer` if given (must be [batch, classes]),
    else the model's first classifier layer. UserError if the model has no classifier."""
    if layer is None:
        if not model.has_classifier:
            raise UserError(
                f"model {model.name} has no classifier head (the offline VGG19 is convolutional "
                "only): class objectives need --model=inception_v1 or a hub classifier with "
                "its logits layer")
        return model.classifier_layers[0]
    model.check_layer(layer)
    if _rank(model, layer) != 2:
        raise UserError(f"layer {layer} of {model.name} is not a classifier output "
                        "([batch, classes]); class objectives need logits")
    return layer


def class_score(model, n, layer=None):
    """Objective: the logit of class n (checked against the classifier's width)."""
    layer = class_layer(model, layer)
    n = int(n)
    depth = model.layer_depth(layer)
    if not 0 <= n < depth:
        raise UserError(f"class {n} out of range for {model.name} ({layer} has {depth} classes: 0..{depth - 1})")
    return objectives_lib.class_logit(layer, n)


def _as_batch(image):
    image = np.asarray(image, np.float32)
    if image.ndim == 3:
        image = image[None]
    if image.ndim != 4 or image.shape[-1] < 1:
        raise UserError(f"image must be [H, W, C] or [B, H, W, C] (C: the model's channels), got shape {image.shape}")
    return tf.constant(image)


def mean_activations(model, image, layer):
    """Spatial mean of each channel of `layer` on `image` (numpy [channels])."""
    model.check_layer(layer)
    acts = model.activations(_as_batch(image), [layer])[layer]
    axes = list(range(acts.shape.rank - 1))
    return tf.reduce_mean(acts, axis=axes).numpy()


def most_active_channel(model, image, layer):
    """The channel of `layer` with the largest mean activation on `image`."""
    return int(np.argmax(mean_activations(model, image, layer)))


# ---------------------------------------------------------------- gradients

def input_gradient(model, image, objective, guided=False):
    """d objective / d image at `image` ([H, W, 3] or [B, H, W, 3] in [0, 1]), as numpy of
    the same shape; through guided-backprop ReLUs if `guided`. One tape.gradient call."""
    objective = objectives_lib.as_objective(objective)
    objectives_lib.check_against(objective, model)
    batch = _as_batch(image)
    net = guided_model(model) if guided else model
    layers = list(objective.layers)
    with tf.GradientTape() as tape:
        tape.watch(batch)
        acts = net.activations(batch, layers) if layers else {}
        value = objective(lambda name: batch if name == "input" else acts[name])
    grad = tape.gradient(value, batch)
    if grad is None:
        raise UserError(f"objective {objective.name} does not depend on the input image")
    grad = grad.numpy()
    return grad[0] if np.ndim(image) == 3 else grad


def neurons(layer, units):
    """Objective: the sum over the batch of one unit per image, units[b] = (channel, y, x)
    of `layer` [B, H, W, C] (item b's own unit: its gradient is that unit's alone)."""
    index = np.asarray([(b, int(y), int(x), int(c)) for b, (c, y, x) in enumerate(units)], np.int32)

    def fn(T):
        return tf.reduce_sum(tf.gather_nd(T(layer), index))
    return objectives_lib.Objective(fn, [layer], sorted({(layer, int(c)) for c, _, _ in units}),
                                    f"neurons({layer}: {len(units)})")


def neuron_gradient(model, images, layer, units, guided=True):
    """Guided backprop (Springenberg et al.; Zeiler & Fergus' "deconvnet" view of a patch)
    from single units: d layer[b, y_b, x_b, c_b] / d images[b] for each item b of
    `images` [B, H, W, C] (or one image [H, W, C] and one unit), with units[b] =
    (channel, y, x). One tape.gradient for the batch (items do not interact)."""
    single = np.ndim(images) == 3
    if single:
        units = [units] if np.ndim(units) == 1 else units
    model.check_layer(layer)
    if _rank(model, layer) != 4:
        raise UserError(f"layer {layer} of {model.name} is not spatial ([B, H, W, C]); neurons need a feature map")
    for c, _, _ in units:
        model.check_channel(layer, c)
    batch = np.asarray(images, np.float32)
    if len(units) != (1 if single else len(batch)):
        raise ValueError(f"one unit per image: {len(units)} units for {1 if single else len(batch)} images")
    return input_gradient(model, batch, neurons(layer, units), guided=guided)


def saliency_from_gradient(grad):
    """Simonyan et al.'s map: |gradient|, max over the colour channels ([..., H, W])."""
    return np.max(np.abs(grad), axis=-1)


def saliency(model, image, objective, method="vanilla"):
    """Saliency map ([H, W], or [B, H, W] for a batch) for `method` in METHODS."""
    if method not in METHODS:
        raise UserError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    return saliency_from_gradient(input_gradient(model, image, objective, guided=method == "guided"))


# ---------------------------------------------------------------- display

def normalize_map(smap, percentile=99.5):
    """Scale a non-negative map to [0, 1], clipping at a high percentile so a few hot
    pixels do not wash the rest out."""
    smap = np.asarray(smap, np.float32)
    top = np.percentile(smap, percentile)
    if not top > 0:
        top = smap.max()
    if not top > 0:
        return np.zeros_like(smap)
    return np.clip(smap / top, 0.0, 1.0)


def gradient_image(grad, percentile=99.5):
    """A signed gradient as an RGB image: 0.5 grey is zero, scaled by a high percentile
    of |grad| (the usual display of guided backprop)."""
    grad = np.asarray(grad, np.float32)
    top = np.percentile(np.abs(grad), percentile)
    if not top > 0:
        return np.full(grad.shape, 0.5, np.float32)
    return np.clip(0.5 + 0.5 * grad / top, 0.0, 1.0)


def heatmap(smap):
    """[H, W] in [0, 1] -> RGB with a black-red-yellow-white ramp ("hot")."""
    m = np.clip(np.asarray(smap, np.float32), 0.0, 1.0)[..., None]
    return np.clip(np.concatenate([3 * m, 3 * m - 1, 3 * m - 2], axis=-1), 0.0, 1.0)


def overlay(image, smap, alpha=0.7):
    """The map as a heat map over a darkened grey copy of the photo."""
    image = np.asarray(image, np.float32)
    grey = image.mean(axis=-1, keepdims=True)   # any channel count; broadcast over the heat map's RGB
    m = np.clip(np.asarray(smap, np.float32), 0.0, 1.0)[..., None]
    base = 0.5 * grey
    return np.clip(base * (1 - alpha * m) + alpha * m * heatmap(smap), 0.0, 1.0)


__all__ = ["METHODS", "guided_relu", "GuidedReLU", "guided_model", "class_layer", "class_score",
           "mean_activations", "most_active_channel", "input_gradient", "neurons", "neuron_gradient", "saliency_from_gradient",
           "saliency", "normalize_map", "gradient_image", "heatmap", "overlay"]
