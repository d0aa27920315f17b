"""The one interface every model of the zoo offers."""
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.graph import producing_call


def cut_key(layer):
    """The sub-model's key for the input of a sliced layer's conv (`FeatureModel.submodel`)."""
    return f"{layer}/conv_input"


class FeatureModel:
    """A Keras model seen as named layers.

    Images in are float32 in [0, 1], shape [B, H, W, C] with C = `channels` (3: RGB, the
    zoo's models; 1: grayscale; more: one band per channel, a user's model); preprocessing
    is part of `keras_model`. `keras_model` outputs every named layer (a dict name -> tensor);
    `activations` builds and caches a sub-model for each set of layers asked for, so
    only the needed part of the network runs.
    """

    def __init__(self, name, keras_model, layer_depths, classifier_layers=(), channels=3):
        self.name = name
        self.channels = int(channels)   # the input's channel count: what parameterizations produce
        # [C, C] band correlation of the data (C > 3), decorrelated like RGB's colours; None: bands
        # independent (set by --band_correlation / `optvis.param.set_band_correlation`)
        self.band_correlation = None
        self.keras_model = keras_model
        self._depths = dict(layer_depths)
        self.layer_names = list(layer_depths)
        self.classifier_layers = tuple(classifier_layers)
        self._submodels = {}
        self._derived = {}
        self.info = {}      # provenance written into the runs' JSON (e.g. a keras: model's preprocessing)

    @property
    def family(self):
        """What this model's family needs (`lucid_repro.models.families.Family`): value range,
        preprocessing, default parameterization, memory constants, the key of per-family tables."""
        from lucid_repro.models.families import family_of
        return family_of(self.name)

    def input_size_for(self, layers):
        """(h, w) the network needs to compute `layers` although its input takes any size
        (a classifier head of fixed size: the family's `head_layers` / `head_size`), else None."""
        family = self.family
        if family.head_size and any(l.startswith(family.head_layers) for l in layers):
            return family.head_size
        return None

    # Whether Lucid's transform pixel values (pad 12, jitter 8, ...) shrink with small images
    # (`optvis.transforms.transform_scale`): the zoo's ImageNet models keep Lucid's values at
    # every size (and their references); a user's model scales them below 128 px
    # (`KerasFeatureModel`: MNIST's 28 px, CIFAR's 32 px)
    scales_transforms = False

    def fixed_input_size(self):
        """(h, w) of a model built for one input size (a Flatten head), else None."""
        return None

    @property
    def image_value_range(self):
        """The range of the images it takes (Lucid's `image_value_range`)."""
        return self.family.value_range

    def __repr__(self):
        return f"<FeatureModel {self.name}: {len(self.layer_names)} layers>"

    def check_layer(self, layer):
        if layer not in self._depths:
            raise UserError(f"unknown layer {layer!r} for model {self.name}; valid layers: "
                            + ", ".join(self.layer_names))
        return layer

    def check_layers(self, layers, what="layers"):
        """A list of layer names (a list, or one comma-separated string), each checked;
        at least one."""
        if isinstance(layers, str):
            layers = [l.strip() for l in layers.split(",") if l.strip()]
        layers = [self.check_layer(l) for l in layers]
        if not layers:
            raise UserError(f"give at least one of the {what}")
        return layers

    def layer_depth(self, layer):
        return self._depths[self.check_layer(layer)]

    def check_channel(self, layer, channel):
        depth = self.layer_depth(layer)
        if not 0 <= int(channel) < depth:
            raise UserError(f"channel {channel} out of range for layer {layer} of {self.name} (0..{depth - 1})")
        return int(channel)

    def receptive_field(self, layer, input_size=224):
        """The input pixels each unit of `layer` sees, computed from the layers' kernel
        sizes, strides and padding (`models.receptive_field`) for an input of `input_size`."""
        from lucid_repro.models.receptive_field import receptive_field
        return self.derived(("receptive_field", layer, input_size),
                            lambda: receptive_field(self, layer, input_size))

    @property
    def has_classifier(self):
        return bool(self.classifier_layers)

    @property
    def input_channel_order(self):
        """"BGR" when the first layer sees the colours reversed (Caffe preprocessing inside the
        model: the VGGs, a keras: model with --preprocess=caffe), else "RGB"."""
        if (self.info or {}).get("preprocess") == "caffe":
            return "BGR"
        return self.family.channel_order

    def kernel_layers(self):
        """{layer name: kernel [kh, kw, in, out] as numpy} of the Keras layers with a 2D
        convolution kernel, in the network's order."""
        found = {}
        for layer in self.keras_model.layers:
            kernel = getattr(layer, "kernel", None)
            if kernel is not None and len(kernel.shape) == 4:
                found[layer.name] = kernel
        return found

    def feature_layer(self):
        """The "last layer" (issue 26): the family's `feature_layer` if it names one of this
        model's layers (VGG19: pool5), else the named layer feeding the classifier (the first
        named layer met walking the graph back from the logits), else None."""
        layer = self.family.feature_layer
        if layer in self._depths:
            return layer
        if not self.has_classifier:
            return None
        upstream = self.upstream_layers(self.classifier_layers[0])
        return upstream[0] if upstream else None

    def upstream_layers(self, layer):
        """The named layers `layer` is computed from, nearest first (a breadth-first walk
        of the Keras graph back from its output)."""
        self.check_layer(layer)
        outputs = self.keras_model.output
        names = {id(t): k for k, t in outputs.items()}
        frontier, seen, found = [outputs[layer]], set(), []
        while frontier:
            following = []
            for tensor in frontier:
                for x in producing_call(tensor)[1]:
                    if id(x) in seen:
                        continue
                    seen.add(id(x))
                    name = names.get(id(x))
                    if name is not None and name != layer and name not in found:
                        found.append(name)
                    following.append(x)
            frontier = following
        return found

    def submodel(self, layers, cut=()):
        """A Keras model outputting `layers`; for each layer in `cut` (a layer with a
        `channel_slice`) it outputs that slice's conv input instead, under the key
        `cut_key(layer)`, so the layer itself is not computed."""
        layers, cut = tuple(layers), tuple(cut)
        for layer in layers + cut:
            self.check_layer(layer)
        if (layers, cut) not in self._submodels:
            outputs = self.keras_model.output
            named = {name: outputs[name] for name in layers}
            named.update({cut_key(name): self.channel_slice(name).input for name in cut})
            self._submodels[layers, cut] = tf.keras.Model(self.keras_model.input, named,
                                                          name=f"{self.name}_features")
        return self._submodels[layers, cut]

    def channel_slice(self, layer):
        """`models.slicing.ConvSlice` computing some channels of `layer` alone (a conv
        layer, or one after it through channel-wise layers), or None (issue 29)."""
        from lucid_repro.models.slicing import channel_slice
        return self.derived(("channel_slice", layer), lambda: channel_slice(self.keras_model, layer))

    def derived(self, key, build):
        """A value derived from this model (e.g. its guided-backprop copy): `build()` on
        the first call with `key`, then the same object, kept with (and freed with) this
        model."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def activations(self, images, layers):
        """dict layer -> activation tensor of `images` (differentiable)."""
        return self.submodel(layers)(images)

    __call__ = activations
