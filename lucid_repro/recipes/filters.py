"""Filters as images (Krizhevsky, Sutskever & Hinton 2012, fig. 3; the CNN-visualization
lecture's first slide): the first layer's kernels [kh, kw, 3, out] shown directly as RGB
tiles, and a higher layer's kernels, which see many input channels rather than colours, as
one grayscale tile per (filter, input channel).

Nothing is run through the network: these are the weights. Each tile is scaled on its own
to [0, 1] (its min to 0, its max to 1), as in the lecture's figures; a Caffe-preprocessed
model's first layer sees BGR, so its kernels are flipped to RGB (`model.input_channel_order`).
"""
import dataclasses
import os

import numpy as np

from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError


def numbers(out):
    r = read_json(out, "filters/filters.json")
    first = dig(r, "first") or {}
    return [(f"first layer {first.get('layer', '')} {'×'.join(map(str, first.get('kernel_shape', [])))}: "
             "share of colour-specific filters", fmt(first.get("colour_share"), 2),
             "about half: Krizhevsky's GPU 2 learned colour-specific filters, GPU 1 colour-agnostic ones (fig. 3)")]


SECTION = Section(
    name="filters", part="classic", order=165, title="Filters as images",
    claim="The first layer's weights, shown as RGB images, are oriented edges, colour blobs and "
          "opponent colours; higher layers' weights, one grey tile per input channel, are not "
          "interpretable by eye.",
    settings={
        "library": dict(max_filters=64, max_inputs=16, tile_pixels=24),
        "demo": dict(higher_layer="conv2_1", max_filters=64, higher_filters=16, max_inputs=16, tile_pixels=24,
                     by_model={"inception_v1": dict(higher_layer="conv2d1")}),
        "quick": dict(higher_layer="conv2_1", max_filters=16, higher_filters=4, max_inputs=4, tile_pixels=12,
                      by_model={"inception_v1": dict(higher_layer="conv2d1")}),
    },
    sources={"library": "Krizhevsky et al. 2012 fig. 3 (96 first-layer filters as RGB); sizes ours",
             "demo": "ours: VGG19's 64 conv1_1 filters (3x3) and conv2_1's first 16 filters x 16 inputs",
             "quick": "ours: smoke tests"},
    figures=(("filters/filters_first.png", "first-layer filters (RGB, each scaled to [0, 1])"),
             ("filters/filters_higher.png", "a higher layer: rows = filters, columns = input channels")),
    numbers=numbers,
    describe="VGG19 conv1_1 (all {max_filters}) and {higher_layer} ({higher_filters} filters × {max_inputs} "
             "inputs), {tile_pixels} px tiles",
    expected_seconds=3,
)


@dataclasses.dataclass
class Filters:
    layer: str
    kernel_shape: tuple          # (kh, kw, in, out)
    tiles: np.ndarray            # first layer: [out, kh, kw, 3]; higher: [filters, in, kh, kw, 1]
    rgb: bool


def kernel_layers(model):
    found = model.kernel_layers()
    if not found:
        raise UserError(f"model {model.name} has no 2D convolution layer (no kernel to show)")
    return found


def kernel_of(model, layer=None):
    """(name, kernel [kh, kw, in, out] numpy) of `layer` (default: the first convolution)."""
    found = kernel_layers(model)
    name = layer or next(iter(found))
    if name not in found:
        raise UserError(f"layer {name!r} of {model.name} has no convolution kernel; layers with one: "
                        + ", ".join(found))
    return name, np.asarray(found[name].numpy() if hasattr(found[name], "numpy") else found[name], np.float32)


def scale_each(tiles, axes):
    """Each tile (the slices over `axes`) scaled to [0, 1] by its own min and max."""
    low = tiles.min(axis=axes, keepdims=True)
    high = tiles.max(axis=axes, keepdims=True)
    return (tiles - low) / np.maximum(high - low, 1e-12)


def filters(model, layer=None, max_filters=None, max_inputs=None):
    """The kernels of `layer` as tiles. A kernel with as many inputs as the image has
    channels (3: the first layer) gives RGB tiles [out, kh, kw, 3]; any other gives grayscale
    tiles [filters, inputs, kh, kw, 1] (at most `max_filters` x `max_inputs`)."""
    name, kernel = kernel_of(model, layer)
    kh, kw, cin, cout = kernel.shape
    if cin == 3:
        tiles = np.transpose(kernel, (3, 0, 1, 2))[:max_filters]       # [out, kh, kw, 3]
        if model.input_channel_order == "BGR":
            tiles = tiles[..., ::-1]
        return Filters(name, kernel.shape, scale_each(tiles, (1, 2, 3)).astype(np.float32), True)
    tiles = np.transpose(kernel, (3, 2, 0, 1))[:max_filters, :max_inputs, ..., None]   # [f, in, kh, kw, 1]
    return Filters(name, kernel.shape, scale_each(tiles, (2, 3, 4)).astype(np.float32), False)


def upscale(tile, pixels):
    """Nearest-neighbour enlargement of a small kernel tile to about `pixels` per side."""
    k = max(1, int(pixels) // max(tile.shape[:2]))
    return np.repeat(np.repeat(tile, k, axis=0), k, axis=1)


def sheet(result, tile_pixels=24, columns=16, pad=2):
    """The figure: RGB tiles in rows of `columns`; grayscale tiles one row per filter, one
    column per input channel."""
    from lucid_repro.images import contact_sheet
    if result.rgb:
        tiles = [upscale(t, tile_pixels) for t in result.tiles]
        rows = [tiles[i:i + columns] for i in range(0, len(tiles), columns)]
        return contact_sheet(rows, pad=pad)
    rows = [[upscale(t, tile_pixels) for t in row] for row in result.tiles]
    return contact_sheet(rows, pad=pad, background=1.0)


def colour_share(result, threshold=0.5):
    """Share of RGB filters that are colour-specific: the mean correlation between their
    three channel kernels is below `threshold` (a grey edge detector has ~1: the same
    pattern in R, G and B). Krizhevsky's two GPUs split into colour-agnostic and
    colour-specific filters."""
    if not result.rgb:
        return None
    t = result.tiles.reshape(len(result.tiles), -1, 3)
    corr = []
    for f in t:
        c = np.corrcoef(f.T)
        corr.append(np.nanmean(c[np.triu_indices(3, 1)]))
    return float(np.mean(np.asarray(corr) < threshold))


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.images import save_image
    row = SECTION.demo_row(quick, model)
    layers = list(kernel_layers(model))
    higher = row["higher_layer"] if row["higher_layer"] in layers else layers[min(2, len(layers) - 1)]
    first = filters(model, None, row["max_filters"])
    high = filters(model, higher, row["higher_filters"], row["max_inputs"])
    share = colour_share(first)
    print(f"[filters] {first.layer} {first.kernel_shape}: colour-specific share {fmt(share, 2)}; "
          f"{high.layer} {high.kernel_shape}")
    os.makedirs(output_dir, exist_ok=True)
    return [save_image(os.path.join(output_dir, "filters_first.png"), sheet(first, row["tile_pixels"])),
            save_image(os.path.join(output_dir, "filters_higher.png"), sheet(high, row["tile_pixels"])),
            write_json(os.path.join(output_dir, "filters.json"), dict(
                row, model=model.name, higher_layer=high.layer,
                first=dict(layer=first.layer, kernel_shape=list(first.kernel_shape), colour_share=share,
                           channel_order=model.input_channel_order),
                higher=dict(layer=high.layer, kernel_shape=list(high.kernel_shape))))]
