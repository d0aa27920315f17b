"""Class visualization: an image that maximizes a class score.

Two recipes on the same render loop:

* "yosinski" -- gradient ascent on the logit in pixel space with the regularization of
  Simonyan et al. (2014, L2 decay) and Yosinski et al. (2015, "Understanding Neural Networks
  Through Deep Visualization": jitter, periodic Gaussian blur, clipping), with the numbers
  of Stanford CS231n's class-visualization exercise: objective logit - 1e-3 ||x̂||² on the
  normalized image x̂ = (x - mean) / std, 100 steps of size 25 (in x̂ units) along the
  L2-normalized gradient, random roll jitter up to 16 px, clip to valid pixels after each
  step, blur with sigma 0.5 every 10 steps. Here: SGD + gradient_transform=l2_normalize,
  `roll_jitter(16)`, and `box_pixel_image`, whose projection (applied by the optimizer
  after every step) clips and, every 10th step, blurs.
* "fft" -- Lucid's way (the article's parameterization): decorrelated scaled-Fourier
  image, Lucid's standard transforms, Adam(0.05), 512 steps.

Class objectives need a classifier: InceptionV1 (`softmax2_pre_activation`, 1008 classes
of the inception5h graph) or a hub classifier with its logits layer. The offline VGG19 is
convolutional only; class objectives asked of it raise a one-line UserError.

InceptionV1's heads reshape to fixed widths, so its logits exist only for 224x224 inputs
(see models/inception_v1.py). Lucid's TF1 graph silently averaged over the extra spatial
positions a jittered/rescaled image produces; here a final `fit_to(224)` transform resizes
the transformed image back to 224x224 before the network.
"""
import os

import numpy as np
import tensorflow as tf

from lucid_repro.declaration import NO_NUMBER, Section, SectionSkipped, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import attribution, objectives, param, render
from lucid_repro.optvis import transforms as transforms_lib
from lucid_repro.optvis.gradients import l2_normalize
from lucid_repro.optvis.param import box_pixel_image
from lucid_repro.optvis.transforms import gaussian_blur, roll_jitter


def numbers(out):
    r = read_json(out, "class_vis/class_vis.json")
    return [("classes × methods", f"{len(r.get('classes', []))} × {', '.join(r.get('methods', []))}", "—")] \
        if r else [("classes", "—", NO_NUMBER)]


SECTION = Section(
    name="class_vis", part="classic", order=110, title="Class visualization",
    claim="Maximizing a class logit under regularizers (blur, jitter, L2; or a Fourier "
          "parameterization) draws what the classifier takes the class to look like.",
    settings={
        # steps / lr None: the method's (100 and 25 normalized units for yosinski, 512 and 0.05 for fft)
        "library": dict(method="both", size=224, steps=None, lr=None, l2_reg=1e-3, blur_every=10,
                        blur_sigma=0.5, jitter=16),
        "demo": dict(size=224, steps={"yosinski": 100, "fft": 256}, classes=[1, 100, 300]),
        "quick": dict(size=224, steps={"yosinski": 4, "fft": 4}, classes=[1]),
    },
    sources={"library": "Yosinski et al. 2015 (blur, jitter, L2 decay), Lucid's fft parameterization",
             "demo": "ours: three classes, both methods", "quick": "ours: smoke tests"},
    figures=(("class_vis/class_vis_grid.png", "rows: classes; Yosinski, Fourier"),),
    numbers=numbers,
    describe="{size} px, classes {classes}; needs a classifier (InceptionV1 weights)",
    expected_seconds=1,
)


METHODS = ("yosinski", "fft")
# CS231n's SqueezeNet normalization (ImageNet statistics)
IMAGENET_MEAN = np.asarray([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.asarray([0.229, 0.224, 0.225], np.float32)
L2_REG = 1e-3
LEARNING_RATE = 25.0          # L2 norm of a step, in normalized-image units
STEPS = 100
BLUR_EVERY = 10
BLUR_SIGMA = 0.5
MAX_JITTER = 16
FFT_STEPS = 512
FFT_LR = 0.05


# ---------------------------------------------------------------- building blocks

def fit_to(size):
    """Transform: bilinear resize to size (h, w) (for models with fixed-size heads)."""
    def inner(t, rng):
        return tf.image.resize(t, size, method="bilinear")
    return inner


def l2_decay(reg=L2_REG, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """Penalty objective: reg * ||(x - mean) / std||² on the input image."""
    mean_t, std_t = tf.constant(mean), tf.constant(std)
    return reg * objectives.Objective(
        lambda T: tf.reduce_sum(((T("input") - mean_t) / std_t) ** 2), ["input"], name="L2(input)")


def image_statistics(model):
    """(mean, std) per channel of the normalized image x̂ = (x - mean) / std: ImageNet's for
    RGB models (CS231n's); other channel counts: 0.5 and ImageNet's mean std in every band."""
    channels = int(getattr(model, "channels", 3) or 3)
    if channels == 3:
        return IMAGENET_MEAN, IMAGENET_STD
    return (np.full(channels, 0.5, np.float32),
            np.full(channels, float(IMAGENET_STD.mean()), np.float32))


def input_size_for(model, layers):
    """(h, w) the model needs for these layers, or None if any size works."""
    shape = tuple(model.keras_model.input_shape[1:3])
    if None not in shape:
        return shape
    return model.input_size_for(layers)


def check_method(method):
    if method not in METHODS:
        raise UserError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


# ---------------------------------------------------------------- recipes

def visualize(model, objective, method="yosinski", size=224, steps=None, learning_rate=None,
              l2_reg=L2_REG, blur_every=BLUR_EVERY, blur_sigma=BLUR_SIGMA, max_jitter=None,
              seed=0, progress=True, thresholds=None):
    """Maximize any objective (a class logit, or a channel) with one of METHODS.
    max_jitter None: MAX_JITTER, scaled like the standard transforms for small images of a
    user's model (`transforms.standard_transforms_for`). Returns the RenderResult."""
    check_method(method)
    if size <= 0:
        raise UserError(f"--size must be positive, got {size}")
    objective = objectives.as_objective(objective)
    objectives.check_against(objective, model)
    fixed = input_size_for(model, objective.layers)
    fit = [fit_to(fixed)] if fixed is not None and tuple(fixed) != (size, size) else []
    scale = transforms_lib.transform_scale(model, size)
    if max_jitter is None:
        max_jitter = transforms_lib.relative_pixels(MAX_JITTER, scale)
    if method == "yosinski":
        steps = STEPS if steps is None else steps
        lr = (LEARNING_RATE if learning_rate is None else learning_rate) * float(IMAGENET_STD.mean())
        if steps <= 0 or lr <= 0:
            raise UserError(f"steps and learning rate must be positive, got {steps}, {learning_rate}")
        rng = np.random.RandomState(seed)
        mean, std = image_statistics(model)
        # CS231n starts from N(0, 1) noise in normalized units: mean + std * noise in pixels
        init = mean + std * rng.normal(size=(1, size, size, len(mean))).astype(np.float32)
        operator = (lambda x: gaussian_blur(x, blur_sigma)) if blur_every and blur_sigma > 0 else None
        return render.render(
            model, objective - l2_decay(l2_reg, mean, std) if l2_reg else objective,
            param_f=lambda: box_pixel_image(init, 0.0, 1.0, operator=operator, every=blur_every or 1),
            optimizer=tf.keras.optimizers.SGD(learning_rate=lr),
            gradient_transform=l2_normalize,
            transforms=[roll_jitter(max_jitter)] + fit,
            thresholds=thresholds or (steps,), seed=seed, progress=progress,
            description=f"{objective.name} (yosinski)")
    steps = FFT_STEPS if steps is None else steps
    lr = FFT_LR if learning_rate is None else learning_rate
    if steps <= 0 or lr <= 0:
        raise UserError(f"steps and learning rate must be positive, got {steps}, {learning_rate}")
    return render.render(
        model, objective, param_f=lambda: param.image(size, fft=True, decorrelate=True, **param.for_model(model)),
        optimizer=render.adam(lr), transforms=transforms_lib.standard_transforms(scale) + fit,
        thresholds=thresholds or (steps,), seed=seed, progress=progress,
        description=f"{objective.name} (fft)")


def class_visualization(model, class_index, method="yosinski", logits_layer=None, **kwargs):
    """Visualize class `class_index` of a classifier (UserError for models without one)."""
    return visualize(model, attribution.class_score(model, class_index, logits_layer), method, **kwargs)


def classifier_for_demo(model):
    """The model if it classifies, else InceptionV1 from an already cached weight file
    (never downloads), else None with the reason."""
    if model.has_classifier:
        return model, None
    from lucid_repro.models import inception_v1
    path = os.path.join(inception_v1.resolve_cache_dir(), inception_v1.INCEPTION_V1_FILE)
    if not os.path.isfile(path):
        return None, (f"{model.name} has no classifier head and no InceptionV1 weights are cached "
                      f"at {path}; run `python -m lucid_repro.scripts.class_vis --model=inception_v1` "
                      "once online to download them")
    return inception_v1.load_inception_v1(path=path), None


# A few inception5h classes (index into its 1008-way softmax; index 0 is a dummy class).


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Rows: classes; columns: yosinski (pixels + blur/jitter/L2), fft (Lucid). Skipped,
    with the reason printed, when no classifier weights are present."""
    from lucid_repro.images import contact_sheet, save_image
    classifier, reason = classifier_for_demo(model)
    if classifier is None:
        raise SectionSkipped(reason)
    settings = SECTION.demo_row(quick)
    size, steps, classes = settings["size"], settings["steps"], settings["classes"]
    rows, written = [], []
    for n in classes:
        row = []
        for method in METHODS:
            img = class_visualization(classifier, n, method, size=size, steps=steps[method],
                                      progress=progress).images[-1][0]
            written.append(save_image(os.path.join(output_dir, f"class_vis_{n}_{method}.png"), img))
            row.append(img)
        rows.append(row)
    sheet = os.path.join(output_dir, "class_vis_grid.png")
    save_image(sheet, contact_sheet(rows))
    record = {"model": classifier.name, "size": size, "steps": steps, "methods": list(METHODS),
              "classes": list(classes)}
    written.append(write_json(os.path.join(output_dir, "class_vis.json"), record))
    return [sheet] + written
