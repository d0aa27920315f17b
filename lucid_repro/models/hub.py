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

import tensorflow as tf

from lucid_repro.errors import UserError, first_line
from lucid_repro.models.base import FeatureModel
from lucid_repro.models.savedmodel import SavedModelLayer, load_layer, model_name, named_outputs  # noqa: F401


def _input_shape(input_size):
    if input_size is None:
        return (None, None, 3)
    size = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise UserError(f"input_size must be a positive int or (height, width), got {input_size!r}")
    return size + (3,)


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
    hub_layer = load_layer(handle)
    image = tf.keras.Input(shape, name="image")
    try:
        outputs = named_outputs(hub_layer(image))
    except Exception as e:
        hint = "" if input_size else " (try input_size=<pixels> if it needs a fixed size)"
        raise UserError(f"TF Hub model {handle!r} cannot be called on images [B, H, W, 3]{hint}: "
                        f"{first_line(e)}") from None
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
    name = model_name(handle)
    keras_model = tf.keras.Model(image, {k: outputs[k] for k in depths}, name=name)
    return FeatureModel(name, keras_model, depths)
