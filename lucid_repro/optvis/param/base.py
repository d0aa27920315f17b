"""A parameterization: a `tf.Module` that owns `tf.Variable`s and, when called,
returns an image tensor. The render loop optimizes `param.trainable_variables`.

Initial values are drawn when a parameterization is built, from `random_state(seed)`:
its own `np.random.RandomState(seed)` when given a seed; with `seed=None`, the
generator of the innermost `seeded(...)` block (the render loop builds `param_f`
inside `seeded(seed)`, so `param_f=lambda: param.image(128)` is reproducible), and
outside any block numpy's global generator (an unseeded, Lucid-style draw).
"""
import contextlib
import contextvars

import numpy as np
import tensorflow as tf

_SCOPE = contextvars.ContextVar("lucid_repro_param_random_state", default=None)


@contextlib.contextmanager
def seeded(seed):
    """Within the block, parameterizations built with `seed=None` draw their initial
    values, in order, from one `np.random.RandomState(seed)` (or from `seed` itself
    if it is a RandomState). `seed=None` changes nothing. Yields the generator."""
    if seed is None:
        yield None
        return
    rng = seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)
    token = _SCOPE.set(rng)
    try:
        yield rng
    finally:
        _SCOPE.reset(token)


def random_state(seed=None):
    """The generator a parameterization built with `seed` draws its initial values from
    (see the module docstring)."""
    if seed is not None:
        return np.random.RandomState(seed)
    scoped = _SCOPE.get()
    return np.random if scoped is None else scoped


class Param(tf.Module):
    """Wraps a function of the module's variables into a callable image.

    `fn(**step_inputs)` is evaluated inside the compiled step; `step_inputs` are
    per-step tensors supplied by the render loop (e.g. a UV map of a random view).
    """

    def __init__(self, fn, variables=(), name=None):
        super().__init__(name=name)
        self._fn = fn
        self.params = list(variables)  # tracked by tf.Module

    def __call__(self, **step_inputs):
        return self._fn(**step_inputs)

    def picture(self, **step_inputs):
        """The image this parameterization stands for, as the render loop records it at
        its thresholds: by default what it returns; a texture parameterization returns
        its texture, not the view of it the network sees."""
        return self(**step_inputs)
