"""Saliency by occlusion (Zeiler & Fergus 2014, "Visualizing and Understanding
Convolutional Networks", Fig. 7): slide a grey square over the photo and record how much
the class probability drops at each position. No gradient: only forward passes, run in
batches of occluded copies.

The score is a classifier's class probability (softmax of its logits; the top class of
the photo by default). A model without a classifier head (the offline VGG19) can explain
a channel's spatial mean activation instead (`layer` and `channel`); without either the
recipe refuses in one line saying what is needed.
"""
import dataclasses
import os

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import attribution


def numbers(out):
    r = read_json(out, "occlusion/occlusion.json")
    return [(f"{m['image']} ({m['target']}): score / largest drop / share of drop in the top 10% of positions",
             f"{fmt(m['base'], 3)} / {fmt(m['max_drop'], 3)} / {fmt(m['top10_share'], 2)}",
             "none given (Zeiler & Fergus show the maps)") for m in (dig(r, "maps") or [])] or \
        [("largest drop", "—", "none given (Zeiler & Fergus show the maps)")]


SECTION = Section(
    name="occlusion", part="classic", order=170, title="Saliency by occlusion",
    claim="Covering the part of the photo a class depends on with a grey square makes its probability "
          "drop; sliding the square maps where the evidence is.",
    settings={
        # layer/channel: what a model without a classifier explains (a channel's mean activation)
        "library": dict(patch=32, stride=16, size=224, batch_size=32, layer=None),
        "demo": dict(patch=32, stride=20, size=160, batch_size=32, layer="relu5_4",
                     images=["bridge.jpg", "zurich.jpg"]),
        "quick": dict(patch=16, stride=16, size=64, batch_size=32, layer="relu5_4",
                      images=["bridge.jpg"]),
        "paper": dict(patch=50, stride=10, size=224, batch_size=32, layer=None),
    },
    sources={"library": "ours (Zeiler & Fergus' grey square; a patch of 1/7 of the photo, stride half of it)",
             "demo": "ours: VGG19 has no classifier offline, so a relu5_4 channel's mean activation",
             "quick": "ours: smoke tests",
             "paper": "Zeiler & Fergus 2014, Fig. 7 (a 50x50 grey square; the stride is not given)"},
    figures=(("occlusion/occlusion_grid.png", "photo, drop map over the photo, drop per position"),),
    numbers=numbers,
    describe="VGG19 {layer} (most active channel: no classifier offline), {images} at {size} px, "
             "{patch} px grey patch, stride {stride}",
    expected_seconds=70,
)


GREY = 0.5      # the occluder's value in [0, 1] images (Zeiler & Fergus: a grey square)


@dataclasses.dataclass
class Occlusion:
    image: np.ndarray        # the photo [H, W, C]
    grid: np.ndarray         # [gh, gw]: score drop with the patch at each position
    map: np.ndarray          # [H, W]: mean drop over the positions covering each pixel
    base: float              # the score of the unoccluded photo
    target: str              # "class 281 probability" or "relu5_4:17 mean activation"
    patch: int
    stride: int


def _positions(length, patch, stride):
    """Top-left offsets along one axis: every `stride` pixels, plus the last one so that
    the far edge is covered."""
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] != length - patch:
        starts.append(length - patch)
    return starts


def check_target(model, layer=None, logits_layer=None):
    """The logits layer occlusion reads (None when explaining a channel of `layer`);
    UserError naming what is needed when the model has no classifier and no layer is given."""
    if layer is not None:
        return None
    if not model.has_classifier and logits_layer is None:
        raise UserError(
            f"occlusion explains a class probability and model {model.name} has no classifier head: "
            "use a classifier (--model=inception_v1, or keras:FILE with its logits) or give --layer "
            "(and --channel) to explain a channel's mean activation instead")
    return attribution.class_layer(model, logits_layer)


def score_function(model, image, class_index=None, layer=None, channel=None, logits_layer=None):
    """(f, description): f(batch) -> [B] scores of what occlusion explains."""
    logits = check_target(model, layer, logits_layer)
    if layer is None:
        if class_index is None:
            probs = tf.nn.softmax(model.activations(image[None], [logits])[logits][0]).numpy()
            class_index = int(np.argmax(probs))
        attribution.class_score(model, class_index, logits)     # range check

        def f(batch):
            return tf.nn.softmax(model.activations(batch, [logits])[logits], axis=-1)[:, class_index]
        return f, f"class {class_index} probability"
    if class_index is not None:
        raise UserError("give either --class or --layer/--channel, not both")
    model.check_layer(layer)
    if channel is None:
        channel = attribution.most_active_channel(model, image, layer)
    channel = model.check_channel(layer, channel)

    def f(batch):
        acts = model.activations(batch, [layer])[layer]
        return tf.reduce_mean(acts[..., channel], axis=list(range(1, acts.shape.rank - 1)))
    return f, f"{layer}:{channel} mean activation"


def occlude(model, image, patch=32, stride=16, class_index=None, layer=None, channel=None,
            logits_layer=None, batch_size=32, grey=GREY, progress=False):
    """The occlusion map of `image` ([H, W, C] in [0, 1]) for a `patch` x `patch` grey
    square moved by `stride` pixels."""
    image = np.asarray(image, np.float32)
    h, w = image.shape[:2]
    for name, v in (("patch", patch), ("stride", stride), ("batch_size", batch_size)):
        if not int(v) > 0:
            raise UserError(f"--{name} must be positive, got {v}")
    if patch > min(h, w):
        raise UserError(f"--patch={patch} is larger than the image ({h}x{w})")
    f, description = score_function(model, image, class_index, layer, channel, logits_layer)
    base = float(f(tf.constant(image[None]))[0])
    spots = [(y, x) for y in _positions(h, patch, stride) for x in _positions(w, patch, stride)]
    scores = []
    chunks = range(0, len(spots), batch_size)
    if progress:
        from lucid_repro.progress import bar
        chunks = bar(chunks, desc="occlusion", unit="batch")
    for i in chunks:
        chunk = spots[i:i + batch_size]
        batch = np.repeat(image[None], len(chunk), axis=0)
        for b, (y, x) in enumerate(chunk):
            batch[b, y:y + patch, x:x + patch] = grey
        scores.append(np.asarray(f(tf.constant(batch)), np.float64))
    drop = base - np.concatenate(scores)
    ys, xs = _positions(h, patch, stride), _positions(w, patch, stride)
    grid = drop.reshape(len(ys), len(xs))
    total, count = np.zeros((h, w)), np.zeros((h, w))
    for (y, x), d in zip(spots, drop):
        total[y:y + patch, x:x + patch] += d
        count[y:y + patch, x:x + patch] += 1
    return Occlusion(image, grid.astype(np.float32), (total / np.maximum(count, 1)).astype(np.float32),
                     base, description, int(patch), int(stride))


def display_map(result):
    """The drop map as a [0, 1] map for display: positive drops (the evidence) scaled by
    the largest one; where occluding raises the score, 0."""
    top = float(np.max(result.map))
    return np.clip(result.map / top, 0.0, 1.0) if top > 0 else np.zeros_like(result.map)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Rows: photos; columns: photo, the drop map over the photo, the drop map. A model
    with a classifier explains its top class's probability; otherwise a channel of the
    row's layer (its most active one), as the report says."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    row = SECTION.demo_row(quick, model)
    layer = None if model.has_classifier else row["layer"]
    fixed = model.input_size_for(model.classifier_layers[:1]) if layer is None else None
    os.makedirs(output_dir, exist_ok=True)
    rows, record = [], {"model": model.name, "size": row["size"], "patch": row["patch"], "stride": row["stride"],
                        "maps": []}
    shape = fixed
    for name in row["images"]:
        path = assets.find_image(name, "content")
        # the first photo at the row's size (longer side); the others at its shape (one sheet)
        photo = load_image(path, size=shape) if shape else load_image(path, max_side=row["size"])
        shape = photo.shape[:2]
        r = occlude(model, photo, row["patch"], row["stride"], layer=layer,
                              batch_size=row["batch_size"], progress=progress)
        shown = display_map(r)
        flat = np.sort(np.clip(r.grid.ravel(), 0, None))[::-1]
        share = float(flat[:max(1, len(flat) // 10)].sum() / max(flat.sum(), 1e-12))
        record["maps"].append({"image": name, "target": r.target, "base": r.base,
                               "max_drop": float(r.grid.max()), "top10_share": share})
        print(f"[occlusion] {name} {r.target}: score {r.base:.3g}, largest drop {r.grid.max():.3g}, "
              f"top-10% positions hold {share:.2f} of the drop")
        rows.append([photo, attribution.overlay(photo, shown), attribution.heatmap(shown)])
    sheet = save_image(os.path.join(output_dir, "occlusion_grid.png"), contact_sheet(rows))
    return [sheet, write_json(os.path.join(output_dir, "occlusion.json"), record)]
