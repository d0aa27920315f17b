"""Mixed precision for a FeatureModel (issue 15): the network's layers compute in
bfloat16 or float16 (Keras "mixed_*" dtype policies: float32 weights, low-precision
compute), the preprocessing (Lambda layers) stays float32 and every named output is
cast back to float32, so parameterizations, transforms, objectives and the optimizer
are untouched float32."""
import json
import os
import platform
import time

import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel

PRECISIONS = ("float32", "bfloat16", "float16")
AUTO = "auto"
# bfloat16 is chosen when its conv step is this many times faster than float32's
AUTO_MARGIN = 1.2
# set to float32 or bfloat16: the verdict without measuring (to emulate another CPU's)
VERDICT_ENV = "LUCID_REPRO_PRECISION_VERDICT"
CACHE_FILE = "precision.json"


def cpu_model():
    """The CPU's model name (/proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _cache_path(cache_dir=None):
    root = cache_dir or os.environ.get("LUCID_REPRO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache",
                                                                             "lucid_repro")
    return os.path.join(root, CACHE_FILE)


def conv_step_ms(precision, seconds=0.4):
    """ms of one VGG-like conv step in `precision`: a 3x3 conv 256->256 at 28x28 (batch 1),
    forward + gradient w.r.t. its input, as `mixed_<precision>` computes it (float32 in
    and out, the conv in `precision`); the median of repeats over about `seconds`."""
    dtype = tf.as_dtype(precision)
    x = tf.random.stateless_normal((1, 28, 28, 256), seed=(2, 9))
    k = tf.random.stateless_normal((3, 3, 256, 256), seed=(2, 10)) * 0.02

    @tf.function
    def step():
        xx = tf.cast(x, dtype)
        with tf.GradientTape() as tape:
            tape.watch(xx)
            y = tf.nn.conv2d(xx, tf.cast(k, dtype), 1, "SAME")
        return tf.cast(tape.gradient(y, xx), tf.float32), tf.reduce_sum(tf.cast(y, tf.float32))
    for _ in range(2):
        [t.numpy() for t in step()]
    times, start = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < seconds and len(times) < 50):
        t0 = time.perf_counter()
        [t.numpy() for t in step()]
        times.append(time.perf_counter() - t0)
    return 1e3 * sorted(times)[len(times) // 2]


def auto_precision(cache_dir=None, measure=conv_step_ms):
    """What --precision=auto picks on this machine: a dict with `precision` (bfloat16 where
    its conv step is AUTO_MARGIN x faster than float32's, else float32), `float32_ms`,
    `bfloat16_ms`, `speedup`, `cpu`, `tensorflow` and `source` (measured now / cached /
    emulated). Measured once per CPU model and TensorFlow version, then read from the cache
    ($LUCID_REPRO_CACHE or ~/.cache/lucid_repro/precision.json). $LUCID_REPRO_PRECISION_VERDICT
    = float32 | bfloat16 gives that verdict without measuring (source "emulated")."""
    key = f"{cpu_model()} | tensorflow {tf.__version__}"
    base = {"cpu": cpu_model(), "tensorflow": tf.__version__, "margin": AUTO_MARGIN}
    emulated = os.environ.get(VERDICT_ENV)
    if emulated:
        if emulated not in ("float32", "bfloat16"):
            raise UserError(f"${VERDICT_ENV} must be float32 or bfloat16, got {emulated!r}")
        return {**base, "precision": emulated, "source": f"emulated (${VERDICT_ENV})"}
    path = _cache_path(cache_dir)
    try:
        with open(path) as f:
            cache = json.load(f)
    except (OSError, ValueError):
        cache = {}
    if isinstance(cache.get(key), dict) and cache[key].get("precision") in ("float32", "bfloat16"):
        return {**cache[key], "source": "cached"}
    f32, bf16 = measure("float32"), measure("bfloat16")
    verdict = {**base, "float32_ms": round(f32, 3), "bfloat16_ms": round(bf16, 3),
               "speedup": round(f32 / bf16, 3), "precision": "bfloat16" if f32 >= AUTO_MARGIN * bf16 else "float32"}
    cache[key] = verdict
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(cache, f, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass     # a read-only cache: measure again next time
    return {**verdict, "source": "measured"}


def describe_choice(choice):
    """One line for the progress output: what auto chose and why."""
    why = (f"bfloat16 conv step {choice['speedup']:.2f}x float32's" if "speedup" in choice
           else "verdict set, not measured")
    return (f"precision auto -> {choice['precision']} ({why}; {choice['cpu']}, TF {choice['tensorflow']}; "
            f"{choice['source']})")


def resolve(precision, cache_dir=None):
    """(the precision to use, the auto choice dict or None)."""
    if precision == AUTO:
        choice = auto_precision(cache_dir)
        return choice["precision"], choice
    if precision not in PRECISIONS:
        raise UserError(f"--precision must be one of {', '.join(PRECISIONS + (AUTO,))}, got {precision!r}")
    return precision, None


def with_precision(model, precision="float32"):
    """`model` itself for float32; else a copy computing in `precision` (same weights),
    kept with the model (`model.derived`) so each precision is built once. "auto": the
    precision `auto_precision` picks for this machine."""
    precision, _ = resolve(precision)
    if precision == "float32":
        return model
    return model.derived(("precision", precision), lambda: _build(model, precision))


def _build(model, precision):
    policy = tf.keras.mixed_precision.Policy(f"mixed_{precision}")
    source = model.keras_model

    def clone(layer):
        if isinstance(layer, (tf.keras.layers.Lambda, tf.keras.layers.InputLayer)):
            return layer                    # preprocessing stays float32 (and keeps its function)
        config = layer.get_config()
        config["dtype"] = policy
        return layer.__class__.from_config(config)

    try:
        low = tf.keras.models.clone_model(source, clone_function=clone)
        for a, b in zip(source.layers, low.layers):
            if a.weights:
                b.set_weights(a.get_weights())
    except Exception as e:   # a model whose layers cannot be rebuilt from their config
        raise UserError(f"cannot run model {model.name} in {precision}: {str(e).splitlines()[0]}") from None
    outputs = {name: tf.keras.layers.Activation("linear", dtype="float32", name=f"{name}_float32")(t)
               for name, t in low.output.items()}
    keras_model = tf.keras.Model(low.input, outputs, name=f"{source.name}_{precision}")
    low_model = FeatureModel(model.name, keras_model, {n: model.layer_depth(n) for n in model.layer_names},
                             classifier_layers=model.classifier_layers)
    low_model.info = dict(model.info)
    low_model.precision = precision
    return low_model
