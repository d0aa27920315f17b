"""Any Keras model (in memory, a `.keras` / `.h5` file, or a SavedModel directory) as a FeatureModel.

    m = models.from_keras(keras_model, preprocess="caffe")   # in Python
    m = load("keras:/path/to/model.keras", preprocess="tf")        # --model=keras:PATH

Layers: every named Keras layer with one tensor output of known depth, under its own
name (Keras' names, e.g. `block4_conv2`; a model whose layers are called `conv4_2` keeps
those). A model nested in another (a keras.applications base inside a Sequential) is
walked into: its layers appear under their own names (`outer/inner` if a name repeats).
A SavedModel directory is opaque: its signature's outputs are the layers.

Images: a FeatureModel takes float32 RGB in [0, 1], shape [B, H, W, 3]. The network is
rebuilt on a [B, None, None, 3] input behind the preprocessing (`PRESETS` or a callable);
a network that cannot run at other sizes (a Flatten head) gets its input resized
bilinearly to the size it was built for.

Classifier: the logits (pre-softmax) layer is found automatically -- the layer feeding a
final softmax `Activation`/`Softmax`, a final Dense with a softmax (or sigmoid)
activation split into its pre-activation (`<name>_logits`), or a final linear Dense --
or named with `logits_layer`. A SavedModel whose rank-2 output is a probability vector
gets `<name>_log` (log-probabilities: logits up to a per-image constant).

Safety: files load with Keras' `safe_mode` on (a `Lambda` with serialized code is refused
unless `safe_mode=False` / `--unsafe_deserialization`); custom classes only from modules
the caller names (`custom_objects="module:attr"`).
"""
import importlib
import logging
import os
import re

import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError, first_line
from lucid_repro.models.base import FeatureModel

log = logging.getLogger(__name__)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)



def _select_layers(outputs, layers, logits, name):
    """`outputs` (name -> tensor) restricted to `layers` (a list or a comma-separated
    string; None keeps all) and the logits layer; unknown names are refused."""
    if layers is None:
        return outputs
    if isinstance(layers, str):
        layers = [s.strip() for s in layers.split(",") if s.strip()]
    missing = [l for l in layers if l not in outputs]
    if missing:
        raise UserError(f"unknown layer {missing[0]!r} for model {name}; valid layers: " + ", ".join(outputs))
    return {l: outputs[l] for l in list(layers) + ([logits] if logits and logits not in layers else [])}

def _caffe(x):
    """RGB [0, 1] -> BGR [0, 255] minus the ImageNet mean (VGG, ResNet50 v1)."""
    return x[..., ::-1] * 255.0 - tf.constant(CAFFE_BGR_MEAN, x.dtype)


def _tf(x):
    """[0, 1] -> [-1, 1] (Inception v3, Xception, MobileNet v1/v2, ResNet v2, NASNet)."""
    return x * 2.0 - 1.0


def _torch(x):
    """[0, 1] -> (x - ImageNet mean) / std (DenseNet, torchvision ports)."""
    return (x - tf.constant(IMAGENET_MEAN, x.dtype)) / tf.constant(IMAGENET_STD, x.dtype)


def _identity(x):
    return x


PRESETS = {"caffe": _caffe, "tf": _tf, "torch": _torch, "none": _identity}

# keras.applications' default model names -> (preset, input_range); checked in order.
# EfficientNet(V2), ConvNeXt, RegNet and MobileNetV3 carry their own rescaling layers and
# take [0, 255]; their preprocess_input is the identity.
FAMILIES = (
    (r"resnet\d+v2", "tf", (0, 1)),
    (r"resnet\d+", "caffe", (0, 1)),
    (r"vgg1[69]", "caffe", (0, 1)),
    (r"inception_resnet_v2|inception_v3|xception|nasnet", "tf", (0, 1)),
    (r"mobilenetv3", "none", (0, 255)),
    (r"mobilenet", "tf", (0, 1)),
    (r"densenet", "torch", (0, 1)),
    (r"efficientnet|convnext|regnet", "none", (0, 255)),
)


def family_preprocessing(name):
    """(preset, input_range) of a keras.applications family recognized by the model's
    name, or None."""
    name = (name or "").lower()
    for pattern, preset, input_range in FAMILIES:
        if re.match(pattern, name):
            return preset, input_range
    return None


def _range_text(input_range):
    return "{:g},{:g}".format(*input_range)


def _check_range(input_range):
    try:
        lo, hi = (float(v) for v in input_range)
    except (TypeError, ValueError):
        raise UserError(f"input_range must be two numbers (low, high), got {input_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise UserError(f"input_range must be finite with low < high, got {input_range!r}")
    return lo, hi


def resolve_preprocessing(model_name, preprocess=None, input_range=None):
    """(function on [0, 1] images, record) for a preset name, a callable or None.

    A preset maps [0, 1] straight to what the network wants; "none" and a callable get
    the image scaled to `input_range` first (default (0, 1); e.g. (0, 255) with
    `keras.applications.<family>.preprocess_input`). A missing choice takes the
    family's preset when the model's name is a keras.applications family, else "none";
    a missing or different choice for a known family is warned about in one line."""
    family = family_preprocessing(model_name)
    guessed = preprocess is None
    if guessed:
        if family:
            preprocess, family_range = family
            input_range = family_range if input_range is None else input_range
            log.warning("no preprocessing given for %s: using its keras.applications family's %r "
                        "(input_range %s); say --preprocess to silence this", model_name, preprocess,
                        _range_text(family_range))
        else:   # not a known architecture: nothing to warn about
            preprocess = "none"
    if input_range is None:
        input_range = (0, 1)
    lo, hi = _check_range(input_range)
    if callable(preprocess):
        label, fn = getattr(preprocess, "__module__", "") + "." + getattr(preprocess, "__name__", "callable"), preprocess
        label = label.lstrip(".")
    elif isinstance(preprocess, str) and preprocess.strip().lower() in PRESETS:
        label = preprocess.strip().lower()
        fn = PRESETS[label]
        if label != "none" and (lo, hi) != (0.0, 1.0):
            raise UserError(f"input_range applies to preprocess='none' or a callable; the {label!r} preset "
                            "maps [0, 1] images itself")
    else:
        raise UserError(f"unknown preprocessing {preprocess!r}; valid: {', '.join(PRESETS)} or a callable")
    if family and not guessed and (label, (lo, hi)) != (family[0], tuple(float(v) for v in family[1])):
        log.warning("%s looks like a keras.applications model, which expects preprocess=%r with "
                    "input_range %s, not %r with %s", model_name, family[0], _range_text(family[1]), label,
                    _range_text((lo, hi)))

    def preprocess_fn(x):
        if (lo, hi) != (0.0, 1.0):
            x = x * (hi - lo) + lo
        return fn(x)

    record = {"preprocess": label, "input_range": [lo, hi], "preprocess_guessed": guessed}
    return preprocess_fn, record


class Preprocess(tf.keras.layers.Layer):
    """The image preprocessing as the network's first layer (never serialized)."""

    def __init__(self, fn, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self._fn = [fn]

    def call(self, images):
        return self._fn[0](images)


class ResizeTo(tf.keras.layers.Layer):
    """Bilinear resize to the fixed size a network was built for."""

    def __init__(self, size, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.size = tuple(int(s) for s in size)

    def call(self, images):
        return tf.image.resize(images, self.size, method="bilinear")


class FixedInput(tf.keras.layers.Layer):
    """A model's non-image input: a fixed value (--input_values), repeated for every image
    of the batch."""

    def __init__(self, value, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self._value = np.asarray(value)

    def call(self, images):
        value = tf.constant(self._value)
        batch = tf.shape(images)[0]
        return tf.tile(value[None], tf.concat([[batch], tf.ones([value.shape.rank], tf.int32)], 0))


class TokenGrid(tf.keras.layers.Layer):
    """A token layer [B, N, C] of a Vision Transformer as its patch grid [B, g, g, C]
    (the first `prefix` tokens, the class token, left out), or its class token [B, C]."""

    def __init__(self, prefix, grid, class_token=False, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.prefix, self.grid, self.class_token = int(prefix), int(grid), bool(class_token)

    def call(self, tokens):
        if self.class_token:
            return tokens[:, 0]
        patches = tokens[:, self.prefix:]
        return tf.reshape(patches, [-1, self.grid, self.grid, tokens.shape[-1]])


def token_layout(tensor):
    """(prefix tokens, grid side) of a [B, N, C] token layer whose N is g*g (no class token)
    or 1 + g*g (a class token first), else None."""
    shape = getattr(tensor, "shape", None)
    if shape is None or len(shape) != 3 or shape[1] is None or shape[2] is None:
        return None
    n = int(shape[1])
    for prefix in (1, 0):
        g = int(round((n - prefix) ** 0.5))
        if n - prefix > 1 and g * g == n - prefix:
            return prefix, g
    return None


def _token_grids(outputs):
    """Token layers [B, N, C] with a patch grid become [B, g, g, C] under their own name
    (channel, neuron and direction objectives then see patches only) and, with a class
    token, `<name>_class_token` [B, C]. Returns (outputs, {name: (prefix, grid)})."""
    result, tokens = {}, {}
    for key, tensor in outputs.items():
        layout = token_layout(tensor)
        if layout is None:
            result[key] = tensor
            continue
        prefix, grid = layout
        safe = re.sub(r"[^A-Za-z0-9_]", "_", key)
        result[key] = TokenGrid(prefix, grid, name=f"{safe}_patch_grid")(tensor)
        tokens[key] = (prefix, grid)
        if prefix:
            result[f"{key}_class_token"] = TokenGrid(prefix, grid, class_token=True, name=f"{safe}_class_token")(tensor)
    return result, tokens


class PreActivation(tf.keras.layers.Layer):
    """A Dense layer's output before its activation (its own weights, shared)."""

    def __init__(self, dense, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self._dense = [dense]

    def call(self, x):
        dense = self._dense[0]
        y = tf.matmul(x, dense.kernel)
        return y + dense.bias if dense.use_bias else y


class KerasFeatureModel(FeatureModel):
    """A FeatureModel on a user's Keras model: images too small (or of a shape) the network
    cannot take are refused with one line instead of a Keras traceback."""

    @property
    def family(self):
        """A user's model: its own layer names, none of the zoo's per-family tables."""
        from lucid_repro.models.families import GENERIC
        return GENERIC

    scales_transforms = True     # a user's model is often small (base.FeatureModel)

    def fixed_input_size(self):
        native = self.info.get("native_size")
        return tuple(native) if native else None

    def submodel(self, layers, cut=()):
        inner = super().submodel(layers, cut)

        def call(images, *args, **kwargs):
            try:
                return inner(images, *args, **kwargs)
            except ValueError as e:
                raise self._shape_error(images, e) from None
        return call

    def _shape_error(self, images, error):
        lines = [l.replace("\x1b[1m", "").replace("\x1b[0m", "").strip() for l in str(error).splitlines()]
        lines = [l for l in lines if l]
        detail = next((l for l in lines if "incompatible" in l or "negative" in l.lower()),
                      lines[0] if lines else type(error).__name__)
        native = self.info.get("native_size")
        hint = f" (it was built for {native[0]}x{native[1]}: try a larger size)" if native else ""
        return UserError(f"model {self.name} cannot run on images of shape {tuple(images.shape)}{hint}: "
                         f"{detail[:200]}")


def _activation_name(layer):
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    return getattr(act, "__name__", str(act))


def _is_softmax(layer):
    if isinstance(layer, tf.keras.layers.Softmax):
        return True
    return isinstance(layer, tf.keras.layers.Activation) and _activation_name(layer) == "softmax"


class _Tracer:
    """Runs a Keras model's graph on new input tensors, recording every layer's output."""

    def __init__(self):
        self.outputs = {}       # name -> tensor
        self.producer = {}      # id(tensor) -> layer name
        self.layers = {}        # name -> layer
        self.inputs_of = {}     # name -> input tensors

    def _name(self, layer, prefix):
        name = layer.name
        if name in self.outputs:
            name = f"{prefix}/{layer.name}" if prefix else f"{layer.name}_{len(self.outputs)}"
        return name

    def run(self, model, x, prefix=""):
        if isinstance(model, tf.keras.Sequential):
            for layer in model.layers:
                x = self.call(layer, x, prefix=prefix)
            return x
        if isinstance(model, tf.keras.Model) and hasattr(model, "_run_through_graph"):
            return model._run_through_graph(
                x, operation_fn=lambda op: op,
                call_fn=lambda op, *args, **kwargs: self.call(op, *args, prefix=prefix, **kwargs))
        return model(x)   # a subclassed model: opaque

    def call(self, op, *args, prefix="", **kwargs):
        is_nested = isinstance(op, tf.keras.Model) and (
            isinstance(op, tf.keras.Sequential) or hasattr(op, "_run_through_graph"))
        # base(x, training=False) (transfer learning) runs in inference either way
        plain = all(k == "training" or (k == "mask" and v is None) for k, v in kwargs.items())
        if is_nested and len(args) == 1 and plain:
            out = self.run(op, args[0], prefix=(prefix + "/" if prefix else "") + op.name)
        else:
            out = op(*args, **kwargs)
        if isinstance(op, tf.keras.layers.Layer) and not isinstance(op, tf.keras.layers.InputLayer):
            name = self._name(op, prefix)
            self.outputs[name] = out
            self.layers[name] = op
            self.inputs_of[name] = tf.nest.flatten((args, kwargs))
            if not isinstance(out, (list, tuple, dict)):
                self.producer[id(out)] = name
        return out


def _depth(tensor):
    if isinstance(tensor, (list, tuple, dict)):
        return None
    shape = getattr(tensor, "shape", None)
    if shape is None or len(shape) < 2 or shape[-1] is None:
        return None
    return int(shape[-1])


def _input_names(model):
    return [getattr(t, "name", f"input_{i}").split(":")[0] for i, t in enumerate(model.inputs)]


def _image_input(model, input_name=None, input_values=None):
    """(index of the image input, {index: fixed value of each other input}) of a model with
    one or several inputs; UserError saying how when the image input is not named or a
    value is missing or of the wrong shape."""
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):
        inputs = []
    names = _input_names(model) if inputs else []
    if len(inputs) <= 1:
        if input_name is not None and names and input_name != names[0]:
            raise UserError(f"--input_name={input_name} is not an input of {model.name}; its input is {names[0]}")
        return 0, {}
    if input_name is None:
        raise UserError(f"model {model.name} has {len(inputs)} inputs ({', '.join(names)}): name the image one with "
                        "--input_name=NAME and give the others' values with --input_values=file.npz "
                        "(one array per input, by name, without the batch axis)")
    if input_name not in names:
        raise UserError(f"--input_name={input_name} is not an input of {model.name}; its inputs: {', '.join(names)}")
    values = dict(input_values or {})
    fixed = {}
    for i, (name, tensor) in enumerate(zip(names, inputs)):
        if name == input_name:
            continue
        if name not in values:
            raise UserError(f"model {model.name} needs a value for its input {name} (shape "
                            f"{tuple(tensor.shape)[1:]}): add it to --input_values=file.npz under the key {name!r}")
        value = np.asarray(values[name])
        want = tuple(tensor.shape)[1:]
        if value.ndim == len(want) + 1 and value.shape[0] == 1:
            value = value[0]
        if value.ndim != len(want) or any(w is not None and w != v for w, v in zip(want, value.shape)):
            raise UserError(f"--input_values: {name} has shape {value.shape}, model {model.name} takes {want} "
                            "(without the batch axis)")
        fixed[i] = value.astype(getattr(tensor, "dtype", "float32") or "float32")
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise UserError(f"--input_values has {unknown[0]!r}, not an input of {model.name} ({', '.join(names)})")
    return names.index(input_name), fixed


def read_input_values(path):
    """--input_values=file.npz -> dict name -> array."""
    if path is None or isinstance(path, dict):
        return path
    if not os.path.isfile(path):
        raise UserError(f"--input_values file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as e:
        raise UserError(f"--input_values: cannot read {path} as a .npz of arrays: {first_line(e)}") from None


def _input_spec(model, index=0):
    """(native (h, w) or None, channels) of the model's image input [B, H, W, C]; any C
    (1: grayscale, 3: RGB, more: bands)."""
    try:
        shape = tuple(model.inputs[index].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None, 3
    if len(shape) != 4:
        raise UserError(f"model {model.name} takes inputs of shape {shape}, not images [B, H, W, C]")
    channels = 3 if shape[-1] is None else int(shape[-1])
    return (None if None in shape[1:3] else tuple(int(s) for s in shape[1:3])), channels


def _native_size(model):
    return _input_spec(model)[0]


def _trace(model, size, preprocess_fn, name, channels=3, image_index=0, fixed_inputs=None):
    image = tf.keras.Input((None, None, channels), name="image")
    x = Preprocess(preprocess_fn, name="preprocess")(image)
    if size is not None:
        x = ResizeTo(size, name="resize_to_input")(x)
    tracer = _Tracer()
    if fixed_inputs:
        flat = [x if i == image_index else FixedInput(fixed_inputs[i], name=f"input_value_{i}")(image)
                for i in range(len(model.inputs))]
        struct = getattr(model, "_inputs_struct", None)
        x = tf.nest.pack_sequence_as(struct, flat) if struct is not None else flat
    final = tracer.run(model, x)
    return image, tracer, final


def _works_at_other_sizes(model, native, channels=3):
    probe = tf.zeros((1, native[0] + 32, native[1] + 32, channels))
    try:
        model(probe)
        return True
    except Exception:   # a Flatten head, a Reshape, an input-shape check ...
        return False


def _find_logits(tracer, final):
    """(logits layer name or None, extra outputs) for the model's final output."""
    if isinstance(final, (list, tuple, dict)):
        final = tf.nest.flatten(final)[0]
    last = tracer.producer.get(id(final))
    if last is None:
        return None, {}
    layer = tracer.layers[last]
    if _is_softmax(layer):
        inputs = tracer.inputs_of[last]
        feeding = tracer.producer.get(id(inputs[0])) if inputs else None
        return feeding, {}
    if isinstance(layer, tf.keras.layers.Dense):
        act = _activation_name(layer)
        if act in (None, "linear"):
            return last, {}
        if act in ("softmax", "sigmoid"):
            pre = PreActivation(layer, name=f"{last}_logits")(tracer.inputs_of[last][0])
            return f"{last}_logits", {f"{last}_logits": pre}
    return None, {}


def from_keras(model, preprocess=None, input_range=None, layers=None, logits_layer=None, name=None,
               source=None, input_name=None, input_values=None):
    """A FeatureModel on a Keras 3 model (functional, Sequential, or nested in either).

    preprocess: "caffe" | "tf" | "torch" | "none" | a callable (images in `input_range`);
    None: the keras.applications family's preset (warned), else "none" (warned).
    layers: names to keep (default: every named layer). logits_layer: the classifier's
    logits layer (default: found; see the module docstring). input_name / input_values: a
    model of several inputs: the image input's name, and {name: array} (or a .npz path) for
    the others, each repeated over the batch."""
    if not isinstance(model, tf.keras.Model):
        raise UserError(f"from_keras needs a Keras model, got {type(model).__name__}")
    if isinstance(model, tf.keras.Sequential) and not model.built:
        raise UserError(f"Sequential model {model.name} is not built: give it an Input or call it once")
    if not isinstance(model, tf.keras.Sequential) and not hasattr(model, "_run_through_graph"):
        raise UserError(f"model {model.name} is a subclassed Keras model ({type(model).__name__}): its layers "
                        "cannot be read from its code; build it as a functional or Sequential model (or wrap "
                        "it: x = keras.Input(shape); keras.Model(x, net(x)) shows only its output)")
    name = name or model.name
    image_index, fixed_inputs = _image_input(model, input_name, read_input_values(input_values))
    preprocess_fn, record = resolve_preprocessing(model.name, preprocess, input_range)
    native, channels = _input_spec(model, image_index)
    if channels != 3 and record.get("preprocess") in ("caffe", "torch"):
        raise UserError(f"--preprocess={record['preprocess']} uses RGB ImageNet statistics; model {name} takes "
                        f"{channels}-channel images: use tf, none or a module:function")
    fixed = None
    image, tracer, final = _trace(model, None, preprocess_fn, name, channels, image_index, fixed_inputs)
    if native is not None and not _works_at_other_sizes(tf.keras.Model(image, final), native, channels):
        fixed = native
        image, tracer, final = _trace(model, fixed, preprocess_fn, name, channels, image_index, fixed_inputs)
    logits, extra = (logits_layer, {}) if logits_layer else _find_logits(tracer, final)
    outputs = {}
    for key, tensor in list(tracer.outputs.items()) + list(extra.items()):
        if _depth(tensor) is not None:
            outputs[key] = tensor
    outputs, token_layers = _token_grids(outputs)
    outputs = _select_layers(outputs, layers, logits, name)
    if not outputs:
        raise UserError(f"model {name} has no layer with a known channel dimension")
    depths = {k: _depth(t) for k, t in outputs.items()}
    keras_model = tf.keras.Model(image, outputs, name=re.sub(r"[^A-Za-z0-9_.\-]", "_", name))
    classifier = ()
    if logits is not None:
        if logits not in depths:
            raise UserError(f"unknown logits layer {logits!r} for model {name}; valid layers: " + ", ".join(depths))
        if len(outputs[logits].shape) != 2:
            raise UserError(f"logits layer {logits} of {name} has shape {tuple(outputs[logits].shape)}, "
                            "not [batch, classes]")
        classifier = (logits,)
    record.update({"logits_layer": logits, "input_size": list(fixed) if fixed else None,
                   "native_size": list(native) if native else None, "source": source or "python",
                   "channels": channels})
    if fixed_inputs:
        record["input_name"] = input_name
    if token_layers:
        record["token_layers"] = {k: {"prefix_tokens": p, "grid": g} for k, (p, g) in token_layers.items()
                                  if k in outputs}
    fm = KerasFeatureModel(name, keras_model, depths, classifier_layers=classifier, channels=channels)
    fm.info = record
    return fm


# ----------------------------------------------------------------------------- files

def parse_custom_objects(spec):
    """"module:attr[,module:attr]" -> dict name -> object (a dict attr is merged)."""
    if spec is None or spec == "" or isinstance(spec, dict):
        return dict(spec or {})
    objects = {}
    for item in (s.strip() for s in str(spec).split(",")):
        if not item:
            continue
        module_name, _, attr = item.partition(":")
        if not module_name or not attr:
            raise UserError(f"custom objects must be module:attr, got {item!r}")
        try:
            module = importlib.import_module(module_name)
        except Exception as e:
            raise UserError(f"cannot import custom-object module {module_name!r}: {first_line(e)}") from None
        if not hasattr(module, attr):
            raise UserError(f"module {module_name} has no attribute {attr!r}")
        obj = getattr(module, attr)
        if isinstance(obj, dict):
            objects.update(obj)
        else:
            objects[getattr(obj, "__name__", attr)] = obj
    return objects


def keras2_version(path):
    """The Keras version a `.keras` file says wrote it when that is Keras 2 (tf-keras, or
    TensorFlow <= 2.15), else None."""
    import json
    import zipfile
    if not str(path).endswith(".keras"):
        return None
    try:
        with zipfile.ZipFile(path) as z:
            version = str(json.loads(z.read("metadata.json")).get("keras_version", ""))
    except Exception:   # not a zip, no metadata: Keras 3 says what is wrong
        return None
    return version if version.startswith("2.") else None


def convert_keras2_file(path, safe_mode=True, custom_objects=None):
    """A tf-keras (Keras 2) `.keras` file as a Keras 3 model: loaded with tf_keras, written
    to a temporary legacy `.h5` (a format both read) and read back by Keras 3."""
    import tempfile
    try:
        import tf_keras
    except ImportError:
        raise UserError(f"{path} was written by Keras 2 (tf-keras); install tf-keras to read it "
                        "(pip install tf-keras), or re-save it as .h5 with the Keras that wrote it") from None
    try:
        old = tf_keras.models.load_model(path, compile=False, safe_mode=safe_mode,
                                         custom_objects=custom_objects or None)
    except Exception as e:
        text = first_line(e)
        if "Lambda" in text and ("safe_mode" in text or "unsafe" in text):
            raise UserError(f"{path} holds a Lambda layer with serialized Python code, which Keras' safe mode "
                            "refuses; if you trust the file, load it with --unsafe_deserialization") from None
        raise UserError(f"cannot load Keras 2 model {path} with tf-keras: {text[:300]}") from None
    with tempfile.TemporaryDirectory() as tmp:
        h5 = os.path.join(tmp, "model.h5")
        try:
            old.save(h5, save_format="h5")
        except Exception as e:
            raise UserError(f"cannot convert Keras 2 model {path} (a subclassed model?): {first_line(e)[:300]}") \
                from None
        log.info("%s was written by Keras 2: converted through tf-keras and a legacy .h5", path)
        return tf.keras.models.load_model(h5, compile=False, safe_mode=safe_mode, custom_objects=custom_objects)


def read_keras_file(path, safe_mode=True, custom_objects=None):
    """keras.models.load_model with one-line errors (not compiled: no optimizer state needed).
    A `.keras` file written by Keras 2 (tf-keras) is converted (`convert_keras2_file`)."""
    objects = parse_custom_objects(custom_objects)
    if keras2_version(path):
        try:
            return convert_keras2_file(path, safe_mode=safe_mode, custom_objects=objects)
        except UserError:
            raise
        except Exception as e:
            raise UserError(f"cannot load Keras 2 model {path}: {first_line(e)[:300]}") from None
    try:
        return tf.keras.models.load_model(path, compile=False, safe_mode=safe_mode, custom_objects=objects)
    except Exception as e:  # ValueError, TypeError, OSError, zip errors ...
        text = first_line(e)
        if "Lambda" in text and ("safe_mode" in text or "unsafe" in text):
            raise UserError(f"{path} holds a Lambda layer with serialized Python code, which Keras' safe mode "
                            "refuses (running it could execute arbitrary code); if you trust the file, load it "
                            "on purpose with --unsafe_deserialization (Python: safe_mode=False)") from None
        if "Unknown layer" in text or "Could not locate" in text or "custom_objects" in text:
            raise UserError(f"{path} uses a class Keras does not know ({text[:160]}); name its module with "
                            "--custom_objects=module:attr") from None
        raise UserError(f"cannot load Keras model {path}: {text[:300]}") from None


def _savedmodel_feature_model(path, preprocess, input_range, layers, logits_layer, source):
    from lucid_repro.models import savedmodel
    layer = savedmodel.load_layer(path)
    size = layer.fixed_input_size(serving_default=True)
    channels = layer.input_channels()
    name = savedmodel.model_name(path, prefix="keras_")
    preprocess_fn, record = resolve_preprocessing(os.path.basename(os.path.normpath(path)), preprocess,
                                                  input_range)
    if channels != 3 and record.get("preprocess") in ("caffe", "torch"):
        raise UserError(f"--preprocess={record['preprocess']} uses RGB ImageNet statistics; model {name} takes "
                        f"{channels}-channel images: use tf, none or a module:function")
    image = tf.keras.Input((None, None, channels), name="image")
    x = Preprocess(preprocess_fn, name="preprocess")(image)
    if size is not None:
        x = ResizeTo(size, name="resize_to_input")(x)
    try:
        outputs = savedmodel.named_outputs(layer(x))
    except UserError:
        raise
    except Exception as e:
        raise UserError(f"SavedModel {path} cannot be called on images [B, H, W, {channels}]: "
                        f"{first_line(e)}") from None
    outputs = {k: t for k, t in outputs.items() if _depth(t) is not None}
    logits = logits_layer
    if logits is None:
        rank2 = [k for k, t in outputs.items() if len(t.shape) == 2]
        named = [k for k in rank2 if "logit" in k.lower()]
        if named:
            logits = named[0]
        elif len(rank2) == 1:
            probe = tf.keras.Model(image, outputs[rank2[0]])(tf.random.uniform((2,) + (size or (32, 32)) + (channels,),
                                                                               seed=0)).numpy()
            if probe.min() >= 0 and np.allclose(probe.sum(-1), 1.0, atol=1e-3):
                logits = rank2[0] + "_log"
                outputs[logits] = tf.keras.layers.Lambda(lambda p: tf.math.log(p + 1e-12), name=logits)(
                    outputs[rank2[0]])
            else:
                logits = rank2[0]
    outputs = _select_layers(outputs, layers, logits, name)
    if logits is not None and logits not in outputs:
        raise UserError(f"unknown logits layer {logits!r} for model {name}; valid layers: " + ", ".join(outputs))
    if not outputs:
        raise UserError(f"SavedModel {path} has no output with a known channel dimension")
    depths = {k: _depth(t) for k, t in outputs.items()}
    classifier = (logits,) if logits is not None and len(outputs[logits].shape) == 2 else ()
    if logits is not None and not classifier:
        raise UserError(f"logits layer {logits} of {name} is not [batch, classes]")
    keras_model = tf.keras.Model(image, outputs, name=name)
    record.update({"logits_layer": logits, "input_size": list(size) if size else None,
                   "native_size": list(size) if size else None, "source": source, "channels": channels})
    fm = KerasFeatureModel(name, keras_model, depths, classifier_layers=classifier, channels=channels)
    fm.info = record
    return fm


def load_keras(path, preprocess=None, input_range=None, layers=None, logits_layer=None, safe_mode=True,
               custom_objects=None, input_name=None, input_values=None):
    """--model=keras:PATH: a `.keras` / `.h5` file or a SavedModel directory."""
    if not isinstance(path, str) or not path.strip():
        raise UserError("keras: needs a model file or directory, e.g. keras:/path/to/model.keras")
    path = os.path.abspath(os.path.expanduser(path.strip()))
    source = "keras:" + path
    if isinstance(preprocess, str) and ":" in preprocess:    # module:function (the atlas's plain config)
        preprocess = next(iter(parse_custom_objects(preprocess).values()))
    if os.path.isdir(path):
        if not os.path.exists(os.path.join(path, "saved_model.pb")):
            raise UserError(f"{path} is a directory without saved_model.pb: not a SavedModel")
        if input_name is not None or input_values is not None:
            raise UserError("--input_name / --input_values apply to .keras / .h5 files; a SavedModel directory's "
                            "signature must take one image batch")
        return _savedmodel_feature_model(path, preprocess, input_range, layers, logits_layer, source)
    if not os.path.isfile(path):
        raise UserError(f"Keras model file not found: {path}")
    if not path.endswith((".keras", ".h5", ".hdf5")):
        raise UserError(f"{path}: a Keras model is a .keras or .h5 file or a SavedModel directory")
    model = read_keras_file(path, safe_mode=safe_mode, custom_objects=custom_objects)
    return from_keras(model, preprocess=preprocess, input_range=input_range, layers=layers,
                      logits_layer=logits_layer, source=source, input_name=input_name, input_values=input_values)
