"""Limited-memory BFGS for the one render loop: one `render` step = one L-BFGS iteration.

Why our own (BUILD_NOTES "L-BFGS in the one loop"): the loop needs an optimizer that
advances one iteration per call of the compiled step and whose whole state is
`tf.Variable`s (so the checkpoint of `render` saves and restores it exactly, as it
does Adam's slots), with optional box bounds (pixels in [0, 1], as Gatys' and He et
al.'s L-BFGS-B). scipy's `fmin_l_bfgs_b` owns its loop and keeps its memory in
Fortran/C locals (no exact resume, no one-iteration-per-step); TensorFlow
Probability's `lbfgs_minimize` can advance one iteration at a time from tensors but
has no bounds, and is not installed. This one is about 150 lines of TensorFlow:

- direction: the two-loop recursion over the last `memory` pairs (s, y) with the
  initial scaling gamma = s.y / y.y (Nocedal & Wright, Alg. 7.4); a pair is stored
  only when s.y > 1e-10 y.y (keeps the inverse Hessian positive definite);
- bounds (projected L-BFGS, Bertsekas' active set): a coordinate at a bound whose
  gradient points outward is held (its gradient and direction component set to 0);
  the trial points are projected onto the box: x(t) = P(x + t d). This is not
  L-BFGS-B's generalized Cauchy point, but converges to the same bounded minima on
  box problems (tests/optvis/test_lbfgs.py compares it with the exact solution);
- line search on the projected path: first trial t = 1 (t = min(1, 1/|g|_1) on the
  first iteration and after a reset, as scipy and torch); a trial that meets Armijo
  f(x(t)) <= f(x) + c1 g.(x(t) - x) but where the function still descends steeply
  (g(x(t)).d < c2 g(x).d, the weak Wolfe curvature condition unmet) doubles t while f
  keeps falling (the best point is kept); a trial that fails Armijo shrinks t by a
  safeguarded quadratic interpolation step in [0.1 t, 0.5 t]; a non-finite trial counts
  as a failed one. Without the doubling, L-BFGS from a flat start inherits a tiny first
  step and never grows it (measured: a near-grey texture start moved 0.4 % in 20
  iterations while Adam fell 77 %).
  If no trial is accepted within `max_evaluations` the memory is cleared and the
  point kept (the next iteration is a steepest-descent step);
- the function value, gradient and metrics of the accepted point are kept, so an
  iteration usually costs one evaluation (value and gradient) of the compiled step
  (`evaluations` counts them).

Bounds: `bounds=(low, high)` (scalars or arrays of the variables' shape, one pair for
all variables), and each variable's own Keras `constraint` (`param.box_pixel_image`'s
clip), which is used as the projection.
"""
import numpy as np
import tensorflow as tf


class LBFGS:
    """L-BFGS(-with-bounds) for `render.render(..., optimizer=LBFGS(...))` (or "lbfgs")."""

    def __init__(self, memory=10, bounds=None, max_evaluations=20, c1=1e-4, c2=0.9):
        if memory < 1 or max_evaluations < 1:
            raise ValueError("memory and max_evaluations must be >= 1")
        self.memory = int(memory)
        self.bounds = bounds
        self.max_evaluations = int(max_evaluations)
        self.c1 = float(c1)
        self.c2 = float(c2)
        self.variables = []
        self._built = False

    def get_config(self):
        b = self.bounds
        return {"memory": self.memory, "max_evaluations": self.max_evaluations, "c1": self.c1, "c2": self.c2,
                "bounds": None if b is None else tuple(np.asarray(x).tobytes() for x in b)}

    def build(self, variables, n_metrics=0):
        if self._built:
            return
        self._optimized = [v for v in variables if v.dtype.is_floating]
        self._sizes = [int(np.prod(v.shape)) for v in self._optimized]
        n, m = sum(self._sizes), self.memory
        z = tf.float32
        self.s = tf.Variable(tf.zeros([m, n], z), trainable=False, name="lbfgs_s")
        self.y = tf.Variable(tf.zeros([m, n], z), trainable=False, name="lbfgs_y")
        self.count = tf.Variable(0, dtype=tf.int64, trainable=False, name="lbfgs_pairs")
        self.f = tf.Variable(0.0, dtype=z, trainable=False, name="lbfgs_f")
        self.g = tf.Variable(tf.zeros([n], z), trainable=False, name="lbfgs_g")
        self.metric_values = tf.Variable(tf.zeros([n_metrics], z), trainable=False, name="lbfgs_metrics")
        self.valid = tf.Variable(False, trainable=False, name="lbfgs_valid")
        self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False, name="lbfgs_iterations")
        self.evaluations = tf.Variable(0, dtype=tf.int64, trainable=False, name="lbfgs_evaluations")
        self.variables = [self.s, self.y, self.count, self.f, self.g, self.metric_values, self.valid,
                          self.iterations, self.evaluations]
        if self.bounds is not None:
            low, high = self.bounds
            flat = lambda b: np.concatenate([np.broadcast_to(np.asarray(b, np.float32), v.shape).reshape(-1)
                                             for v in self._optimized])
            self._low, self._high = tf.constant(flat(low)), tf.constant(flat(high))
        self._has_box = self.bounds is not None or any(getattr(v, "constraint", None) is not None
                                                       for v in self._optimized)
        self._built = True

    # -- flat views of the variables --------------------------------------------------
    def _flat(self, tensors):
        return tf.concat([tf.reshape(tf.zeros(v.shape, tf.float32) if t is None else tf.cast(t, tf.float32), [-1])
                          for t, v in zip(tensors, self._optimized)], 0)

    def _assign(self, x):
        for v, part in zip(self._optimized, tf.split(x, self._sizes)):
            v.assign(tf.reshape(part, v.shape))

    def _project(self, x):
        if not self._has_box:
            return x
        if self.bounds is not None:
            x = tf.clip_by_value(x, self._low, self._high)
        parts = []
        for v, part in zip(self._optimized, tf.split(x, self._sizes)):
            c = getattr(v, "constraint", None)
            parts.append(tf.reshape(c(tf.reshape(part, v.shape)), [-1]) if c is not None else part)
        return tf.concat(parts, 0)

    def _direction(self, q):
        """-H q by the two-loop recursion over the stored pairs, newest first."""
        m, k = self.memory, self.count
        n_valid = tf.minimum(k, m)
        saved = []
        for j in range(m):
            idx = tf.math.floormod(k - 1 - j, m)
            valid = j < n_valid
            s, y = tf.gather(self.s, idx), tf.gather(self.y, idx)
            sy = tf.tensordot(s, y, 1)
            rho = tf.where(valid, 1.0 / tf.where(valid, sy, 1.0), 0.0)
            a = rho * tf.tensordot(s, q, 1)
            q = q - a * y
            saved.append((a, rho, s, y))
        newest = tf.math.floormod(k - 1, m)
        s, y = tf.gather(self.s, newest), tf.gather(self.y, newest)
        gamma = tf.where(n_valid > 0, tf.tensordot(s, y, 1) / tf.maximum(tf.tensordot(y, y, 1), 1e-30), 1.0)
        r = gamma * q
        for a, rho, s, y in reversed(saved):
            b = rho * tf.tensordot(y, r, 1)
            r = r + s * (a - b)
        return -r

    # -- one iteration, inside the compiled step ------------------------------------
    def iterate(self, evaluate, cached=True):
        """One L-BFGS iteration. `evaluate()` -> (loss, grads, metric values) at the
        variables' current values. Returns (loss, metric values, ok) at the iteration's
        starting point (as the Keras path reports the loss before its update); ok is
        False when the starting point's loss or gradient is non-finite, or when every
        trial point of the line search was (the variables are then left unchanged)."""
        def fresh():
            loss, grads, mv = evaluate()
            self.evaluations.assign_add(1)
            return tf.cast(loss, tf.float32), self._flat(grads), _stack(mv)

        if cached:
            f0, g0, m0 = tf.cond(self.valid, lambda: (tf.identity(self.f), tf.identity(self.g),
                                                      tf.identity(self.metric_values)), fresh)
        else:
            f0, g0, m0 = fresh()
        finite0 = tf.logical_and(tf.math.is_finite(f0), tf.reduce_all(tf.math.is_finite(g0)))
        some_finite = tf.cond(finite0, lambda: self._line_search(evaluate, f0, g0, m0), lambda: tf.constant(False))
        return f0, m0, tf.logical_and(finite0, some_finite)

    def _line_search(self, evaluate, f0, g0, m0):
        x0 = self._flat([tf.identity(v) for v in self._optimized])
        gf = g0
        if self._has_box:
            # at a bound with the gradient pointing out: a unit step against the gradient's sign
            # is projected back onto the point (a tiny interior gradient is not "active")
            active = tf.logical_and(tf.equal(self._project(x0 - tf.sign(g0)), x0), tf.not_equal(g0, 0.0))
            gf = tf.where(active, 0.0, g0)
        d = self._direction(gf)
        if self._has_box:
            d = tf.where(active, 0.0, d)
        gd = tf.tensordot(g0, d, 1)
        descent = gd < 0.0
        d = tf.where(descent, d, -gf)
        first = tf.logical_or(tf.equal(self.count, 0), tf.logical_not(descent))
        t0 = tf.where(first, tf.minimum(1.0, 1.0 / tf.maximum(tf.reduce_sum(tf.abs(gf)), 1e-30)), 1.0)
        zero_g = tf.equal(tf.reduce_max(tf.abs(gf)), 0.0)

        gd = tf.tensordot(g0, d, 1)

        def cond(k, t, done, have_best, any_finite, x, f, g, mv):
            return tf.logical_and(k < self.max_evaluations, tf.logical_not(done))

        def body(k, t, done, have_best, any_finite, xb, fb, gb, mb):
            xt = self._project(x0 + t * d)
            self._assign(xt)
            loss, grads, mvt = evaluate()
            self.evaluations.assign_add(1)
            ft, gt, mt = tf.cast(loss, tf.float32), self._flat(grads), _stack(mvt)
            ok_num = tf.logical_and(tf.math.is_finite(ft), tf.reduce_all(tf.math.is_finite(gt)))
            decrease = tf.tensordot(g0, xt - x0, 1)
            armijo = tf.logical_and(ok_num, ft <= f0 + self.c1 * decrease)
            improves = tf.logical_and(armijo, tf.logical_or(tf.logical_not(have_best), ft < fb))
            # still descending steeply at the trial point (weak Wolfe curvature condition not
            # met): the step was too short, double it (the quasi-Newton scale can be far off
            # after a reset or from a flat start)
            steep = tf.tensordot(gt, d, 1) < self.c2 * gd
            expand = tf.logical_and(improves, steep)
            have = tf.logical_or(have_best, improves)
            # safeguarded quadratic interpolation along the path (halving if not finite)
            slope = tf.minimum(decrease / t, -1e-30)
            quad = -slope * t * t / (2.0 * tf.maximum(ft - f0 - slope * t, 1e-30))
            shrink = tf.where(ok_num, tf.clip_by_value(quad, 0.1 * t, 0.5 * t), 0.5 * t)
            pick = lambda new, old: tf.where(improves, new, old)
            return (k + 1, tf.where(expand, 2.0 * t, shrink), tf.logical_and(have, tf.logical_not(expand)), have,
                    tf.logical_or(any_finite, ok_num), pick(xt, xb), pick(ft, fb), pick(gt, gb), pick(mt, mb))

        init = (tf.constant(0), t0, tf.constant(False), tf.constant(False), tf.constant(False), x0, f0, g0, m0)
        _, _, _, accepted, any_finite, x1, f1, g1, m1 = tf.cond(
            zero_g, lambda: (tf.constant(0), t0, tf.constant(False), tf.constant(False), tf.constant(True),
                             x0, f0, g0, m0),
            lambda: tf.while_loop(cond, body, init))

        def accept():
            self._assign(x1)                 # the best trial (the last one may be a worse expansion)
            s, y = x1 - x0, g1 - g0
            sy, yy = tf.tensordot(s, y, 1), tf.tensordot(y, y, 1)

            def store():
                idx = tf.math.floormod(self.count, self.memory)
                self.s.scatter_nd_update([[idx]], s[None])
                self.y.scatter_nd_update([[idx]], y[None])
                self.count.assign_add(1)
                return tf.constant(True)
            tf.cond(sy > 1e-10 * yy, store, lambda: tf.constant(False))
            self.f.assign(f1)
            self.g.assign(g1)
            self.metric_values.assign(m1)
            return tf.constant(True)

        def reject():
            self._assign(x0)                 # back to the starting point, memory cleared
            self.count.assign(0)
            self.f.assign(f0)
            self.g.assign(g0)
            self.metric_values.assign(m0)
            return tf.constant(True)

        tf.cond(accepted, accept, reject)
        self.valid.assign(True)
        self.iterations.assign_add(1)
        return any_finite


def _stack(values):
    values = [tf.cast(v, tf.float32) for v in values]
    return tf.stack(values) if values else tf.zeros([0], tf.float32)
