"""Mixed precision for a FeatureModel (issue 15): the network's layers compute in
bfloat16 or float16 (Keras "mixed_*" dtype policies: float32 weights, low-precision
compute), the preprocessing (Lambda layers) stays float32 and every named output is
cast back to float32, so parameterizations, transforms, objectives and the optimizer
are untouched float32."""
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel

PRECISIONS = ("float32", "bfloat16", "float16")


def with_precision(model, precision="float32"):
    """`model` itself for float32; else a copy computing in `precision` (same weights),
    kept with the model (`model.derived`) so each precision is built once."""
    if precision not in PRECISIONS:
        raise UserError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
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
