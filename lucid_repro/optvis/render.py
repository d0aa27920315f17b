"""The one optimization loop of the project.

`render` builds a single compiled step (parameterization -> transforms -> model
-> objective -> gradient -> optimizer) and runs it; every recipe in the project
(feature visualization, style transfer, 3D, DeepDream, adversarial images...) is a
choice of model, objective, parameterization, transforms and optimizer on top.
"""
import dataclasses
import time
from typing import Any, Dict, List

import numpy as np
import tensorflow as tf

from lucid_repro.errors import NumericalError, UserError
from lucid_repro.optvis import checkpoint as checkpoint_lib
from lucid_repro.optvis import gradients as gradients_lib
from lucid_repro.optvis import lbfgs as lbfgs_lib
from lucid_repro.optvis import objectives as objectives_lib
from lucid_repro.optvis import param as param_lib
from lucid_repro.optvis import transforms as transforms_lib
from lucid_repro.progress import bar as progress_bar

DEFAULT_LEARNING_RATE = 0.05


@dataclasses.dataclass
class RenderResult:
    images: List[np.ndarray]            # param.picture() at each threshold
    losses: np.ndarray                  # loss (= -objective) at every step
    metrics: Dict[str, float]           # last value of each metric
    metric_history: Dict[str, np.ndarray]
    steps: int                          # steps actually run
    param: Any


def adam(learning_rate=DEFAULT_LEARNING_RATE):
    """Lucid's optimizer: Adam, lr 0.05, epsilon 1e-8 (TF1's default)."""
    return tf.keras.optimizers.Adam(learning_rate=learning_rate, epsilon=1e-8)


OPTIMIZERS = ("adam", "lbfgs")
EVALUATIONS = "function_evaluations"   # the metric an L-BFGS run records (cumulative)


def lbfgs(memory=10, bounds=None, max_evaluations=20):
    """Limited-memory BFGS with a backtracking line search and optional box bounds
    (`optvis.lbfgs.LBFGS`): one render step = one iteration."""
    return lbfgs_lib.LBFGS(memory=memory, bounds=bounds, max_evaluations=max_evaluations)


def make_optimizer(name, learning_rate=DEFAULT_LEARNING_RATE):
    """The optimizer of the scripts' --optimizer: "adam" (with `learning_rate`) or
    "lbfgs" (no learning rate: its line search chooses the step); an optimizer object
    is returned as it is."""
    if name is not None and not isinstance(name, str):
        return name
    if name in (None, "adam"):
        return adam(learning_rate)
    if name == "lbfgs":
        return lbfgs()
    raise UserError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")


def _make_param(param_f, seed, model=None):
    """Build the parameterization; parameterizations built with `seed=None` inside
    `param_f` draw their initial values from `np.random.RandomState(seed)`."""
    if isinstance(param_f, param_lib.Param):
        return param_f
    if param_f is not None and not callable(param_f):
        raise TypeError("param_f must be a Param or a function returning one")
    with param_lib.seeded(seed):
        p = param_lib.image(128, **param_lib.for_model(model)) if param_f is None else param_f()
    if not isinstance(p, param_lib.Param):
        raise TypeError("param_f must return a Param")
    return p


class StepCache:
    """Compiled steps kept between `render` calls, so that rendering many units of a layer
    traces the step once per shape instead of once per call (`render(..., cache=...)`).

    A cache serves calls that differ only in `seed`, `thresholds`, the VALUES of the step
    inputs (e.g. the channel of a per-item objective, `lucid_repro.optvis.units`) and the
    parameterization's initial values: `param_f` must build the same kind of
    parameterization each call (only its variables' values are taken: they are assigned
    to the cached parameterization's variables). Model, objective, transforms,
    gradient_transform and metrics must be the same objects in every call (checked), and
    the optimizer of the same class and configuration (the first call's is kept and
    reset to its initial state). A reused call gives the same result as a fresh `render`
    with the same arguments. `result.param` is the cached parameterization: the next call
    overwrites it. `traces` counts the Python traces of the compiled steps."""

    def __init__(self):
        self.traces = 0
        self._entries = {}
        self._fixed = None

    def _check(self, fixed):
        if self._fixed is None:
            self._fixed = fixed
        elif any(a is not b for a, b in zip(self._fixed, fixed)):
            raise ValueError("a StepCache serves one model, objective, transforms, gradient_transform "
                             "and metrics (the same objects in every call); use another StepCache")


def _param_key(param):
    return (param.name,) + tuple((v.name, tuple(v.shape), v.dtype.name) for v in param.trainable_variables)


def _optimizer_key(optimizer):
    if optimizer is None:
        return None
    try:
        config = sorted((k, repr(v)) for k, v in optimizer.get_config().items() if k != "name")
    except Exception:   # an optimizer without a config: only that object is reused
        config = id(optimizer)
    return (type(optimizer).__name__, repr(config))


def render(model, objective, param_f=None, optimizer=None, transforms=None, thresholds=(512,),
           seed=None, progress=True, step_inputs=None, gradient_transform=None, metrics=None,
           stop_when=None, description="render", cache=None, relu_override=False):
    """Optimize `param_f`'s variables to maximize `objective` of `model`.

    model: a FeatureModel (or None for objectives that read no layer).
    objective: an Objective or "layer:channel" string. Its `T(name)` answers
        "input" (the parameterization's output), "transformed" (the transforms'
        output: the network is fed its first three channels; a further channel, e.g.
        the alpha of `alpha.transparency_transforms`, rides along for objectives),
        each step input's key (e.g. "uvmask"), and any other name as a model layer.
        A step-input key may not be "input", "transformed" or a layer of the model.
    param_f: a Param, or a zero-argument function creating one; default
        `param.image(128)`. It is called inside `param.seeded(seed)`: parameterizations
        it builds with `seed=None` draw their initial values, in order, from
        `np.random.RandomState(seed)` (numpy's global generator is not touched).
    seed: seeds the parameterization's initial values (above), the transforms'
        `tf.random.Generator` (`from_seed(seed)`) and the step inputs' numpy
        `RandomState(seed)`; None: fresh random. Bit-exact repeats also need TF's
        deterministic kernels, a process-wide setting the entry point chooses
        (`lucid_repro.runtime.deterministic()`).
    optimizer: a Keras optimizer (default Adam(0.05)), or an `LBFGS` (`render.lbfgs()`,
        or the string "lbfgs"; "adam" is Adam(0.05)): then each step is one L-BFGS
        iteration (a line search of one or more evaluations of the objective and its
        gradient, counted in the metric "function_evaluations"); transforms and step
        inputs that change between evaluations make its objective noisy (use
        transforms=[] for it).
    transforms: list of transforms (default Lucid's standard_transforms; [] for none).
    thresholds: steps at which to record the image (`param.picture()`: the param's
        output, or the texture of a texture param); the run lasts max(thresholds).
    The network takes the transformed image's first `model.channels` channels (3 for RGB).
    step_inputs: function(step, np_rng) -> dict of arrays fed to the param (as keyword
        arguments) and to the objective (as `T(key)`) each step.
    gradient_transform: function(list of grads) -> list of grads (e.g. normalization).
    metrics: dict name -> Objective, evaluated each step on the same forward pass.
    stop_when: function(step, loss, metric values) -> bool, to stop early.
    cache: a `StepCache` to reuse the compiled step of an earlier call with the same
        model, objective and transforms (see StepCache); None: compile for this call.
    relu_override: Lucid's ReLU gradient override (`gradients.ReluOverride`: during the
        first 17 steps, a ReLU that blocks an item's whole gradient passes it where it
        pushes its input up); Lucid's `render_vis` default, off here except in the
        sections' article rows. `gradients.relu_override(model).stats()` counts how often
        it fired in the last run.
    """
    objective = objectives_lib.as_objective(objective)
    metrics = dict(metrics or {})
    thresholds = sorted(set(int(t) for t in thresholds))
    if not thresholds or thresholds[0] < 0:
        raise UserError(f"thresholds must be non-negative step counts, got {thresholds}")
    all_objectives = [objective] + list(metrics.values())
    np_rng = np.random.RandomState(seed)

    def current_inputs(i):
        if step_inputs is None:
            return {}
        return {k: tf.convert_to_tensor(v) for k, v in step_inputs(i, np_rng).items()}

    inputs = current_inputs(0)
    input_names = tuple(inputs)
    layers = []
    for o in all_objectives:
        layers += [l for l in objectives_lib.model_layers(o, input_names) if l not in layers]
    clash = [k for k in input_names if k in objectives_lib.IMAGE_NAMES
             or (model is not None and k in model.layer_names)]
    if clash:
        raise UserError(f"step input keys {clash} clash with the names the objective reads "
                        f"({', '.join(objectives_lib.IMAGE_NAMES)} or a layer of the model)")
    if model is not None:
        for o in all_objectives:
            objectives_lib.check_against(o, model, input_names)
    elif layers:
        raise UserError(f"objective reads layers {layers} but no model was given")

    if isinstance(optimizer, str):
        optimizer = make_optimizer(optimizer)
    is_lbfgs = isinstance(optimizer, lbfgs_lib.LBFGS)
    param = _make_param(param_f, seed, model)
    variables = param.trainable_variables
    if not variables:
        raise ValueError("the parameterization has no trainable variables")
    # seed None: a fresh seed from the OS (TF's own non-deterministic state is refused
    # once op determinism is on)
    rng_seed = seed if seed is not None else int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    entry = None
    if cache is not None:
        cache._check((model, objective, transforms, gradient_transform) + tuple(metrics.values()))
        key = (_param_key(param), _optimizer_key(optimizer), tuple(metrics), bool(relu_override))
        entry = cache._entries.get(key)
        if entry is not None:
            # the compiled step of an earlier call: its variables take this call's values
            fresh = param
            param, variables, optimizer, rng, step = entry["param"], entry["variables"], entry["optimizer"], \
                entry["rng"], entry["step"]
            for v, value in zip(variables, fresh.trainable_variables):
                v.assign(value)
            for v, value in zip(optimizer.variables, entry["optimizer_init"]):
                v.assign(value)
            rng.reset_from_seed(rng_seed)
    if entry is None:
        optimizer = optimizer or adam()
        if is_lbfgs:
            optimizer.build(variables, n_metrics=len(metrics))
        else:
            optimizer.build(variables)
        rng = tf.random.Generator.from_seed(rng_seed)
    transform = transforms_lib.compose(transforms_lib.standard_transforms() if transforms is None else transforms)
    override = gradients_lib.relu_override(model) if (relu_override and model is not None) else None
    if override is not None and override.model is None:
        override = None     # no ReLU layer to redirect: as Lucid's override on a graph without Relu ops
    net = override.model if override is not None else model
    if override is not None:
        override.reset()
    submodel = net.submodel(layers) if (model is not None and layers) else None
    transformed_needed = submodel is not None or any("transformed" in o.reads for o in all_objectives)
    metric_names = list(metrics) + ([EVALUATIONS] if is_lbfgs else [])

    def forward(inputs):
        image = param(**inputs)
        names = {"input": image, **inputs}
        if transformed_needed:
            names["transformed"] = transform(image, rng)
        acts = {}
        if submodel is not None:
            x = names["transformed"]
            c = getattr(model, "channels", 3)
            acts = submodel(x[..., :c] if x.shape[-1] is not None and x.shape[-1] > c else x)

        def T(name):
            if name in names:
                return names[name]
            if name not in acts:
                raise KeyError(f"T({name!r}): the objective did not declare it reads {name!r} "
                               f"(Objective(fn, reads=[...])); available: {sorted(names) + sorted(acts)}")
            return acts[name]
        return objective(T), [metrics[k](T) for k in metrics]

    def loss_and_grads(inputs):
        """The one value-and-gradient computation both optimizers' steps run."""
        with tf.GradientTape() as tape:
            value, metric_values = forward(inputs)
            loss = -value
        grads = tape.gradient(loss, variables)
        if gradient_transform is not None:
            grads = gradient_transform(grads)
        return loss, grads, metric_values

    def lbfgs_step_fn(inputs):
        if cache is not None:
            cache.traces += 1   # Python runs only while tracing
        loss, metric_values, applied = optimizer.iterate(lambda: loss_and_grads(inputs),
                                                         cached=step_inputs is None)
        if override is not None:
            override.tick()
        return loss, tf.unstack(metric_values, num=len(metrics)) + [optimizer.evaluations], applied

    def step_fn(inputs):
        if cache is not None:
            cache.traces += 1   # Python runs only while tracing
        loss, grads, metric_values = loss_and_grads(inputs)
        # a non-finite loss or gradient leaves the variables at their last good values
        finite = tf.reduce_all(tf.stack([tf.reduce_all(tf.math.is_finite(x))
                                         for x in [loss] + [g for g in grads if g is not None]]))

        def apply():
            optimizer.apply_gradients(zip(grads, variables))
            if override is not None:
                override.tick()
            return tf.constant(True)
        applied = tf.cond(finite, apply, lambda: tf.constant(False))
        return loss, metric_values, applied

    if entry is None:
        step = tf.function(lbfgs_step_fn if is_lbfgs else step_fn)
        if cache is not None:
            cache._entries[key] = {"param": param, "variables": variables, "optimizer": optimizer, "rng": rng,
                                   "step": step, "optimizer_init": [v.numpy() for v in optimizer.variables]}

    def take_snapshot(inputs):
        return np.asarray(param.picture(**inputs))

    images, losses, history = [], [], {k: [] for k in metric_names}
    total = thresholds[-1]
    session = checkpoint_lib.active()
    store, state_variables, first = None, [], 1
    if session is not None:
        store = session.next_store()
        state_variables = _state_variables(step.get_concrete_function(inputs), model)
        if session.resume and store.exists():
            state, done = store.load(state_variables)
            checkpoint_lib.set_rng_state(np_rng, state)
            losses = [float(x) for x in state["losses"]]
            history = {k: [float(x) for x in state.get(f"metric/{k}", [])] for k in metric_names}
            images = [state[f"image/{j}"] for j in range(int(state["n_images"]))]
            first = int(state["step"]) + 1
            if done:
                return _result(images, losses, history, int(state["step"]), param)

    def save(i, done):
        state = {"step": np.asarray(i), "losses": np.asarray(losses, np.float32),
                 "n_images": np.asarray(len(images)), **checkpoint_lib.rng_state(np_rng)}
        state.update({f"metric/{k}": np.asarray(h, np.float32) for k, h in history.items()})
        state.update({f"image/{j}": im for j, im in enumerate(images)})
        store.save(state_variables, state, done)

    bar = progress_bar(total=total, initial=first - 1, desc=description, disable=not progress,
                       leave=False, dynamic_ncols=True)
    i = first - 1
    last_save = time.monotonic()
    if session is not None:
        session.in_loop = True
    try:
        if 0 in thresholds and first == 1:
            images.append(take_snapshot(inputs))
        for i in range(first, total + 1):
            good_inputs, inputs = inputs, current_inputs(i)
            loss, metric_values, applied = step(inputs)
            loss = float(loss)
            if not bool(applied):
                image = take_snapshot(good_inputs)
                kept = _keep_last_image(session, image)
                raise NumericalError(
                    f"the loss or its gradient became non-finite at step {i} (loss {loss}); stopped "
                    f"with the image of step {i - 1}" + (f", kept in {kept}" if kept else ""),
                    step=i, image=image)
            losses.append(loss)
            for k, v in zip(metric_names, metric_values):
                history[k].append(float(v))
            bar.update(1)
            if i % 8 == 0 or i == total:
                bar.set_postfix(loss=f"{loss:.4g}")
            stop = stop_when is not None and stop_when(i, loss, {k: h[-1] for k, h in history.items()})
            if i in thresholds or stop:
                images.append(take_snapshot(inputs))
            if stop:
                break
            if session is not None and session.signum is not None:
                save(i, done=False)
                _keep_last_image(session, take_snapshot(inputs))
                raise session.interruption(i)
            if session is not None and i < total and session.due(i, last_save):
                save(i, done=False)
                last_save = time.monotonic()
        if store is not None:
            save(i, done=True)
    finally:
        bar.close()
        if session is not None:
            session.in_loop = False
    return _result(images, losses, history, i, param)


def _result(images, losses, history, steps, param):
    return RenderResult(images=images, losses=np.asarray(losses, np.float32),
                        metrics={k: h[-1] for k, h in history.items() if h},
                        metric_history={k: np.asarray(h, np.float32) for k, h in history.items()},
                        steps=steps, param=param)


def _state_variables(concrete_step, model):
    """Every variable the compiled step reads except the model's weights: what a
    checkpoint must hold for the run to continue exactly."""
    weights = set()
    if model is not None:
        for w in model.keras_model.weights:
            for v in (w, getattr(w, "value", None), getattr(w, "_value", None)):
                if v is not None:
                    weights.add(id(v))
    # concrete functions list their variables in no fixed order; their captured
    # handles come in the order the trace first read them, the same in every run
    order = {id(t): k for k, t in enumerate(concrete_step.captured_inputs)}
    variables = [v for v in concrete_step.variables if id(v) not in weights]
    missing = [v.name for v in variables if id(v.handle) not in order]
    if missing:
        raise RuntimeError(f"cannot order the step's variables for a checkpoint: {missing}")
    return sorted(variables, key=lambda v: order[id(v.handle)])


def _keep_last_image(session, image):
    if session is None:
        return None
    return checkpoint_lib.save_last_image(session, image)


def render_vis(model, objective, param_f=None, optimizer=None, transforms=None, thresholds=(512,),
               seed=None, progress=True, **kwargs):
    """Lucid's `render_vis`: the images (numpy arrays) at each threshold."""
    return render(model, objective, param_f=param_f, optimizer=optimizer, transforms=transforms,
                  thresholds=thresholds, seed=seed, progress=progress, **kwargs).images
