"""DeepDream (Mordvintsev, Olah & Tyka 2015, "Inceptionism"; google/deepdream dream.ipynb).

Gradient ascent on the image to maximize the squared activations of a layer
(Σ f², here their mean: the scale vanishes in the normalized step), with the three
tricks of the original notebook:

* jitter: the image is rolled by a random offset in [-32, 32] px before the network sees
  it (`transforms.roll_jitter`; the gradient is rolled back by differentiation);
* normalized steps: each step is step_size / mean|g| * g (`gradients.l1_normalize`, the
  render loop's gradient_transform, with plain SGD);
* pixel clipping: after each step the pixels are clipped to the valid range
  (`param.box_pixel_image`: a pixel Param whose variable carries that projection as its
  `constraint`, which Keras optimizers apply after every update);
* octaves: the photo is shrunk by octave_scale (1.4) three times; ascent runs from the
  smallest octave up, each larger octave starting from its own base plus the upscaled
  detail the smaller one produced. One `render.render` call per octave.

Numbers from dream.ipynb: 4 octaves, scale 1.4, 10 steps per octave, step 1.5 on the
0..255 pixel scale (1.5/255 here), jitter 32. GoogLeNet's `inception_4c/output` is
InceptionV1's `mixed4c` (Lucid names); on the offline VGG19 the demo dreams `relu4_2`.
"""
import os

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import NO_NUMBER, Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.models.families import family_of, pick
from lucid_repro.optvis import objectives, render
from lucid_repro.optvis.gradients import l1_normalize
from lucid_repro.optvis.param import box_pixel_image
from lucid_repro.optvis.transforms import roll_jitter


def numbers(out):
    r = read_json(out, "deepdream/deepdream.json")
    return [(f"{layer}: mean f² gain / mean |change| (grey levels)",
             f"×{fmt(v['energy_gain'], 1)} / {fmt(v['mean_abs_change_grey_levels'], 1)}", NO_NUMBER)
            for layer, v in (dig(r, "layers") or {}).items()] or [("energy gain", "—", NO_NUMBER)]


SECTION = Section(
    name="deepdream", part="classic", order=120, title="DeepDream",
    claim="Amplifying whatever a layer already sees in a photo, over octaves, paints that layer's "
          "features into it.",
    settings={
        "library": dict(octaves=4, octave_scale=1.4, steps=10, step_size=1.5, jitter=32, max_side=256),
        "demo": dict(image="bridge.jpg", octaves=4, steps=10, max_side=256, all_layers=True),
        "quick": dict(image="bridge.jpg", octaves=2, steps=2, max_side=48, all_layers=False),
    },
    sources={"library": "Mordvintsev et al. 2015's deepdream notebook: 4 octaves x 1.4, 10 steps of 1.5 grey "
                        "levels per mean |gradient|, jitter 32",
             "demo": "the library's, on the demo layers of the model (recipes.deepdream.demo_layers)",
             "quick": "ours: smoke tests"},
    figures=(("deepdream/deepdream_grid.png", "photo, dreamed at two depths"),),
    numbers=numbers,
    describe="{image} at {max_side} px, {octaves} octaves × {steps} steps; VGG19 relu4_2 and relu5_2",
    expected_seconds=31,
)


OCTAVES = 4
OCTAVE_SCALE = 1.4
STEPS_PER_OCTAVE = 10
STEP_SIZE = 1.5 / 255.0
JITTER = 32
DEFAULT_LAYERS = {"vgg19": "relu4_2", "inception_v1": "mixed4c", "ranvgg19": "relu4_2"}


# ---------------------------------------------------------------- building blocks

def resize(image, size):
    """Bilinear resize of [H, W, C] numpy to size (h, w)."""
    return tf.image.resize(np.asarray(image, np.float32)[None], size, method="bilinear").numpy()[0]


def octave_sizes(h, w, octaves, octave_scale):
    """Sizes from the smallest octave to the full image."""
    sizes = [(h, w)]
    for _ in range(octaves - 1):
        ph, pw = sizes[-1]
        sizes.append((max(1, round(ph / octave_scale)), max(1, round(pw / octave_scale))))
    return sizes[::-1]


def default_layer(model):
    return pick(DEFAULT_LAYERS, model, model.layer_names[len(model.layer_names) * 2 // 3])


# ---------------------------------------------------------------- the recipe

def dream(model, image, layer=None, objective=None, octaves=OCTAVES, octave_scale=OCTAVE_SCALE,
          steps=STEPS_PER_OCTAVE, step_size=STEP_SIZE, jitter=JITTER, seed=0, progress=True,
          return_octaves=False):
    """DeepDream `image` ([H, W, 3] in [0, 1]). `objective` defaults to
    objectives.deepdream(layer). Returns the dreamed image (and, with return_octaves, the
    list of per-octave results and RenderResults)."""
    image = np.asarray(image, np.float32)
    channels = getattr(model, "channels", 3)
    if image.ndim != 3 or image.shape[-1] != channels:
        raise UserError(f"image must be [H, W, {channels}] ({'RGB' if channels == 3 else 'the model bands'}), "
                        f"got shape {image.shape}")
    if octaves < 1:
        raise UserError(f"--octaves must be at least 1, got {octaves}")
    if octave_scale < 1.0:
        raise UserError(f"--octave_scale must be at least 1, got {octave_scale}")
    if steps <= 0 or step_size <= 0:
        raise UserError(f"steps and step size must be positive, got steps={steps} step_size={step_size}")
    if jitter < 0:
        raise UserError(f"--jitter must be non-negative, got {jitter}")
    if objective is None:
        objective = objectives.deepdream(layer or default_layer(model))
    objective = objectives.as_objective(objective)
    objectives.check_against(objective, model)
    h, w = image.shape[:2]
    sizes = octave_sizes(h, w, octaves, octave_scale)
    if min(sizes[0]) < 8:
        raise UserError(f"image {h}x{w} is too small for {octaves} octaves of scale {octave_scale} "
                        f"(smallest octave {sizes[0][0]}x{sizes[0][1]}); use fewer octaves")
    # octave bases, each shrunk from the previous one (dream.ipynb's chain of zooms)
    bases = [image]
    for size in sizes[-2::-1]:
        bases.append(resize(bases[-1], size))
    bases = bases[::-1]
    detail = np.zeros_like(bases[0])
    results, runs = [], []
    for i, base in enumerate(bases):
        if i > 0:
            detail = resize(detail, base.shape[:2])
        run = render.render(
            model, objective, param_f=box_pixel_image((base + detail)[None], 0.0, 1.0),
            optimizer=tf.keras.optimizers.SGD(learning_rate=step_size),
            transforms=[roll_jitter(jitter)], thresholds=(steps,),
            seed=None if seed is None else seed + i, progress=progress,
            gradient_transform=l1_normalize,
            description=f"octave {i + 1}/{len(bases)} {base.shape[1]}x{base.shape[0]}")
        out = run.images[-1][0]
        detail = out - base
        results.append(out)
        runs.append(run)
    if return_octaves:
        return results[-1], results, runs
    return results[-1]


def layer_energy(model, image, layer):
    """mean f² of `layer` on `image` (the DeepDream objective's value)."""
    acts = model.activations(tf.constant(np.asarray(image, np.float32)[None]), [layer])[layer]
    return float(tf.reduce_mean(tf.square(acts)))


def demo_layers(model):
    if family_of(model).is_vgg:
        return ["relu4_2", "relu5_2"]
    return [default_layer(model)]


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Dream the bridge photo at two depths (eyes at relu4_2, animals at relu5_2 on VGG19).
    Returns the written paths (the contact sheet first)."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    settings = SECTION.demo_row(quick, model)
    max_side, octaves, steps, image = settings["max_side"], settings["octaves"], settings["steps"], settings["image"]
    photo = load_image(assets.find_image(image, "content"), max_side=max_side)
    layers = demo_layers(model) if settings["all_layers"] else demo_layers(model)[:1]
    written, row = [], [photo]
    record = {"model": getattr(model, "name", str(model)), "image": image, "max_side": max_side,
              "octaves": octaves, "steps_per_octave": steps, "layers": {}}
    for layer in layers:
        out = dream(model, photo, layer, octaves=octaves, steps=steps, progress=progress)
        gain = layer_energy(model, out, layer) / layer_energy(model, photo, layer)
        record["layers"][layer] = {"energy_gain": float(gain),
                                   "mean_abs_change_grey_levels": float(np.abs(out - photo).mean() * 255)}
        print(f"[deepdream] {image} {layer}: mean f^2 x{gain:.1f}, "
              f"mean |change| {np.abs(out - photo).mean() * 255:.1f} grey levels")
        path = os.path.join(output_dir, f"deepdream_{os.path.splitext(image)[0]}_{layer}.png")
        written.append(save_image(path, out))
        row.append(out)
    sheet = os.path.join(output_dir, "deepdream_grid.png")
    save_image(sheet, contact_sheet([row]))
    written.append(write_json(os.path.join(output_dir, "deepdream.json"), record))
    return [sheet] + written
