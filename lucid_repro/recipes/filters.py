"""Filters as images (Krizhevsky, Sutskever & Hinton 2012, fig. 3; the CNN-visualization
lecture's first slide): the first layer's kernels [kh, kw, 3, out] shown directly as RGB
tiles, and a higher layer's kernels, which see many input channels rather than colours, as
one grayscale tile per (filter, input channel).

Nothing is run through the network: these are the weights. Each tile is scaled on its own
to [0, 1] (its min to 0, its max to 1), as in the lecture's figures; a Caffe-preprocessed
model's first layer sees BGR, so its kernels are flipped to RGB (`model.input_channel_order`).
"""
import dataclasses

import numpy as np

from lucid_repro.errors import UserError


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
