"""Gradient transforms: the render loop's `gradient_transform`, a function from the
list of gradients (one per trainable variable) to the list actually applied.

* `l1_normalize` -- divide by the mean |g| (DeepDream's normalized step);
* `l2_normalize` -- divide by the L2 norm (Yosinski et al.'s class visualization);
* `sign` -- the sign of the gradient (the fast gradient sign method's step).
"""
import tensorflow as tf


def l1_normalize(grads):
    """gradient_transform: divide each gradient by its mean absolute value."""
    return [g / (tf.reduce_mean(tf.abs(g)) + 1e-8) for g in grads]


def l2_normalize(grads):
    """gradient_transform: divide each gradient by its L2 norm."""
    return [g / (tf.norm(g) + 1e-8) for g in grads]


def sign(grads):
    """gradient_transform: the sign of each gradient (steepest ascent for L-infinity)."""
    return [tf.sign(g) for g in grads]


# ---------------------------------------------------------------- ReLU layers swapped

def is_plain_relu(layer):
    """A Keras layer that is exactly max(x, 0): `ReLU()` without cap, slope or threshold,
    or `Activation("relu")` (a Conv2D's built-in activation cannot be swapped)."""
    if isinstance(layer, tf.keras.layers.ReLU):
        config = layer.get_config()
        return (config.get("max_value") is None and not config.get("negative_slope")
                and not config.get("threshold"))
    if isinstance(layer, tf.keras.layers.Activation):
        return layer.get_config().get("activation") == "relu"
    return False


def swap_relus(model, suffix, make_layer):
    """A FeatureModel computing the same function as `model` whose plain ReLU layers are
    `make_layer(name)` (every other layer, and so every weight, shared with the original),
    or None if the model has no ReLU layer it can swap (a TF Hub SavedModel, a Conv2D's
    built-in activation)."""
    from lucid_repro.models.base import FeatureModel
    keras_model = model.keras_model
    if not any(is_plain_relu(layer) for layer in keras_model.layers):
        return None

    def clone_layer(layer):
        return make_layer(layer.name) if is_plain_relu(layer) else layer

    swapped = tf.keras.models.clone_model(keras_model, clone_function=clone_layer)
    depths = {name: model.layer_depth(name) for name in model.layer_names}
    return FeatureModel(model.name + suffix, swapped, depths, classifier_layers=model.classifier_layers,
                        channels=getattr(model, "channels", 3))


# ---------------------------------------------------------------- Lucid's ReLU gradient override

RELU_OVERRIDE_STEPS = 17   # Lucid: redirected while global_step <= 16, i.e. the first 17 steps


class ReluOverride:
    """Lucid's ReLU gradient override (`lucid/misc/redirected_relu_grad.py`, on by default in
    Lucid's `render_vis`: `relu_gradient_override=True`), as ReLU layers of a copy of the
    model (`relu_override(model)`).

    Forward: ReLU. Backward, per ReLU layer and batch item, Lucid's rule: the ReLU gradient
    is `where(x < 0, 0, dy)`; where it is zero everywhere (the ReLU blocks the item's whole
    gradient, e.g. a unit that does not fire on the random start), the gradient passes
    through instead, except where x < 0 and dy > 0 (dy is the gradient of the loss
    = -objective, so dy > 0 would push an already negative input further down). Only
    during the first `RELU_OVERRIDE_STEPS` steps of a run (Lucid: while its global step
    <= 16); afterwards the ReLU's own gradient (`where(x < 0, 0, dy)`).

    State (tf.Variables, in the compiled step and so in a run's checkpoint): `step` (the
    run's optimizer steps so far: `render` resets it and adds one per step), and the
    counters `fired` / `seen`: (ReLU layer, batch item) gradients redirected / computed
    while the override is active."""

    def __init__(self, steps=RELU_OVERRIDE_STEPS):
        self.steps = int(steps)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="relu_override_step")
        self.fired = tf.Variable(0.0, dtype=tf.float32, trainable=False, name="relu_override_fired")
        self.seen = tf.Variable(0.0, dtype=tf.float32, trainable=False, name="relu_override_seen")
        self.model = None

    def reset(self):
        """Start of a run: step 0, counters 0."""
        for v in (self.step, self.fired, self.seen):
            v.assign(tf.zeros_like(v))

    def tick(self):
        """One optimizer step done (called inside the compiled step)."""
        return self.step.assign_add(1)

    def stats(self):
        """{"fired", "seen", "rate"}: redirected / computed (ReLU layer, item) gradients."""
        fired, seen = float(self.fired.numpy()), float(self.seen.numpy())
        return {"fired": fired, "seen": seen, "rate": fired / seen if seen else 0.0}

    def relu(self, x):
        active = self.step < self.steps     # read in the forward pass, a tensor in the backward

        @tf.custom_gradient
        def redirected(x):
            def grad(dy):
                negative = x < 0
                relu_grad = tf.where(negative, tf.zeros_like(dy), dy)
                redirected_grad = tf.where(tf.logical_and(negative, dy > 0), tf.zeros_like(dy), dy)
                batch = tf.shape(dy)[0]
                blocked = tf.norm(tf.reshape(relu_grad, [batch, -1]), axis=1) <= 0    # [batch]
                use = tf.logical_and(blocked, active)
                n_active = tf.cast(batch, tf.float32) * tf.cast(active, tf.float32)
                count = tf.group(self.fired.assign_add(tf.reduce_sum(tf.cast(use, tf.float32))),
                                 self.seen.assign_add(n_active))
                with tf.control_dependencies([count]):
                    mask = tf.reshape(use, tf.concat([[batch], tf.ones([tf.rank(dy) - 1], tf.int32)], 0))
                    return tf.where(mask, redirected_grad, relu_grad)
            return tf.nn.relu(x), grad
        return redirected(x)


class RedirectedReLU(tf.keras.layers.Layer):
    """A plain ReLU layer with `ReluOverride`'s backward pass."""

    def __init__(self, override, **kwargs):
        super().__init__(**kwargs)
        self._override = [override]   # a list: not a tracked attribute of the layer

    def call(self, inputs):
        return self._override[0].relu(inputs)


def relu_override(model):
    """The model's `ReluOverride` (built once per model and kept with it, `model.derived`):
    `.model` is the copy of `model` with redirected ReLUs, None if the model has no ReLU
    layer to swap (then the override does nothing, as Lucid's on a graph without Relu ops)."""
    def build():
        override = ReluOverride()
        override.model = swap_relus(model, "_relu_override",
                                    lambda name: RedirectedReLU(override, name=name))
        return override
    return model.derived("relu_override", build)
