"""Maximally activating patches (Zeiler & Fergus 2014, Fig. 2; Springenberg et al. 2015,
Fig. 3; the lecture's "maximal patches"): for a channel of a layer, the k images of a
collection where one of its units fires most, each cut at that unit's receptive field and
shown beside the guided-backprop map of the same unit (what inside the patch it
responds to).

The activations come from the collection's activation cache
(`lucid_repro.activations.layer_activations(..., pooled=False)`, a memory map read a chunk
of images at a time); the receptive field is computed from the model's layers
(`FeatureModel.receptive_field`), not hard-coded. One patch per image: a channel's k
patches come from k different images (its strongest unit in each).
"""
import dataclasses
import os

import numpy as np

from lucid_repro.activations import layer_activations, pass_size
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import attribution


PAPER = "none given (Zeiler & Fergus, Springenberg et al. show the patches)"


def numbers(out):
    r = read_json(out, "top_patches/top_patches.json")
    if not r:
        return [("receptive field", "—", PAPER)]
    rows = [(f"{r['layer']} receptive field at {r['size']} px (computed from the layers)",
             f"{r['receptive_field'][0]} px, stride {r['jump'][0]}", "VGG19: not stated")]
    rows += [(f"{r['layer']}:{c['channel']}: distinct images / strongest activation",
              f"{c['distinct_images']} / {fmt(c['activations'][0], 3)}", PAPER) for c in (dig(r, "channels") or [])]
    return rows


SECTION = Section(
    name="top_patches", part="classic", order=169, title="Maximally activating patches",
    claim="The patches of a collection that excite one channel most, cut at the unit's receptive field, "
          "share a motif; guided backprop shows which of their pixels the unit responds to.",
    settings={
        "library": dict(layer="conv4_2", channels="0:6", k=9, size=224, batch_size=16),
        "demo": dict(layer="conv4_2", channels="0:6", k=6, size=224, batch_size=16),
        "quick": dict(layer="conv3_1", channels="0:2", k=3, size=64, batch_size=8, max_images=6),
    },
    sources={"library": "ours (Zeiler & Fergus show 9 patches per unit)",
             "demo": "ours: the default collection (18 photos), 6 channels", "quick": "ours: smoke tests"},
    figures=(("top_patches/top_patches.png", "rows: channels; k pairs of (patch, guided backprop of its unit)"),),
    numbers=numbers,
    describe="VGG19 {layer} channels {channels}, top {k} of the default collection at {size} px",
    expected_seconds=80,
)


GREY = 0.5      # where a field reaches past the image border
_CHUNK = 16     # images read from the memory map at a time (conv4_2 at 224 px: 25 MB)


@dataclasses.dataclass
class Patch:
    channel: int
    image_index: int
    path: str
    y: int                  # the unit's position in the layer's map
    x: int
    activation: float
    box: tuple              # (y0, x0, y1, x1) in the size x size image, unclipped
    patch: np.ndarray       # [s, s, 3] the image inside the box (grey outside the image)
    guided: np.ndarray      # [s, s, 3] the unit's guided-backprop gradient inside the box


def strongest_units(maps, channels):
    """For each image and channel, its strongest unit: (values [N, K], ys [N, K], xs [N, K])
    of `maps` [N, h, w, C] (a memory map is read `_CHUNK` images at a time)."""
    n, h, w, _ = maps.shape
    values = np.empty((n, len(channels)), np.float32)
    where = np.empty((n, len(channels)), np.int64)
    for i in range(0, n, _CHUNK):
        chunk = np.asarray(maps[i:i + _CHUNK])[..., channels].reshape(-1, h * w, len(channels))
        where[i:i + _CHUNK] = chunk.argmax(axis=1)
        values[i:i + _CHUNK] = chunk.max(axis=1)
    return values, where // w, where % w


def crop(image, box, fill=GREY):
    """image[y0:y1, x0:x1] where the box may leave the image (filled with `fill`)."""
    y0, x0, y1, x1 = box
    h, w = image.shape[:2]
    out = np.full((y1 - y0, x1 - x0) + image.shape[2:], fill, np.float32)
    sy0, sx0, sy1, sx1 = max(y0, 0), max(x0, 0), min(y1, h), min(x1, w)
    out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out


def top_patches(model, layer, collection, channels, k=9, size=224, batch_size=16, cache_dir=None,
                progress=True):
    """{channel: [Patch, ...] (k, strongest first)} for `channels` of `layer` over
    `collection` (an ImageCollection) at `size` px."""
    layer = model.check_layer(layer)
    channels = [model.check_channel(layer, c) for c in channels]
    if not channels:
        raise UserError("give at least one channel")
    k = int(k)
    if k <= 0:
        raise UserError(f"--k must be positive, got {k}")
    if k > len(collection):
        raise UserError(f"--k={k} is larger than the collection ({len(collection)} images): one patch per image")
    size = pass_size(model, layer, size)
    rf = model.receptive_field(layer, size)      # refuses a non-spatial layer in one line
    maps = layer_activations(model, layer, collection, size=size, batch_size=batch_size, pooled=False,
                             cache_dir=cache_dir, progress=progress)
    if maps.ndim != 4:
        raise UserError(f"layer {layer} of {model.name} is not spatial; top patches need a feature map")
    values, ys, xs = strongest_units(maps, channels)
    result = {}
    for j, c in enumerate(channels):
        order = np.argsort(-values[:, j], kind="stable")[:k]
        images = np.stack([collection.load(int(i), size) for i in order])
        units = [(c, int(ys[i, j]), int(xs[i, j])) for i in order]
        grads = attribution.neuron_gradient(model, images, layer, units, guided=True)
        patches = []
        for image, grad, i, (_, y, x) in zip(images, grads, order, units):
            box = rf.box(y, x)
            patches.append(Patch(c, int(i), collection.paths[int(i)], y, x, float(values[i, j]), box,
                                 crop(image, box), crop(grad, box, fill=0.0)))
        result[c] = patches
    return result


def sheet_rows(result):
    """Contact-sheet rows: one per channel, k (patch, guided gradient) pairs."""
    return [[tile for p in patches for tile in (p.patch, attribution.gradient_image(p.guided))]
            for patches in result.values()]


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.collection import ImageCollection
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.recipes.atlas import parse_channels
    row = SECTION.demo_row(quick, model)
    collection = ImageCollection.default(row.get("max_images"))
    result = top_patches(model, row["layer"], collection, parse_channels(row["channels"]), k=row["k"],
                                     size=row["size"], batch_size=row["batch_size"], progress=progress)
    os.makedirs(output_dir, exist_ok=True)
    sheet = save_image(os.path.join(output_dir, "top_patches.png"), contact_sheet(sheet_rows(result)))
    record = describe(model, row["layer"], row["size"], collection, result)
    for c in record["channels"]:
        print(f"[top_patches] {record['layer']}:{c['channel']}: " + ", ".join(
            f"{os.path.basename(p)} ({a:.3g})" for p, a in zip(c["images"], c["activations"])))
    return [sheet, write_json(os.path.join(output_dir, "top_patches.json"), dict(row, **record))]


def describe(model, layer, size, collection, result):
    """The run's JSON record: the field, and per channel its images, units and activations."""
    first = next(iter(result.values()))[0]
    rf = model.receptive_field(layer, int(size))
    return {"model": model.name, "layer": layer, "size": int(size), "images_in_collection": len(collection),
            "skipped": len(collection.skipped), "receptive_field": list(rf.size), "jump": list(rf.jump),
            "patch_px": [first.box[2] - first.box[0], first.box[3] - first.box[1]],
            "channels": [{"channel": c, "distinct_images": len({p.image_index for p in ps}),
                          "images": [p.path for p in ps], "units": [[p.y, p.x] for p in ps],
                          "boxes": [list(p.box) for p in ps], "activations": [p.activation for p in ps]}
                         for c, ps in result.items()]}
