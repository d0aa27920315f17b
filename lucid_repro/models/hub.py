"""Any TF Hub image model, or a local SavedModel directory, as a FeatureModel.

    m = load("hub:/path/to/saved_model")                   # every output is a layer
    m = load("hub:https://tfhub.dev/...", layers=["logits"], input_size=224)

The SavedModel is loaded with `tensorflow_hub.load` (plain `tf.saved_model.load` when
tensorflow-hub is absent) and called from a frozen Keras 3 layer (`SavedModelLayer`). Image models on TF Hub take float32 RGB in [0, 1], which is
what every FeatureModel takes, so no preprocessing is added. If the model returns a
dict, each key is a layer (sorted by name); a single tensor is the layer "output"; a list or tuple gives
"output_0", "output_1", .... `layers` picks (and orders) the layers to keep. A layer's
depth is the last dimension of its output. Models without a callable `__call__` (TF1
Hub format / serving-only SavedModels) are called through their "serving_default"
signature. `input_size` (int or (height, width)) fixes the input size for models that
need one; otherwise the input is [B, None, None, 3].
"""
import os
import re

import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _input_shape(input_size):
    if input_size is None:
        return (None, None, 3)
    size = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise UserError(f"input_size must be a positive int or (height, width), got {input_size!r}")
    return size + (3,)


def _model_name(handle):
    tail = os.path.basename(os.path.normpath(handle)) or "model"
    return "hub_" + re.sub(r"[^A-Za-z0-9_.\-]", "_", tail)


class SavedModelLayer(tf.keras.layers.Layer):
    """A frozen SavedModel (its `__call__` or a signature) as a Keras 3 layer.

    tensorflow-hub's `KerasLayer` is built on tf-keras (Keras 2) and cannot sit in a
    Keras 3 model, so the loaded object is called directly; its variables stay the
    SavedModel's (never trained), gradients flow to the input."""

    def __init__(self, loaded, signature=None, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self._holder = [loaded]          # a list: keep Keras from tracking the object
        self._signature = signature

    def call(self, images):
        loaded = self._holder[0]
        if self._signature is None:
            return loaded(images)
        fn = loaded.signatures[self._signature]
        _, kwargs = fn.structured_input_signature
        if len(kwargs) != 1:
            raise UserError(f"signature {self._signature!r} takes {len(kwargs)} inputs, not one image batch")
        return fn(**{next(iter(kwargs)): images})


def _hub_layer(handle):
    try:
        import tensorflow_hub as hub
        load = hub.load          # resolves tfhub.dev / Kaggle handles and caches them
    except ImportError:
        load = tf.saved_model.load   # local SavedModel directories need no tensorflow-hub
    try:
        obj = load(handle)
    except Exception as e:  # OSError, ValueError, network errors, parse errors ...
        raise UserError(f"cannot load TF Hub model {handle!r}: {_first_line(e)}") from None
    if callable(obj):
        return SavedModelLayer(obj, name="hub_model")
    if "serving_default" in getattr(obj, "signatures", {}):
        return SavedModelLayer(obj, signature="serving_default", name="hub_model")
    raise UserError(f"TF Hub model {handle!r} is neither callable nor has a serving_default signature")


def _named_outputs(outputs):
    if isinstance(outputs, dict):  # SavedModels do not keep key order: sort it
        return {str(k): outputs[k] for k in sorted(outputs, key=str)}
    if isinstance(outputs, (list, tuple)):
        return {f"output_{i}": t for i, t in enumerate(outputs)}
    return {"output": outputs}


def load_hub(handle, layers=None, input_size=None):
    """Wrap a TF Hub handle or a local SavedModel directory into a FeatureModel."""
    if not isinstance(handle, str) or not handle.strip():
        raise UserError("hub: needs a TF Hub handle or a SavedModel directory, e.g. hub:/path/to/model")
    handle = handle.strip()
    if os.path.exists(os.path.expanduser(handle)):
        handle = os.path.abspath(os.path.expanduser(handle))
    if isinstance(layers, str):
        layers = [s.strip() for s in layers.split(",") if s.strip()]
    shape = _input_shape(input_size)
    hub_layer = _hub_layer(handle)
    image = tf.keras.Input(shape, name="image")
    try:
        outputs = _named_outputs(hub_layer(image))
    except Exception as e:
        hint = "" if input_size else " (try input_size=<pixels> if it needs a fixed size)"
        raise UserError(f"TF Hub model {handle!r} cannot be called on images [B, H, W, 3]{hint}: "
                        f"{_first_line(e)}") from None
    depths = {}
    for name, tensor in outputs.items():
        if len(tensor.shape) >= 2 and tensor.shape[-1] is not None:
            depths[str(name)] = int(tensor.shape[-1])
    if layers is not None:
        missing = [name for name in layers if name not in depths]
        if missing:
            raise UserError(f"TF Hub model {handle!r} has no layer {missing[0]!r}; its layers: "
                            + (", ".join(depths) or "none"))
        depths = {name: depths[name] for name in layers}
    if not depths:
        raise UserError(f"TF Hub model {handle!r} has no output with a known channel dimension")
    name = _model_name(handle)
    keras_model = tf.keras.Model(image, {k: outputs[k] for k in depths}, name=name)
    return FeatureModel(name, keras_model, depths)
