"""CPPN feature visualization (the article's "xy2rgb" section).

The image is the output of a Compositional Pattern Producing Network of pixel
coordinates (`param.cppn`, Lucid's default architecture). Following Lucid's xy2rgb
notebook: Adam with learning rate 0.005, no transformation robustness (the CPPN's
smooth, resolution-free images need none), 512 steps. The trained weights render
at any resolution, and linearly interpolating two sets of weights morphs one
pattern into the other.
"""
import os

import numpy as np

from lucid_repro.declaration import NO_NUMBER, Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, render
from lucid_repro.optvis.param.cppn import CPPN, interpolate_weights, load_weights


def numbers(out):
    r = read_json(out, "cppn/cppn.json")
    rows = [(f"objective {u}, step 1 → last", f"{fmt(v['first'])} → {fmt(v['last'])}", NO_NUMBER)
            for u, v in (dig(r, "objective") or {}).items()]
    if r:
        rows.append(("rendered at (trained at) px", f"{r.get('render_size')} ({r.get('size')})",
                     "any size (the CPPN is resolution-free)"))
    return rows or [("objective", "—", NO_NUMBER)]


_NET = dict(lr=0.005, transforms=False, layers=8, width=24, activation="composite", normalize=False)
_UNITS = ["conv5_1:15", "conv5_1:34"]       # object-like conv5_1 units: a dog face, eyes

SECTION = Section(
    name="cppn", part="article", order=30, title="CPPN parameterization",
    claim="A compositional pattern-producing network (a small MLP from (x, y) to colour) is a "
          "resolution-free parameterization: its visualizations are smooth, render at any size, "
          "and morph smoothly when its weights are interpolated.",
    settings={
        "library": dict(size=224, steps=512, render_size=1024, every=8, objective="conv5_1:15", relu_override=False,
                        **_NET),
        "demo": dict(size=96, steps=320, render_size=384, every=8, frames=24, units=_UNITS, **_NET),
        "quick": dict(size=32, steps=4, render_size=64, every=2, frames=3, units=_UNITS, **_NET),
        "article": dict(size=224, steps=512, objective="conv5_1:15", relu_override=True, **_NET,
                        by_model={"inception_v1": {"objective": "mixed4b_3x3_pre_relu:77"}}),
    },
    sources={
        "library": "Lucid xy2rgb.ipynb / param.cppn (the article's settings)",
        "demo": "ours: make demo's budget (96 px, 320 steps, two units, a 24-frame morph)",
        "quick": "ours: smoke tests",
        "article": "Lucid xy2rgb.ipynb / param.cppn: 224 px, 8 x 24 channels, composite activation, no "
                   "normalization, Adam 0.005, no transforms, 512 steps, mixed4b_3x3_pre_relu:77 on GoogLeNet; "
                   "render_vis's relu_gradient_override=True",
    },
    figures=(("cppn/cppn.png", "the two CPPNs and two morph frames"),
             ("cppn/cppn_*_training.mp4", "training {unit} (video)"),
             ("cppn/cppn_morph.gif", "morph between the two (weights interpolated)"),
             ("cppn/cppn_*_*_*.png", "{unit} rendered at 4×")),
    numbers=numbers,
    describe="VGG19, units {units}; {size} px, {steps} steps, Adam {lr}, saturation penalty 0.02; "
             "{frames} morph frames",
    expected_seconds=104,
)


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


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def save_training(result, cppn_param, output, render_size=1024, fps=15):
    """Write `output` (final image at render_size), `<stem>_training.mp4` and .gif (one
    frame per snapshot) and `<stem>.npz` (weights). Returns the paths."""
    from lucid_repro.images import save_gif, save_image, save_mp4
    stem = os.path.splitext(output)[0]
    frames = [np.asarray(img)[0] for img in result.images]
    paths = [save_image(output, image_at(cppn_param, render_size)),
             save_mp4(stem + "_training.mp4", frames, fps=fps),
             save_gif(stem + "_training.gif", frames[::max(1, len(frames) // 64)], fps=fps),
             cppn_param.save(stem + ".npz")]
    return paths


def save_morph(frames, output, fps=15):
    """`output` = strip of up to 8 frames; `<stem>.mp4` and `<stem>.gif` = the morph
    played forth and back."""
    from lucid_repro.images import contact_sheet, save_gif, save_image, save_mp4
    stem = os.path.splitext(output)[0]
    loop = list(frames) + list(frames[-2:0:-1])
    pick = np.linspace(0, len(frames) - 1, min(8, len(frames))).round().astype(int)
    return [save_image(output, contact_sheet([[frames[i] for i in pick]])),
            save_mp4(stem + ".mp4", loop, fps=fps), save_gif(stem + ".gif", loop, fps=fps)]


def demo(model, output_dir, quick=False, progress=True):
    """Two CPPNs on VGG19 (the demo row's units): each rendered at 4x its training
    size, its training video and weights; a morph between them; a contact sheet."""
    from lucid_repro.images import contact_sheet, save_image
    settings = SECTION.demo_row(quick, model)
    size, steps, every, big, n_morph = settings["size"], settings["steps"], settings["every"], settings["render_size"], settings["frames"]
    record = {"model": getattr(model, "name", str(model)), "size": size, "steps": steps,
              "render_size": big, "morph_frames": n_morph, "objective": {}}
    os.makedirs(output_dir, exist_ok=True)
    paths, weights, row = [], [], []
    for unit in settings["units"]:
        result, p = train(model, unit, size=size, steps=steps, every=every, lr=settings["lr"], progress=progress)
        name = os.path.join(output_dir, f"cppn_{unit.replace(':', '_')}.png")
        paths += save_training(result, p, name, render_size=big)
        weights.append(p.get_weights())
        row.append(np.asarray(result.images[-1])[0])
        print(f"cppn {unit}: objective {-result.losses[0]:.4g} -> {-result.losses[-1]:.4g}")
        record["objective"][unit] = {"first": float(-result.losses[0]), "last": float(-result.losses[-1])}
    frames = morph(weights[0], weights[1], frames=n_morph, size=size)
    paths += save_morph(frames, os.path.join(output_dir, "cppn_morph.png"))
    sheet = os.path.join(output_dir, "cppn.png")
    pick = np.linspace(0, len(frames) - 1, 4).round().astype(int)
    paths.insert(0, save_image(sheet, contact_sheet([row + [frames[i] for i in pick[1:-1]]])))
    paths.append(write_json(os.path.join(output_dir, "cppn.json"), record))
    return paths
