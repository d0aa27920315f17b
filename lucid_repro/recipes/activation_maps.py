"""Activation maps (Yosinski et al. 2015, the Deep Visualization Toolbox; the lecture's
"activations" slide): every channel of one layer on one image, as a grayscale image.

One forward pass. The maps share one scale (0 to the layer's 99.9th percentile on this
image, above it white), so silent channels stay black and the strongest ones stand out, as
in the toolbox's layer view (a few hot pixels would otherwise set the scale and leave every
other map black).
"""
import dataclasses
import os

import numpy as np

from lucid_repro import assets
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.models.families import pick


def numbers(out):
    r = read_json(out, "activation_maps/activation_maps.json")
    return [(f"{m['layer']} on {m['image']}: share of values above zero / of channels silent everywhere",
             f"{fmt(m.get('active_share'), 2)} / {fmt(m['silent_share'], 2)}",
             "none given (Yosinski et al. show the maps are sparse and localized)")
            for m in (dig(r, "maps") or [])] or [("silent channels", "—", "none given")]


SECTION = Section(
    name="activation_maps", part="classic", order=166, title="Activation maps",
    claim="Every channel of a layer on one photo, as a grayscale image: at conv5 most maps are dark "
          "and a few light up on specific parts of the scene (sparse, localized).",
    settings={
        "library": dict(size=336),
        "demo": dict(image="bridge.jpg", size=336, layers=["relu3_1", "relu5_1"], tile=32,
                     by_model={"inception_v1": dict(layers=["mixed3a", "mixed4a"])}),
        "quick": dict(image="bridge.jpg", size=48, layers=["relu5_1"], tile=8,
                      by_model={"inception_v1": dict(layers=["mixed4a"])}),
    },
    sources={"library": "Yosinski et al. 2015 (Deep Visualization Toolbox, conv5 maps); size ours",
             "demo": "ours: the bridge photo at a mid and the last conv block",
             "quick": "ours: smoke tests"},
    figures=(("activation_maps/activation_maps_*.png", "every channel of the layer, one scale for the layer"),),
    numbers=numbers,
    describe="VGG19 {layers} on {image} ({size} px longer side)",
    expected_seconds=6,
)


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


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.images import load_image, save_image
    row = SECTION.demo_row(quick, model)
    photo = load_image(assets.find_image(row["image"], "content"), max_side=row["size"])
    written, record = [], dict(row, model=model.name, maps=[])
    os.makedirs(output_dir, exist_ok=True)
    for layer in row["layers"]:
        r = activation_maps(model, photo, layer)
        print(f"[activation_maps] {row['image']} {r.layer} {r.maps.shape}: active {r.active_share:.2f}, "
              f"silent channels {r.silent_share:.2f}, "
              f"top channel {r.top_channel}")
        record["maps"].append(dict(image=row["image"], layer=r.layer, shape=list(r.maps.shape),
                                   silent_share=r.silent_share, active_share=r.active_share,
                                   top_channel=r.top_channel))
        written.append(save_image(os.path.join(output_dir, f"activation_maps_{r.layer}.png"),
                                  sheet(r, tile=row["tile"])))
    save_image(os.path.join(output_dir, "photo.png"), photo)
    return written + [write_json(os.path.join(output_dir, "activation_maps.json"), record)]
