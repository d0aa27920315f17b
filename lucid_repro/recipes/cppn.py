"""CPPN feature visualization (the article's "xy2rgb" section).

The image is the output of a Compositional Pattern Producing Network of pixel
coordinates (`param.cppn`, Lucid's default architecture). Following Lucid's xy2rgb
notebook: Adam with learning rate 0.005, no transformation robustness (the CPPN's
smooth, resolution-free images need none), 512 steps. The trained weights render
at any resolution, and linearly interpolating two sets of weights morphs one
pattern into the other.
"""
import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, render
from lucid_repro.optvis.param.cppn import CPPN, interpolate_weights, load_weights

LEARNING_RATE = 0.005
STEPS = 512
# objectives.saturation_penalized weight (issue 16, BUILD_NOTES): without it a VGG19 unit
# drives the CPPN's sigmoid to its ends (25-75 % of channel values clipped)
SATURATION_PENALTY = 0.02



def train(model, objective, size=224, steps=STEPS, lr=LEARNING_RATE, every=8, use_transforms=False,
          seed=0, progress=True, saturation_penalty=SATURATION_PENALTY, relu_override=False,
          **cppn_kwargs):
    """Optimize a CPPN for `objective`; returns (RenderResult, CPPN). The result's images
    are snapshots every `every` steps (step 0 included): the training-evolution video.
    saturation_penalty: weight of `objectives.saturation_penalized` (0: Lucid's bare
    objective); `cppn_kwargs` go to `param.cppn` (e.g. decorrelate=True, RGB models only).
    The CPPN has as many outputs as the model has input channels."""
    if size <= 0 or steps <= 0 or lr <= 0 or every <= 0:
        raise UserError(f"size, steps, lr and every must be positive, got size={size} steps={steps} "
                        f"lr={lr} every={every}")
    objective = objectives.saturation_penalized(objective, saturation_penalty)
    # the CPPN draws what the model takes: 1 (gray), 3 (RGB) or C bands (issue 25)
    cppn_kwargs.setdefault("num_output_channels", model.channels)
    holder = {}

    def make():
        holder["p"] = CPPN(size, seed=seed, **cppn_kwargs)
        return holder["p"]

    thresholds = sorted(set(range(0, steps + 1, every)) | {steps})
    result = render.render(model, objective, param_f=make, optimizer=render.adam(lr),
                           transforms=None if use_transforms else [], thresholds=thresholds, seed=seed,
                           progress=progress, description=f"cppn {objective.name}",
                           relu_override=relu_override)
    return result, holder["p"]


def image_at(weights_or_cppn, size):
    """[size, size, C] image of a CPPN (or its weights / .npz path) at any resolution."""
    p = weights_or_cppn if isinstance(weights_or_cppn, CPPN) else CPPN.from_weights(weights_or_cppn, size)
    return p.image_at(size, batch=1).numpy()[0]


def morph(weights_a, weights_b, frames=30, size=256):
    """Frames rendered from (1 - t) * a + t * b, t = 0 .. 1 over `frames` steps."""
    if frames < 2:
        raise UserError(f"frames must be at least 2, got {frames}")
    if size <= 0:
        raise UserError(f"size must be positive, got {size}")
    a = weights_a if isinstance(weights_a, dict) else load_weights(weights_a)
    b = weights_b if isinstance(weights_b, dict) else load_weights(weights_b)
    p = CPPN.from_weights(a, size)
    out = []
    for t in np.linspace(0.0, 1.0, frames):
        p.set_weights(interpolate_weights(a, b, float(t)))
        out.append(p.image_at(size, batch=1).numpy()[0])
    return out
