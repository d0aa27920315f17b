"""Activation maps (Yosinski et al. 2015, the Deep Visualization Toolbox; the lecture's
"activations" slide): every channel of one layer on one image, as a grayscale image.

One forward pass. The maps share one scale (0 to the layer's 99.9th percentile on this
image, above it white), so silent channels stay black and the strongest ones stand out, as
in the toolbox's layer view (a few hot pixels would otherwise set the scale and leave every
other map black).
"""
import dataclasses

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.models.families import pick

DEFAULT_LAYERS = {"vgg19": "relu5_1", "ranvgg19": "relu5_1", "inception_v1": "mixed4a"}


@dataclasses.dataclass
class ActivationMaps:
    layer: str
    maps: np.ndarray             # [h, w, C] raw activations
    scaled: np.ndarray           # [h, w, C] in [0, 1] (one scale for the layer)

    @property
    def silent_share(self):
        """Share of channels that are zero (or below) everywhere on this image."""
        return float(np.mean(self.maps.reshape(-1, self.maps.shape[-1]).max(axis=0) <= 0))

    @property
    def active_share(self):
        """Share of all (position, channel) values above zero: how sparse the layer is here."""
        return float(np.mean(self.maps > 0))

    @property
    def top_channel(self):
        return int(np.argmax(self.maps.reshape(-1, self.maps.shape[-1]).mean(axis=0)))


def default_layer(model):
    """The toolbox shows conv5 of its network; elsewhere the last spatial layer."""
    layer = pick(DEFAULT_LAYERS, model)
    if layer in model.layer_names:
        return layer
    spatial = [l for l in model.layer_names if len(model.keras_model.output[l].shape) == 4]
    if not spatial:
        raise UserError(f"model {model.name} has no spatial layer [batch, h, w, channels] to show")
    return spatial[-1]


def activation_maps(model, image, layer=None):
    """The maps of `layer` (default: `default_layer`) on `image` [H, W, C] in [0, 1]."""
    layer = model.check_layer(layer or default_layer(model))
    values = np.asarray(model.activations(np.asarray(image, np.float32)[None], [layer])[layer])[0]
    if values.ndim != 3:
        raise UserError(f"layer {layer} of {model.name} has shape {values.shape}, not a spatial map [h, w, C]")
    top = max(float(np.percentile(values, 99.9)), 1e-12)
    return ActivationMaps(layer, values, np.clip(values / top, 0, 1).astype(np.float32))


def sheet(result, max_channels=None, columns=None, tile=None, pad=1):
    """The maps in a grid (row-major by channel), grayscale, each enlarged to `tile` px."""
    from PIL import Image

    from lucid_repro.images import contact_sheet
    maps = result.scaled[..., :max_channels]
    n = maps.shape[-1]
    columns = columns or int(np.ceil(np.sqrt(n)))
    h, w = maps.shape[:2]
    scale = max(1, (tile or h) // max(h, w))
    tiles = [np.asarray(Image.fromarray((maps[..., c] * 255).astype(np.uint8)).resize(
        (w * scale, h * scale), Image.NEAREST), np.float32)[..., None] / 255.0 for c in range(n)]
    rows = [tiles[i:i + columns] for i in range(0, n, columns)]
    return contact_sheet(rows, pad=pad, background=0.5)
