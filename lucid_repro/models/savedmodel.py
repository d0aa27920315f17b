"""A TF SavedModel (a TF Hub handle or a local directory) as a Keras 3 layer: shared by
`hub.py` (hub: models) and `keras_model.py` (keras: SavedModel directories)."""
import os
import re

import tensorflow as tf

from lucid_repro.errors import UserError, first_line


class SavedModelLayer(tf.keras.layers.Layer):
    """A frozen SavedModel (its `__call__` or a signature) as a Keras 3 layer.

    tensorflow-hub's `KerasLayer` is built on tf-keras (Keras 2) and cannot sit in a
    Keras 3 model, so the loaded object is called directly; its variables stay the
    SavedModel's (never trained), gradients flow to the input."""

    def __init__(self, loaded, signature=None, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self._holder = [loaded]          # a list: keep Keras from tracking the object
        self.signature = signature

    @property
    def loaded(self):
        """The loaded SavedModel object."""
        return self._holder[0]

    def fixed_input_size(self, serving_default=False):
        """(h, w) the signature's image input requires, or None (any size, or no signature).
        serving_default: for a callable SavedModel, its serving_default signature's (a
        tf-keras SavedModel's `__call__` is traced at that size only; keras: directories)."""
        for name in (self.signature, "serving_default" if serving_default else None):
            shape = self._input_shape(name) if name else ()
            if len(shape) == 4:
                return tuple(int(s) for s in shape[1:3]) if None not in shape[1:3] else None
        return None

    def input_channels(self):
        """C of the image input [B, H, W, C] its signature (or, for a callable SavedModel, its
        serving_default signature, as tf-keras writes) declares; 3 when unknown."""
        for name in (self.signature, "serving_default"):
            shape = self._input_shape(name) if name else ()
            if len(shape) == 4 and shape[-1] is not None:
                return int(shape[-1])
        return 3

    def _input_shape(self, name):
        try:
            _, kwargs = self.loaded.signatures[name].structured_input_signature
        except (KeyError, AttributeError, TypeError):
            return ()
        spec = next(iter(kwargs.values()), None) if len(kwargs) == 1 else None
        return tuple(spec.shape) if spec is not None and spec.shape.rank is not None else ()

    def call(self, images):
        loaded = self.loaded
        if self.signature is None:
            return loaded(images)
        fn = loaded.signatures[self.signature]
        _, kwargs = fn.structured_input_signature
        if len(kwargs) != 1:
            raise UserError(f"signature {self.signature!r} takes {len(kwargs)} inputs, not one image batch")
        return fn(**{next(iter(kwargs)): images})


def load_layer(handle):
    """A SavedModelLayer of a TF Hub handle or a local SavedModel directory."""
    try:
        import tensorflow_hub as hub
        load = hub.load          # resolves tfhub.dev / Kaggle handles and caches them
    except ImportError:
        load = tf.saved_model.load   # local SavedModel directories need no tensorflow-hub
    try:
        obj = load(handle)
    except Exception as e:  # OSError, ValueError, network errors, parse errors ...
        raise UserError(f"cannot load TF Hub model {handle!r}: {first_line(e)}") from None
    if callable(obj):
        return SavedModelLayer(obj, name="hub_model")
    if "serving_default" in getattr(obj, "signatures", {}):
        return SavedModelLayer(obj, signature="serving_default", name="hub_model")
    raise UserError(f"TF Hub model {handle!r} is neither callable nor has a serving_default signature")


def named_outputs(outputs):
    """A SavedModel's outputs as {name: tensor} (sorted keys; list items output_<i>)."""
    if isinstance(outputs, dict):  # SavedModels do not keep key order: sort it
        return {str(k): outputs[k] for k in sorted(outputs, key=str)}
    if isinstance(outputs, (list, tuple)):
        return {f"output_{i}": t for i, t in enumerate(outputs)}
    return {"output": outputs}


def model_name(handle, prefix="hub_"):
    """A model name from a handle or path: prefix + its last component, sanitized."""
    tail = os.path.basename(os.path.normpath(handle)) or "model"
    return prefix + re.sub(r"[^A-Za-z0-9_.\-]", "_", tail)
