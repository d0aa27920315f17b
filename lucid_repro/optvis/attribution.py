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
from lucid_repro.optvis import gradients as gradients_lib
from lucid_repro.optvis import objectives as objectives_lib

METHODS = ("vanilla", "guided", "smoothgrad", "ig", "gradcam")


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


def guided_model(model):
    """A FeatureModel computing the same function as `model` with guided-backprop ReLUs.

    Built once per model and kept with it (`model.derived`). Raises UserError if the
    model has no ReLU it can override (e.g. a TF Hub SavedModel, whose ReLUs are inside
    one opaque layer)."""
    return model.derived("guided_backprop", lambda: _build_guided_model(model))


def _build_guided_model(model):
    guided = gradients_lib.swap_relus(model, "_guided", lambda name: GuidedReLU(name=name))
    if guided is None:
        raise UserError(f"guided backprop needs ReLU layers it can override; model {model.name} "
                        "exposes none (use --method=vanilla)")
    return guided


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


def _objective_value_and_grad(net, batch, objective, layer=None):
    """Per-item objective values [B] and d sum(values) / d batch; with `layer`, also the
    layer's activations and the gradient with respect to them (for Grad-CAM)."""
    layers = list(objective.layers) + ([layer] if layer and layer not in objective.layers else [])
    with tf.GradientTape() as tape:
        tape.watch(batch)
        acts = net.activations(batch, layers) if layers else {}
        values = tf.stack([objective(lambda name, i=i: batch[i:i + 1] if name == "input" else acts[name][i:i + 1])
                           for i in range(batch.shape[0])])
        targets = [batch] + ([acts[layer]] if layer else [])
    grads = tape.gradient(values, targets)
    return values, grads, acts


def objective_values(model, images, objective):
    """The objective on each image of a batch ([B] numpy), one forward pass."""
    objective = objectives_lib.as_objective(objective)
    batch = _as_batch(images)
    acts = model.activations(batch, list(objective.layers)) if objective.layers else {}
    return np.array([float(objective(lambda name, i=i: batch[i:i + 1] if name == "input" else acts[name][i:i + 1]))
                     for i in range(batch.shape[0])], np.float32)


def smoothgrad_gradient(model, image, objective, samples=32, noise=0.15, batch_size=8, seed=0):
    """SmoothGrad (Smilkov et al. 2017): the input gradient averaged over `samples` copies
    of the image with Gaussian noise of std `noise` x the image's value range (the paper's
    10-20 %). [H, W, C] numpy."""
    objective = objectives_lib.as_objective(objective)
    objectives_lib.check_against(objective, model)
    image = np.asarray(image, np.float32)
    sigma = noise * max(float(image.max() - image.min()), 1e-6)
    rng = np.random.RandomState(seed)
    total = np.zeros(image.shape, np.float64)
    done = 0
    while done < samples:
        n = min(batch_size, samples - done)
        noisy = image[None] + rng.normal(0, sigma, (n,) + image.shape).astype(np.float32)
        _, grads, _ = _objective_value_and_grad(model, tf.constant(noisy), objective)
        total += grads[0].numpy().sum(axis=0)
        done += n
    return (total / samples).astype(np.float32)


def integrated_gradients(model, image, objective, steps=32, baseline=None, batch_size=8):
    """Integrated Gradients (Sundararajan, Taly & Yan 2017): (x - x0) times the gradient
    averaged along the straight path from the baseline x0 (default black, zeros) to x,
    by the trapezoidal rule over `steps` intervals. [H, W, C] numpy; summed over all
    pixels it approximates f(x) - f(x0) (completeness)."""
    objective = objectives_lib.as_objective(objective)
    objectives_lib.check_against(objective, model)
    image = np.asarray(image, np.float32)
    x0 = np.zeros_like(image) if baseline is None else np.broadcast_to(np.asarray(baseline, np.float32), image.shape)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] *= 0.5
    total = np.zeros(image.shape, np.float64)
    for start in range(0, steps + 1, batch_size):
        a = alphas[start:start + batch_size]
        path = x0[None] + a[:, None, None, None] * (image - x0)[None]
        _, grads, _ = _objective_value_and_grad(model, tf.constant(path), objective)
        total += np.tensordot(weights[start:start + batch_size], grads[0].numpy(), axes=1)
    return ((image - x0) * total).astype(np.float32)


def gradcam_layer(model, objective, layer=None):
    """Grad-CAM's layer: `layer` if given (must be spatial, [B, H, W, C]); else the
    objective's own layer if it is spatial; else the nearest spatial layer feeding the
    objective's layer (a class score: the last conv block before the logits)."""
    if layer is not None:
        model.check_layer(layer)
        if _rank(model, layer) != 4:
            raise UserError(f"Grad-CAM needs a spatial layer ([B, H, W, C]); {layer} is not")
        return layer
    spatial = [l for l in objective.layers if _rank(model, l) == 4]
    if spatial:
        return spatial[-1]
    # the nearest spatial layer the objective's layer is computed from (not merely the
    # last one listed: InceptionV1's auxiliary heads come after its main branch)
    spatial = [l for read in objective.layers for l in model.upstream_layers(read) if _rank(model, l) == 4]
    if not spatial:
        raise UserError(f"model {model.name} has no spatial layer for Grad-CAM")
    return spatial[0]


def gradcam(model, image, objective, layer=None):
    """Grad-CAM (Selvaraju et al. 2017): ReLU(sum_k w_k A_k) with w_k the spatial mean of
    d score / d A_k on the layer's activations A, upsampled bilinearly to the image.
    [H, W] numpy (not normalized)."""
    objective = objectives_lib.as_objective(objective)
    objectives_lib.check_against(objective, model)
    layer = gradcam_layer(model, objective, layer)
    batch = _as_batch(image)
    _, grads, acts = _objective_value_and_grad(model, batch, objective, layer)
    weights = tf.reduce_mean(grads[1], axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * acts[layer], axis=-1, keepdims=True))
    cam = tf.image.resize(cam, batch.shape[1:3], method="bilinear")[..., 0].numpy()
    return cam[0] if np.ndim(image) == 3 else cam


def saliency(model, image, objective, method="vanilla", layer=None, seed=0, samples=32):
    """Attribution map [H, W] of one image for `method` in METHODS: vanilla / guided /
    smoothgrad: max over channels of |gradient|; ig: |sum over channels| of the
    integrated gradients; gradcam: the Grad-CAM map (`layer`: its layer). samples:
    SmoothGrad's noisy copies and IG's path intervals."""
    if method not in METHODS:
        raise UserError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "gradcam":
        return gradcam(model, image, objective, layer)
    return map_from_gradient(attribution_gradient(model, image, objective, method, seed=seed, samples=samples),
                             method)


def attribution_gradient(model, image, objective, method, seed=0, samples=32):
    """The per-pixel, per-channel attribution of the gradient methods ([H, W, C]);
    `samples`: SmoothGrad's noisy copies, IG's path intervals."""
    if method == "smoothgrad":
        return smoothgrad_gradient(model, image, objective, samples=samples, seed=seed)
    if method == "ig":
        return integrated_gradients(model, image, objective, steps=samples)
    return input_gradient(model, image, objective, guided=method == "guided")


def map_from_gradient(grad, method):
    """[H, W] map of a gradient method's attribution."""
    if method == "ig":
        return np.abs(np.sum(grad, axis=-1))
    return saliency_from_gradient(grad)


# ---------------------------------------------------------------- evaluation

def blurred(image, sigma=None):
    """The image under a Gaussian blur of `sigma` px (default: 1/16 of its longer side),
    each channel alone: the deletion/insertion baseline (Petsiuk et al.'s insertion start)."""
    from scipy.ndimage import gaussian_filter
    image = np.asarray(image, np.float32)
    sigma = max(image.shape[:2]) / 16 if sigma is None else sigma
    return gaussian_filter(image, sigma=(sigma, sigma, 0), mode="reflect")


def deletion_insertion(model, image, objective, smap, fractions=16, baseline="blur", batch_size=8):
    """Petsiuk et al. 2018's curves. Pixels ranked by `smap` (highest first); deletion:
    the top k/fractions of them replaced by `baseline` ("blur": `blurred(image)`, "black",
    or an array), insertion: the baseline with the top pixels put back, k = 0..fractions. Returns (x [fractions+1],
    deletion scores, insertion scores), scores as fractions of the score on the image
    (its objective on the full photo). A good map makes deletion fall fast (low area) and
    insertion rise fast (high area)."""
    objective = objectives_lib.as_objective(objective)
    image = np.asarray(image, np.float32)
    if isinstance(baseline, str):
        if baseline not in ("blur", "black"):
            raise UserError(f"baseline must be 'blur', 'black' or an array, got {baseline!r}")
        base = blurred(image) if baseline == "blur" else np.zeros_like(image)
    else:
        base = np.broadcast_to(np.asarray(baseline, np.float32), image.shape)
    h, w = image.shape[:2]
    order = np.argsort(-np.asarray(smap, np.float64).ravel(), kind="stable")
    rank = np.empty(h * w, np.int64)
    rank[order] = np.arange(h * w)
    rank = rank.reshape(h, w)
    x = np.linspace(0.0, 1.0, fractions + 1)
    masks = np.stack([(rank < int(round(f * h * w)))[..., None] for f in x]).astype(np.float32)
    deleted = image[None] * (1 - masks) + base[None] * masks
    inserted = base[None] * (1 - masks) + image[None] * masks
    scores = np.concatenate([objective_values(model, b, objective)
                             for stack in (deleted, inserted)
                             for b in np.array_split(stack, max(1, len(stack) // batch_size))])
    full = scores[0]
    scale = full if abs(full) > 1e-12 else 1.0
    return x, scores[:fractions + 1] / scale, scores[fractions + 1:] / scale


def area(x, y):
    """Area under a curve (trapezoidal rule)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)


def randomized_model(model, layers, seed=0):
    """A copy of `model` whose `layers` (Keras layer names) have freshly initialized
    weights (their initializers, seeded) and shares every other layer (and weight) with the
    original: one step of Adebayo et al.'s cascading randomization. Not cached."""
    from lucid_repro.models.base import FeatureModel
    layers = set(layers)
    counter = iter(range(10 ** 6))

    def clone_layer(layer):   # a randomized layer is a fresh one of the same config; the rest shared
        if layer.name not in layers:
            return layer
        config = layer.get_config()
        for key, value in config.items():   # seeded initializers: the same copy every call
            if key.endswith("_initializer") and isinstance(value, dict) and "seed" in (value.get("config") or {}):
                value["config"]["seed"] = seed * 1000 + next(counter)
        return layer.__class__.from_config(config)

    clone = tf.keras.models.clone_model(model.keras_model, clone_function=clone_layer)
    depths = {name: model.layer_depth(name) for name in model.layer_names}
    return FeatureModel(model.name + "_randomized", clone, depths, classifier_layers=model.classifier_layers,
                        channels=getattr(model, "channels", 3))


def weighted_layers(model):
    """Keras layer names that have weights, input to output."""
    return [layer.name for layer in model.keras_model.layers if layer.weights]


def cascading_randomization(model, image, objective, method, top_down=None, seed=0, layer=None):
    """Adebayo et al. 2018's model-parameter randomization test: the map recomputed after
    re-initializing the weighted layers from the top down (`top_down`: lists of layer
    names, one per step; default: each weighted layer, deepest first, that the objective
    depends on). Returns [(layers randomized so far, Spearman rank correlation of the
    map with the original map)]: a map that explains the model falls towards 0."""
    from scipy.stats import spearmanr
    objective = objectives_lib.as_objective(objective)
    original = saliency(model, image, objective, method, layer=layer, seed=seed)
    if top_down is None:
        names = [l.name for l in model.keras_model.layers]
        last = max((names.index(l) for l in objective.layers if l in names), default=len(names) - 1)
        top_down = [[name] for name in reversed(weighted_layers(model)) if names.index(name) <= last]
    out, done = [], []
    for step in top_down:
        done += list(step)
        net = randomized_model(model, done, seed=seed)
        smap = saliency(net, image, objective, method, layer=layer, seed=seed)
        rho = spearmanr(original.ravel(), smap.ravel())[0]
        out.append((list(done), float(0.0 if np.isnan(rho) else rho)))
    return out


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


__all__ = ["objective_values", "smoothgrad_gradient", "integrated_gradients", "gradcam_layer", "gradcam",
           "attribution_gradient", "map_from_gradient", "blurred", "deletion_insertion", "area", "randomized_model",
           "weighted_layers", "cascading_randomization", "METHODS", "guided_relu", "GuidedReLU", "guided_model", "class_layer", "class_score",
           "mean_activations", "most_active_channel", "input_gradient", "neurons", "neuron_gradient",
           "saliency_from_gradient",
           "saliency", "normalize_map", "gradient_image", "heatmap", "overlay"]
