"""MaCo feature visualization (Fel et al. 2023) and feature accentuation (Hamblin et al.
2024), both through the one loop (`render.render`).

* `visualize`: a `param.maco.maco_image` (fixed natural-image Fourier magnitude, optimized
  phase) for one objective; returns the image and its transparency map (accumulated
  |d loss / d image|, normalized). Xplique's optimizer (Nadam, learning rate 1.0) and
  Lucid's standard transforms (Xplique: 32 random crops + noise per step; ours: one
  transformed view, as every parameterization here, so that they compare step for step).
* `accentuate`: a real photo as the start of Lucid's fft + decorrelated image
  (`param.maco.fft_image_from`); the objective minus `closeness` x the squared distance of
  the spectrum from the photo's.
* `estimate_spectrum`: the mean magnitude spectrum of an image collection in the
  decorrelated colour basis (what `lucid_repro/data/maco_spectrum.npy` is).
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, render
from lucid_repro.optvis import transforms as transforms_lib
from lucid_repro.optvis.param import maco as maco_param

LEARNING_RATE = 1.0          # Xplique's maco(): Nadam(1.0)
ACCENTUATION_LR = 0.05       # Lucid's Adam for the fft image
CLOSENESS = 1.0              # weight of the spectrum distance (ours; Hamblin et al. tune it per unit)


def estimate_spectrum(collection, size=128, batch_size=16, progress=True):
    """Mean |rfft2| of the collection's images (shorter side to `size`, centre crop) in
    Lucid's decorrelated colour basis: float32 [3, size, size // 2 + 1]."""
    from lucid_repro.progress import bar
    if size <= 0:
        raise UserError(f"spectrum size must be positive, got {size}")
    total, count = None, 0
    with bar(total=len(collection), desc="spectrum", disable=not progress, leave=False) as b:
        for indices, images in collection.batches(size, batch_size):
            s = maco_param.magnitude_spectrum(images)
            total = s if total is None else total + s
            count += len(indices)
            b.update(len(indices))
    return (total / count).astype(np.float32)


def visualize(model, objective, size=128, steps=256, lr=LEARNING_RATE, seed=0, magnitude=None,
              use_transforms=True, progress=True, thresholds=None, relu_override=False):
    """MaCo visualization of `objective`: (RenderResult, transparency [size, size] in [0, 1])."""
    if size <= 0 or steps <= 0 or lr <= 0:
        raise UserError(f"size, steps and lr must be positive, got size={size} steps={steps} lr={lr}")
    if getattr(model, "channels", 3) != 3:
        raise UserError("MaCo's spectrum is an RGB one; this model takes "
                        f"{model.channels} channels (use --param=fft)")
    holder = {}

    def make():
        holder["p"] = maco_param.maco_image(size, magnitude=magnitude)
        return holder["p"]

    result = render.render(model, objectives.as_objective(objective), param_f=make,
                           optimizer=tf.keras.optimizers.Nadam(learning_rate=lr),
                           transforms=transforms_lib.standard_transforms_for(model, size) if use_transforms else [],
                           thresholds=thresholds or (steps,), seed=seed, progress=progress,
                           description=f"maco {objective}", relu_override=relu_override)
    t = holder["p"].transparency.numpy()[0].mean(axis=-1)
    top = np.percentile(t, 99.5)
    return result, np.clip(t / top, 0, 1) if top > 0 else np.zeros_like(t)


def accentuate(model, objective, photo, steps=64, lr=ACCENTUATION_LR, closeness=CLOSENESS, seed=0,
               use_transforms=True, progress=True, relu_override=False):
    """Feature accentuation of `photo` ([H, W, 3] in [0, 1]): returns (RenderResult, the
    objective on the photo, the objective on the result, the spectrum distance at the end)."""
    if steps <= 0 or lr <= 0 or closeness < 0:
        raise UserError(f"steps and lr must be positive and closeness non-negative, got steps={steps} lr={lr} "
                        f"closeness={closeness}")
    objective = objectives.as_objective(objective)
    p = maco_param.fft_image_from(photo)
    distance = objectives.Objective(lambda T: p.distance(), name="spectrum distance")
    before = float(objective(lambda name: model.activations(tf.constant(photo[None]), [name])[name]))
    result = render.render(model, objective - closeness * distance, param_f=p, optimizer=render.adam(lr),
                           transforms=transforms_lib.standard_transforms_for(model, max(photo.shape[:2]))
                           if use_transforms else [], thresholds=(0, steps), seed=seed, progress=progress,
                           description=f"accentuate {objective.name}", relu_override=relu_override,
                           metrics={"objective": objective})
    after = float(objective(lambda name: model.activations(tf.constant(result.images[-1]), [name])[name]))
    return result, before, after, float(p.distance())
