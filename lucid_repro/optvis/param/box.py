"""Pixels kept inside a box by projection after every optimizer step (DeepDream's
clipping, class visualization's clip + blur, adversarial examples' L-infinity ball)."""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis.param.base import Param


def box_pixel_image(init, low=0.0, high=1.0, operator=None, every=1):
    """A pixel Param initialized to `init` ([B, H, W, 3]) and kept inside [low, high]
    (scalars or arrays broadcastable to init) by projection after every optimizer step.

    The projection is the variable's `constraint`, which Keras optimizers apply after each
    update: the iterate is exactly x <- clip(x + step). `operator` (a function of the
    image tensor, e.g. a blur) is applied after the clip every `every` steps (Yosinski et
    al.'s regularization operators r(x)); `operator` must keep values within the box.
    The initial value is used as given (clipping starts with the first step)."""
    init = np.asarray(init, np.float32)
    if init.ndim != 4:
        raise UserError(f"pixel image must be [batch, height, width, channels], got shape {init.shape}")
    low_t = tf.constant(np.broadcast_to(np.asarray(low, np.float32), init.shape))
    high_t = tf.constant(np.broadcast_to(np.asarray(high, np.float32), init.shape))
    steps = tf.Variable(0, trainable=False, dtype=tf.int64, name="steps")

    def project(x):
        x = tf.clip_by_value(x, low_t, high_t)
        if operator is None:
            return x
        n = steps.assign_add(1)
        return tf.cond(tf.equal(n % every, 0), lambda: operator(x), lambda: x)

    var = tf.Variable(init, name="pixels", constraint=project)
    return Param(lambda **_: tf.identity(var), [var, steps], name="box_pixel_image")
