"""The one style-transfer configuration, 2D and 3D (no TensorFlow here, so that scripts
can check their flags before TensorFlow loads). The losses are in `optvis.style`."""
import dataclasses
from typing import Tuple

import numpy as np

from lucid_repro.errors import UserError

LOSS_KINDS = ("mean_l1", "squared")
# per-term weights: none, He et al.'s omega_l (`auto_weights`), relative errors (`relative_scale`)
WEIGHTINGS = ("none", "omega", "relative")
# where the targets come from each step: "fixed" (computed once), "content" (content image
# in the batch, fixed style Grams), "lucid" (batch [generated, content, style], Lucid's notebooks)
BATCH_MODES = ("lucid", "content", "fixed")
# Gatys et al. 2016's style layers on VGG19 (Caffe's convX_Y blobs are post-ReLU), used by
# the 2D and 3D style transfers
GATYS_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


@dataclasses.dataclass(frozen=True)
class StyleConfig:
    """Everything that defines a style-transfer loss, in 2D and on a 3D texture.

    weighting: per-term weights, "none" (1 each), "omega" (He et al.'s omega_l,
    `auto_weights`) or "relative" (each term divided by its target's own magnitude,
    `relative_scale`). batch_mode: what the network sees each step, see BATCH_MODES
    (the scripts' --batch_mode). param: the recipe's default
    parameterization. source: where the numbers come from."""
    style_layers: Tuple[str, ...]
    content_layers: Tuple[str, ...]
    content_weight: float = 1.0
    style_weight: float = 1.0
    tv_weight: float = 0.0
    style_loss: str = "mean_l1"
    content_loss: str = "mean_l1"
    weighting: str = "none"
    batch_mode: str = "fixed"
    param: str = "fft"
    source: str = ""

    def to_dict(self):
        return dataclasses.asdict(self)


def _layer_tuple(value):
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    return tuple(value)


def config_for(model, presets, params=None, **overrides):
    """The StyleConfig of the model's family in `presets` (dict family -> StyleConfig, a
    recipe's table; "ranvgg19_stacked" is of family "ranvgg19") with `overrides` (None
    values ignored), checked against the model. Models without a preset need
    style_layers and content_layers. `params`: the parameterizations the recipe accepts."""
    from lucid_repro.models.families import pick
    name = getattr(model, "name", str(model))
    base = pick(presets, model)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    for key in ("style_layers", "content_layers"):
        if key in overrides:
            overrides[key] = _layer_tuple(overrides[key])
    if base is None:
        if "style_layers" not in overrides or "content_layers" not in overrides:
            raise UserError(f"no style-transfer preset for model {name}; give the style and content layers")
        base = StyleConfig(style_layers=(), content_layers=())
    config = dataclasses.replace(base, **overrides)
    if not config.style_layers:
        raise UserError("style transfer needs at least one style layer")
    for layer in config.style_layers + config.content_layers:
        model.check_layer(layer)
    choices = {"weighting": WEIGHTINGS, "batch_mode": BATCH_MODES, "style_loss": LOSS_KINDS,
               "content_loss": LOSS_KINDS}
    if params is not None:
        choices["param"] = params
    for key, valid in choices.items():
        if getattr(config, key) not in valid:
            raise UserError(f"{key} must be one of {', '.join(valid)}, got {getattr(config, key)!r}")
    for key in ("content_weight", "style_weight", "tv_weight"):
        value = getattr(config, key)
        if not (np.isfinite(value) and value >= 0):
            raise UserError(f"{key} must be >= 0, got {value}")
    return config
