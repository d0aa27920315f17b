"""Gram-matrix style and content losses (Gatys et al.; Lucid's `optvis.style`).

Losses here are things to MINIMIZE; `*_objective` helpers wrap them as Objectives
(negated) for the render loop. Activations are [B, H, W, C]; a batch index picks
which image of the batch is the generated one, which the style, which the content
(Lucid stacks them in one batch so one forward pass serves all).

Per-term weights: `auto_weights` (He, Wang & Hopcroft's omega_l, measured on
`white_noise`) and `relative_scale` (a term divided by its target's own size).
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives
from lucid_repro.optvis.objectives import Objective
from lucid_repro.optvis.style_config import (  # noqa: F401  (one configuration, 2D and 3D)
    BATCH_MODES, LOSS_KINDS, WEIGHTINGS, StyleConfig, config_for)

GENERATED_INDEX, CONTENT_INDEX, STYLE_INDEX = 0, 1, 2  # batch items in "lucid" mode
NOISE_SEED = 0


def gram_matrix(acts):
    """[B, H, W, C] -> [B, C, C] Gram matrices normalized by the number of positions."""
    shape = tf.shape(acts)
    flat = tf.reshape(acts, [shape[0], shape[1] * shape[2], shape[3]])
    n = tf.cast(shape[1] * shape[2], acts.dtype)
    return tf.matmul(flat, flat, transpose_a=True) / n


def distance(a, b, kind="mean_l1"):
    """mean |a - b| (Lucid's choice for GoogLeNet) or mean (a - b)^2."""
    if kind == "mean_l1":
        return tf.reduce_mean(tf.abs(a - b))
    if kind == "squared":
        return tf.reduce_mean(tf.square(a - b))
    raise UserError(f"loss must be one of {', '.join(LOSS_KINDS)}, got {kind!r}")


def content_loss(acts, target_acts, kind="squared"):
    return distance(acts, target_acts, kind)


AVERAGE_INITS = ("zero", "first")


class MovingAverage(tf.Module):
    """Exponential moving average of a tensor swapped in with stop_gradient.

    `__call__(x)` updates the average and returns avg + (x - stop_gradient(x)): its
    value is the average, its gradient that of x alone. decay = 0 returns x.

    init="zero" (default) is Lucid's `StyleLoss(ema_decay=)`: TF1's
    `ExponentialMovingAverage.apply` on a tensor starts its shadow at zero and does
    not debias it (zero_debias=False), so after t updates with a constant x the value
    is (1 - decay^t) x: 0.05 x after the first step at decay 0.95. init="first" sets
    the average to the first value (no warm-up bias; this project's earlier choice).
    """

    def __init__(self, shape, decay, name=None, init="zero"):
        super().__init__(name=name)
        if not 0.0 <= decay < 1.0:
            raise UserError(f"decay must be in [0, 1), got {decay}")
        if init not in AVERAGE_INITS:
            raise UserError(f"moving-average init must be one of {', '.join(AVERAGE_INITS)}, got {init!r}")
        self.decay, self.init = float(decay), init
        self.average = tf.Variable(tf.zeros(shape), trainable=False, name="average")
        self.count = tf.Variable(0, trainable=False, dtype=tf.int64, name="count")

    def __call__(self, x):
        if self.decay == 0.0:
            return x
        d = tf.constant(self.decay) if self.init == "zero" else tf.where(self.count > 0, self.decay, 0.0)
        self.average.assign(d * self.average + (1.0 - d) * tf.stop_gradient(x))
        self.count.assign_add(1)
        return self.average.read_value() + (x - tf.stop_gradient(x))


class StyleLoss(tf.Module):
    """Weighted sum over layers of distance(Gram(generated), Gram(style)).

    layers: layer names; layer_weights: dict or list (default 1 each).
    style_grams: dict layer -> fixed [C, C] target Grams; or style_batch: index of the
        style image in the batch (targets computed on the fly, without gradient).
    decay: if > 0, the generated image's Grams are replaced by their moving
        average over steps (gradients still flow to the current ones) — Lucid's
        3D style transfer, where each view shows part of the texture.
    average_init: "zero" (Lucid's non-debiased EMA) or "first" (see MovingAverage).
    generated_count: how many generated images start at `generated_batch` (a fast-style
        training batch): the distance is the mean over them.
    """

    def __init__(self, layers, style_grams=None, style_batch=None, generated_batch=0,
                 layer_weights=None, loss="mean_l1", decay=0.0, depths=None, average_init="zero",
                 generated_count=1):
        super().__init__(name="style_loss")
        self.layers = list(layers)
        if not self.layers:
            raise UserError("style loss needs at least one layer")
        if (style_grams is None) == (style_batch is None):
            raise ValueError("give exactly one of style_grams or style_batch")
        distance(tf.zeros(()), tf.zeros(()), loss)  # validates the kind
        if isinstance(layer_weights, dict):
            self.weights = [float(layer_weights.get(l, 1.0)) for l in self.layers]
        elif layer_weights is not None:
            self.weights = [float(w) for w in layer_weights]
        else:
            self.weights = [1.0] * len(self.layers)
        self.style_grams = None if style_grams is None else \
            {l: tf.constant(style_grams[l], tf.float32) for l in self.layers}
        self.style_batch, self.generated_batch, self.loss = style_batch, generated_batch, loss
        self.generated_count = int(generated_count)
        self.averages = None
        if decay > 0:
            if depths is None:
                raise ValueError("decay > 0 needs depths (layer -> channels)")
            self.averages = {l: MovingAverage((1, depths[l], depths[l]), decay, name=f"avg_{l}",
                                              init=average_init)
                             for l in self.layers}

    def layer_losses(self, T):
        out = {}
        for layer in self.layers:
            acts = T(layer)
            gen = gram_matrix(acts[self.generated_batch:self.generated_batch + self.generated_count])
            if self.averages is not None:
                gen = self.averages[layer](gen)
            if self.style_grams is not None:
                target = self.style_grams[layer][None]
            else:
                target = tf.stop_gradient(gram_matrix(acts[self.style_batch:self.style_batch + 1]))
            out[layer] = distance(gen, target, self.loss)
        return out

    def __call__(self, T):
        losses = self.layer_losses(T)
        return tf.add_n([w * losses[l] for w, l in zip(self.weights, self.layers)])

    def objective(self, weight=1.0):
        """-weight * loss as an Objective."""
        return Objective(lambda T: -weight * self(T), self.layers, (), "style")

    def layer_metrics(self):
        """dict 'style/<layer>' -> Objective (the loss, for reporting)."""
        return {f"style/{l}": Objective(lambda T, l=l: self.layer_losses(T)[l], [l], (), f"style/{l}")
                for l in self.layers}


def content_objective(layers, content_batch=None, content_acts=None, generated_batch=0,
                      loss="squared", weight=1.0, count=1):
    """-weight * sum over layers of distance(generated, content) as an Objective.

    The content target is either a batch index (computed on the fly, no gradient)
    or a dict layer -> fixed activations [1, H, W, C]. count: how many generated images
    (and content images, from `content_batch` on) are compared pairwise (mean over them)."""
    layers = list(layers)
    if (content_batch is None) == (content_acts is None):
        raise ValueError("give exactly one of content_batch or content_acts")

    def total_loss(T):
        total = 0.0
        for layer in layers:
            acts = T(layer)
            gen = acts[generated_batch:generated_batch + count]
            target = tf.stop_gradient(acts[content_batch:content_batch + count]) if content_batch is not None \
                else tf.constant(content_acts[layer], tf.float32)
            total += distance(gen, target, loss)
        return total
    return Objective(lambda T: -weight * total_loss(T), layers, (), "content")


# ---------------------------------------------------------------- per-term weights

def relative_scale(target, kind):
    """distance(target, 0): dividing a term by it makes it a relative error (Mahendran &
    Vedaldi's normalization, applied to Grams as well)."""
    value = float(distance(tf.constant(target), tf.zeros_like(target), kind))
    if not value > 0:
        raise UserError("a target has all-zero activations; cannot normalize its loss")
    return value


def white_noise(h, w, seed=NOISE_SEED, channels=3):
    """The image `auto_weights` measures on: i.i.d. uniform [0, 1] pixels, [1, h, w, channels]."""
    return np.random.RandomState(seed).uniform(0.0, 1.0, size=(1, h, w, channels)).astype(np.float32)


def auto_weights(model, terms, image):
    """omega for each loss term: 1 / mean |d term / d image| at `image` (He, Wang &
    Hopcroft 2016, Eq. 4).

    Each loss term L_l gets the weight omega_l = 1 / mean_i |dL_l / dx_i|, the
    reciprocal of the mean absolute gradient of that term with respect to the input
    pixels, measured once on a fixed image (`white_noise`) before the optimization
    starts. On a random network the raw Gram losses of different layers differ by
    orders of magnitude; omega_l puts every term on the same footing (each pushes the
    pixels equally hard at the start). One gradient per term, not an optimization.

    terms: dict name -> (layers, fn) where fn(acts dict) returns the scalar loss of the term.
    image: [1, H, W, 3] in [0, 1]. Returns dict name -> float.
    """
    layers = []
    for term_layers, _ in terms.values():
        layers += [l for l in term_layers if l not in layers]
    x = tf.constant(np.asarray(image, np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        acts = model.activations(x, layers)
        values = {name: fn(acts) for name, (_, fn) in terms.items()}
    weights = {}
    for name, value in values.items():
        grad = tape.gradient(value, x)
        magnitude = float(tf.reduce_mean(tf.abs(grad))) if grad is not None else 0.0
        if not np.isfinite(magnitude) or magnitude <= 0.0:
            raise UserError(f"loss term {name} has no gradient at the reference image "
                            "(its layer does not depend on the input?); cannot compute its weight")
        weights[name] = 1.0 / magnitude
    del tape
    return weights


class StyleContentLoss:
    """Targets, per-term weights and losses of one content/style pair on one model.

    content, style_image: [H, W, C] in [0, 1] (C: the model's input channels). The targets computed here from them are
    the loss's targets in "fixed" mode and the reference of the per-term weights in
    every mode. `objective(decay)` is the loss (negated) for the render loop."""

    def __init__(self, model, content, style_image, config, weights_image=None):
        self.model, self.config = model, config
        self.content = np.asarray(content, np.float32)
        self.style_image = np.asarray(style_image, np.float32)
        self.h, self.w = self.content.shape[:2]
        c = config
        self.layers = list(dict.fromkeys(c.style_layers + c.content_layers))
        style_acts = model.activations(tf.constant(self.style_image[None]), list(c.style_layers))
        self.style_grams = {l: gram_matrix(style_acts[l])[0].numpy() for l in c.style_layers}
        content_acts = model.activations(tf.constant(self.content[None]), list(c.content_layers))
        self.content_acts = {l: content_acts[l].numpy() for l in c.content_layers}
        self.omega = {name: 1.0 for name in self.terms()}
        if c.weighting == "omega":
            # He et al.: omega_l (Eq. 4) for the style layers, Gatys' content loss
            # 1/2 sum (F - P)^2 = (N / 2) x our mean, N = number of activations
            image = weights_image if weights_image is not None else white_noise(self.h, self.w, channels=self.content.shape[-1])
            style_terms = {k: v for k, v in self.terms().items() if k.startswith("style/")}
            self.omega.update(auto_weights(model, style_terms, image))
            self.omega.update({f"content/{l}": 0.5 * self.content_acts[l].size for l in c.content_layers})
        elif c.weighting == "relative":
            self.omega.update({f"style/{l}": 1.0 / relative_scale(self.style_grams[l], c.style_loss)
                               for l in c.style_layers})
            self.omega.update({f"content/{l}": 1.0 / relative_scale(self.content_acts[l], c.content_loss)
                               for l in c.content_layers})
        self.style_layer_weights = [c.style_weight * self.omega[f"style/{l}"] for l in c.style_layers]
        self.content_layer_weights = [c.content_weight * self.omega[f"content/{l}"] for l in c.content_layers]

    @property
    def weights(self):
        """name -> effective weight of each term."""
        c = self.config
        out = {f"style/{l}": w for l, w in zip(c.style_layers, self.style_layer_weights)}
        out.update({f"content/{l}": w for l, w in zip(c.content_layers, self.content_layer_weights)})
        if c.tv_weight:
            out["tv"] = c.tv_weight
        return out

    def terms(self):
        """name -> (layers, fn(acts)): raw (unweighted) loss of each term, fixed targets."""
        c, out = self.config, {}
        for l in c.style_layers:
            target = tf.constant(self.style_grams[l][None])
            out[f"style/{l}"] = ([l], lambda a, l=l, t=target: distance(gram_matrix(a[l]), t, c.style_loss))
        for l in c.content_layers:
            target = tf.constant(self.content_acts[l])
            out[f"content/{l}"] = ([l], lambda a, l=l, t=target: distance(a[l], t, c.content_loss))
        return out

    def style_loss(self, decay=0.0, average_init="zero"):
        """The StyleLoss of this configuration; decay > 0 averages the generated Grams
        (average_init: see MovingAverage)."""
        c = self.config
        source = dict(style_batch=STYLE_INDEX) if c.batch_mode == "lucid" else dict(style_grams=self.style_grams)
        depths = {l: self.model.layer_depth(l) for l in c.style_layers} if decay else None
        return StyleLoss(c.style_layers, generated_batch=GENERATED_INDEX, layer_weights=self.style_layer_weights,
                         loss=c.style_loss, decay=decay, depths=depths, average_init=average_init,
                         **source)

    def content_objectives(self):
        c = self.config
        return [content_objective([l], loss=c.content_loss, weight=w, generated_batch=GENERATED_INDEX,
                                  **(dict(content_acts={l: self.content_acts[l]}) if c.batch_mode == "fixed"
                                     else dict(content_batch=CONTENT_INDEX)))
                for l, w in zip(c.content_layers, self.content_layer_weights)]

    def objective(self, decay=0.0, average_init="zero"):
        """-(style + content + TV loss) as an Objective for the render loop."""
        parts = [self.style_loss(decay, average_init).objective()] + self.content_objectives()
        if self.config.tv_weight:
            parts.append(-self.config.tv_weight * objectives.total_variation(batch=0, reduce="mean"))
        return Objective.sum(parts)

    def batch_style_loss(self, count):
        """The StyleLoss of a training batch whose first `count` images are generated,
        against this loss's fixed style Grams (fast style transfer)."""
        c = self.config
        return StyleLoss(c.style_layers, style_grams=self.style_grams, generated_batch=0, generated_count=count,
                         layer_weights=self.style_layer_weights, loss=c.style_loss)

    def batch_content_objectives(self, count):
        """Content terms of a training batch [count generated, their count content images]:
        generated image i against content image i (taken from the batch, no gradient)."""
        c = self.config
        return [content_objective([l], content_batch=count, generated_batch=0, count=count,
                                  loss=c.content_loss, weight=w)
                for l, w in zip(c.content_layers, self.content_layer_weights)]

    def batch_objective(self, count):
        """-(style + content + TV loss) of a training batch [count generated images, their
        count content images] (Johnson et al.'s perceptual loss): the same terms and weights
        as `objective`, each a mean over the batch."""
        parts = [self.batch_style_loss(count).objective()] + self.batch_content_objectives(count)
        if self.config.tv_weight:
            parts.append(Objective(lambda T: -self.config.tv_weight * objectives.tv(T("input")[:count], reduce="mean"),
                                   ["input"], (), "tv"))
        return Objective.sum(parts)

    def evaluate(self, image):
        """Losses of an [H, W, 3] image against the fixed targets (no transforms)."""
        c = self.config
        x = tf.constant(np.asarray(image, np.float32)[None])
        acts = self.model.activations(x, self.layers)
        raw = {name: float(fn(acts)) for name, (_, fn) in self.terms().items()}
        style_total = sum(w * raw[f"style/{l}"] for l, w in zip(c.style_layers, self.style_layer_weights))
        content_total = sum(w * raw[f"content/{l}"] for l, w in zip(c.content_layers, self.content_layer_weights))
        tv = float(objectives.tv(x, reduce="mean"))
        return {"content_loss": content_total, "style_loss": style_total, "tv": tv,
                "total": content_total + style_total + c.tv_weight * tv, "raw": raw}
