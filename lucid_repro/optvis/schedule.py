"""Coarse-to-fine: the render loop's step schedule over image sizes (issue 29).

Lucid's recipe ("single") optimizes the full-size image for every step, although the
picture is still low-frequency for the first hundreds. "coarse_to_fine" runs
`render.render` twice on the same objective:

1. `COARSE_SHARE` of the steps on an image of `COARSE_FRACTION` of the side (a quarter of
   the pixels: about a quarter of the network's FLOPs per step), with the transforms of
   that size;
2. the rest at full size, the parameterization starting from the coarse one's
   upsampled parameters: the Fourier coefficients carried to the same physical
   frequencies (`param.spatial.upsample_spectrum`: the band-limited interpolation of the
   coarse image, exact), or the pixel variables resized bilinearly (before the sigmoid).

Adam restarts at the switch (its moments belong to the coarse variables). The result's
`losses` hold both stages (the coarse ones are the objective of the coarse image); its
images are the full-size ones, at the thresholds after the switch.
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import render
from lucid_repro.optvis.param import seeded
from lucid_repro.optvis.param.spatial import upsample_spectrum

SCHEDULES = ("single", "coarse_to_fine")
COARSE_FRACTION = 0.5
COARSE_SHARE = 0.5


def check(schedule):
    if schedule not in SCHEDULES:
        raise UserError(f"--schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
    return schedule


def upsample_into(coarse, fine):
    """Assign to `fine`'s variables the upsampled values of `coarse`'s (same kind of
    parameterization, another size)."""
    for vc, vf in zip(coarse.trainable_variables, fine.trainable_variables):
        name = vc.name.split("/")[-1].split(":")[0]
        if name == "spectrum":
            vf.assign(upsample_spectrum(vc.numpy(), _hw(coarse), _hw(fine)))
        elif name == "pixels":
            vf.assign(tf.image.resize(vc, vf.shape[1:3], method="bilinear"))
        else:
            raise UserError(f"coarse_to_fine upsamples fft and pixel parameterizations, not {name!r}")


def _hw(p):
    image = p()
    return int(image.shape[1]), int(image.shape[2])


def render_scheduled(model, objective, make_param, size, steps, schedule="single", transforms_for=None,
                     thresholds=None, seed=None, fraction=COARSE_FRACTION, share=COARSE_SHARE, **kwargs):
    """`render.render` of `make_param(size)` for `steps` steps under `schedule`;
    transforms_for(size) -> the transforms at that size (None: render's default)."""
    check(schedule)
    thresholds = sorted(set(thresholds or (steps,)))
    tf_ = (lambda s: None) if transforms_for is None else transforms_for
    if schedule == "single":
        return render.render(model, objective, param_f=lambda: make_param(size), transforms=tf_(size),
                             thresholds=thresholds, seed=seed, **kwargs)
    coarse_size = max(8, int(round(size * fraction)))
    coarse_steps = int(round(steps * share))
    if not 0 < coarse_steps < steps:
        raise UserError(f"coarse_to_fine needs at least 2 steps, got {steps}")
    optimizer = kwargs.pop("optimizer", None)
    if optimizer is not None and not isinstance(optimizer, str):
        kwargs["optimizer"] = optimizer
        fresh = type(optimizer).from_config(optimizer.get_config())   # Adam restarts at the switch
    else:
        kwargs["optimizer"] = fresh = optimizer
    first = render.render(model, objective, param_f=lambda: make_param(coarse_size),
                          transforms=tf_(coarse_size), thresholds=(coarse_steps,), seed=seed, **kwargs)
    with seeded(seed):
        fine = make_param(size)
    upsample_into(first.param, fine)
    later = [t - coarse_steps for t in thresholds if t > coarse_steps] or [steps - coarse_steps]
    kwargs["optimizer"] = fresh
    second = render.render(model, objective, param_f=fine, transforms=tf_(size), thresholds=later,
                           seed=seed, **kwargs)
    history = {k: np.concatenate([first.metric_history.get(k, []), h]).astype(np.float32)
               for k, h in second.metric_history.items()}
    return render.RenderResult(images=second.images, losses=np.concatenate([first.losses, second.losses]),
                               metrics=second.metrics, metric_history=history,
                               steps=coarse_steps + second.steps, param=second.param)
