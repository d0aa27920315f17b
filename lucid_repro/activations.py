"""A layer's activations over an image collection, computed once and cached on disk
(issue 26: the activation half of the toolbox -- neighbours, embeddings, top patches,
multifaceted units -- reads them from here).

    feats = layer_activations(model, "pool5", collection)               # [N, C], pooled
    maps = layer_activations(model, "conv5_1", collection, pooled=False)  # [N, h, w, C], memory-mapped

The pass streams: `collection.batches` loads one batch of images at a time, and each
batch's activations go straight into a `.npy` file opened as a memory map, so neither the
images nor (with pooled=False) the activations are ever all in memory. The file is written
under a temporary name and renamed when complete, so an interrupted pass leaves nothing
that a later call would take for a result.

The cache key is (model identity including a digest of its weights, layer, image size,
pooled, collection fingerprint: paths, byte sizes, mtimes); the folder is `cache_dir`, else
$LUCID_REPRO_CACHE, else ~/.cache/lucid_repro, under `activations/`. Each entry is
`<key>.npy` plus `<key>.json` (what it holds, for people). A second call with the same key
loads the file and does not run the network.
"""
import hashlib
import json
import os

import numpy as np

from lucid_repro.errors import UserError

CACHE_ENV = "LUCID_REPRO_CACHE"
DEFAULT_CACHE = os.path.join("~", ".cache", "lucid_repro")
FORMAT_VERSION = 1        # bump when what a cache entry holds changes


def cache_root(cache_dir=None):
    """The activation cache folder: `cache_dir`, $LUCID_REPRO_CACHE or ~/.cache/lucid_repro,
    then `activations/`."""
    base = cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE
    return os.path.join(os.path.abspath(os.path.expanduser(base)), "activations")


def model_digest(model):
    """A digest of the model's identity: its name, channels, how it was loaded (`info`:
    a keras: model's preprocessing, logits...) and every weight's bytes (kept on the model:
    computed once per model object)."""
    def build():
        h = hashlib.sha256()
        h.update(f"{model.name}\0{model.channels}\0".encode())
        h.update(json.dumps(getattr(model, "info", {}) or {}, sort_keys=True, default=str).encode())
        for w in model.keras_model.weights:
            value = np.ascontiguousarray(np.asarray(w.numpy() if hasattr(w, "numpy") else w))
            h.update(f"{w.path if hasattr(w, 'path') else w.name}:{value.dtype}:{value.shape}\0".encode())
            h.update(value.tobytes())
        return h.hexdigest()
    return model.derived("weights_digest", build)


def pass_size(model, layer, size):
    """The image side the pass runs at: `size`, or the input size a model (or the layer's
    classifier head) was built for; UserError if that size is not square."""
    fixed = model.input_size_for([layer]) or (model.fixed_input_size() if hasattr(model, "fixed_input_size")
                                              else None)
    size = int(size)
    if size <= 0:
        raise UserError(f"image size must be positive, got {size}")
    if fixed and tuple(fixed) != (size, size):
        if fixed[0] != fixed[1]:
            raise UserError(f"layer {layer} of {model.name} needs {fixed[0]}x{fixed[1]} inputs; the collection's "
                            "images are square crops")
        return int(fixed[0])
    return size


def cache_key(model, layer, size, pooled, collection):
    text = json.dumps([FORMAT_VERSION, model_digest(model), layer, int(size), bool(pooled),
                       collection.fingerprint(), len(collection)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cache_path(model, layer, collection, size=224, pooled=True, cache_dir=None):
    """Where `layer_activations` keeps (or would keep) this pass's array."""
    layer = model.check_layer(layer)
    size = pass_size(model, layer, size)
    return os.path.join(cache_root(cache_dir), cache_key(model, layer, size, pooled, collection) + ".npy")


def _forward(model, layer, pooled):
    """The compiled pass of one batch: images [b, s, s, C] -> the layer's activations,
    global-average-pooled over space when `pooled` and the layer is spatial."""
    import tensorflow as tf

    def build():
        sub = model.submodel([layer])

        @tf.function(reduce_retracing=True)
        def forward(x):
            y = sub(x, training=False)[layer]
            if pooled and len(y.shape) == 4:
                y = tf.reduce_mean(y, axis=[1, 2])
            return y
        return forward
    return model.derived(("activation_pass", layer, bool(pooled)), build)


def layer_activations(model, layer, collection, size=224, batch_size=16, pooled=True, cache_dir=None,
                      progress=True):
    """The activations of `layer` on every image of `collection` (each resized so its
    shorter side is `size`, centre-cropped to size x size), in the collection's order:
    float32 [N, C] (pooled; a dense layer is [N, C] either way) or [N, h, w, C]
    (pooled=False: a read-only memory map of the cache file). Computed once per key (see
    the module docstring), with a progress bar; later calls read the cache."""
    from lucid_repro.files import atomic_path
    from lucid_repro.images import to_channels
    from lucid_repro.progress import bar

    layer = model.check_layer(layer)
    size = pass_size(model, layer, size)
    if int(batch_size) <= 0:
        raise UserError(f"batch size must be positive, got {batch_size}")
    if len(collection) == 0:
        raise UserError("the image collection is empty")
    root = cache_root(cache_dir)
    key = cache_key(model, layer, size, pooled, collection)
    path = os.path.join(root, key + ".npy")
    cached = _read(path, len(collection), pooled)
    if cached is not None:
        return cached
    os.makedirs(root, exist_ok=True)
    forward = _forward(model, layer, pooled)
    out = None
    with atomic_path(path) as tmp:
        with bar(total=len(collection), desc=f"activations {model.name} {layer}", unit="img",
                 disable=not progress) as pbar:
            for indices, images in collection.batches(size, batch_size):
                images = to_channels(images, model.channels, "the collection's images")
                values = np.asarray(forward(images), np.float32)
                if out is None:
                    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32,
                                                    shape=(len(collection),) + values.shape[1:])
                out[indices[0]:indices[-1] + 1] = values
                pbar.update(len(indices))
        out.flush()
        shape = out.shape
        del out
    _write_record(os.path.join(root, key + ".json"), dict(
        model=model.name, layer=layer, size=size, pooled=bool(pooled), images=len(collection),
        shape=list(shape), collection=getattr(collection, "source", ""), fingerprint=collection.fingerprint(),
        bytes=os.path.getsize(path)))
    return _read(path, len(collection), pooled)


def _read(path, n, pooled):
    """The cached array at `path` ([N, C] in memory, or a read-only memory map), or None if
    absent or not a complete array of `n` rows."""
    if not os.path.isfile(path):
        return None
    try:
        array = np.load(path, mmap_mode=None if pooled else "r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    return array if array.shape[:1] == (n,) else None


def _write_record(path, record):
    from lucid_repro.files import atomic_path
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")


def feature_layer(model, layer=None):
    """The layer whose activations describe a whole image (the lecture's "last layer"):
    `layer` if given (checked), else the model's (`FeatureModel.feature_layer`: the layer
    before the classifier, or its family's choice: VGG19's pool5); UserError naming the flag
    when the model has neither. Spatial layers are global-average-pooled by
    `layer_activations(pooled=True)`."""
    if layer:
        return model.check_layer(layer)
    found = model.feature_layer() if hasattr(model, "feature_layer") else None
    if found is None:
        raise UserError(f"model {model.name} has no classifier to take the layer before of: name the "
                        f"feature layer with --layer (e.g. one of {', '.join(model.layer_names[-3:])})")
    return found
