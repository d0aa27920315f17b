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
