"""Adversarial images: small changes of a photo that change what the network sees.

* `fool` (classifiers) -- the iterative fast-gradient-sign method toward a target class
  (Kurakin, Goodfellow & Bengio 2016, "iterative least-likely class method", with any
  target; Szegedy et al. 2014 and CS231n's "fooling images" for the idea): ascend the
  target's log-probability (minus the cross-entropy loss) with steps step_size * sign(gradient),
  projecting after each step onto the L∞ ball of radius epsilon around the photo and onto
  valid pixels, and stop as soon as the target class wins (its logit is the largest).
  render.render with SGD(step_size), gradient_transform=sign, a `box_pixel_image` whose
  box is [max(0, x - eps), min(1, x + eps)], and stop_when on the logit margin.
* `feature_adversary` (any model; offline on VGG19) -- Sabour, Cao, Faghri & Fleet (2016),
  "Adversarial Manipulation of Deep Representations": find I within ||I - source||∞ <= δ
  (δ = 10/255) whose representation at a deep layer matches a guide image's,
  min ||φ(I) - φ(guide)||². The paper ran L-BFGS-B to convergence; here projected Adam on
  the same box by default, or optimizer="lbfgs" (`optvis.lbfgs`: L-BFGS whose line search
  is projected onto the box), for a fixed number of steps.

Both report the perturbation (L∞ and L2 on the 0..1 scale, L∞ also in 0..255 levels),
the steps taken, and the final score (logit, margin, predicted class) or feature distance
(relative to where the photo started).
"""
import dataclasses
import os

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import NO_NUMBER, Section, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.models.families import pick
from lucid_repro.optvis import attribution, objectives, render
from lucid_repro.optvis import lbfgs as lbfgs_lib
from lucid_repro.optvis.gradients import sign
from lucid_repro.optvis.param import box_pixel_image


def numbers(out):
    r = read_json(out, "adversarial/adversarial.json")
    if not r:
        return [("perturbation", "—", NO_NUMBER)]
    s = r.get("scores", {})
    return [("L∞ perturbation (of 1) / L2", f"{fmt(r.get('linf'), 4)} / {fmt(r.get('l2'))}",
             "none given (imperceptible changes)"),
            (f"feature distance to the guide, relative to the start ({s.get('layer', '?')})",
             fmt(s.get("relative_distance")), "none given (features match the guide)")]


SECTION = Section(
    name="adversarial", part="classic", order=140, title="Adversarial images (feature adversary)",
    claim="A perturbation too small to see can make an image's internal features match those of a "
          "different image.",
    settings={
        # epsilon / steps None: the attack's (8 grey levels classifier, 10 feature; 100 steps)
        "library": dict(step_size=1.0, size=192, epsilon=None, steps=None),
        "demo": dict(source="bridge.jpg", guide="zurich.jpg", size=[128, 192], steps=100),
        "quick": dict(source="bridge.jpg", guide="zurich.jpg", size=[48, 72], steps=3),
    },
    sources={"library": "Goodfellow et al. 2015 / Kurakin et al. (classifier), Sabour et al. 2016 (feature "
                        "adversary, delta = 10 of 255)",
             "demo": "ours: the feature adversary on the offline VGG19", "quick": "ours: smoke tests"},
    figures=(("adversarial/adversarial_grid.png", "source, guide, adversary, perturbation ×10"),),
    numbers=numbers,
    describe="VGG19, {source} → {guide}, {size} px, {steps} steps",
    expected_seconds=56,
)


EPSILON = 8.0 / 255.0             # L∞ budget of `fool`
STEP_SIZE = 1.0 / 255.0           # Kurakin et al.: one grey level per step
MAX_STEPS = 100
FEATURE_EPSILON = 10.0 / 255.0    # Sabour et al.'s δ = 10 (of 255)
FEATURE_LR = 1.0 / 255.0
FEATURE_STEPS = 100
FEATURE_LAYER = {"vgg19": "pool5", "ranvgg19": "pool5", "inception_v1": "mixed5b"}


@dataclasses.dataclass
class AdversarialResult:
    image: np.ndarray        # [H, W, 3] in [0, 1]
    steps: int
    linf: float              # max |image - source| (0..1 scale)
    l2: float                # ||image - source||_2 (0..1 scale)
    scores: dict             # method-specific final numbers
    losses: np.ndarray

    def summary(self):
        parts = [f"steps {self.steps}", f"Linf {self.linf:.4f} ({self.linf * 255:.1f}/255)",
                 f"L2 {self.l2:.3f}"]
        parts += [f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in self.scores.items()]
        return ", ".join(parts)


def _check_image(image, what="image"):
    image = np.asarray(image, np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise UserError(f"{what} must be [H, W, 3] RGB, got shape {image.shape}")
    return image


def _perturbation(image, source):
    delta = np.asarray(image, np.float64) - np.asarray(source, np.float64)
    return float(np.abs(delta).max()), float(np.sqrt((delta ** 2).sum()))


def _check_budget(epsilon, step_size, max_steps):
    if not epsilon > 0:
        raise UserError(f"--epsilon must be positive, got {epsilon}")
    if not step_size > 0:
        raise UserError(f"--step_size must be positive, got {step_size}")
    if max_steps <= 0:
        raise UserError(f"--steps must be positive, got {max_steps}")


def _softmax(z):
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max())
    return (e / e.sum()).astype(float)


def logits(model, image, layer):
    return model.activations(tf.constant(np.asarray(image, np.float32)[None]), [layer])[layer].numpy()[0]


def margin_objective(layer, target):
    """Target logit minus the largest other logit (positive = the target wins)."""
    def fn(T):
        z = T(layer)
        z = tf.reshape(z, [tf.shape(z)[0], -1])
        others = tf.concat([z[:, :target], tf.fill([tf.shape(z)[0], 1], -np.inf), z[:, target + 1:]], 1)
        return tf.reduce_mean(z[:, target] - tf.reduce_max(others, axis=1))
    return objectives.Objective(fn, [layer], [(layer, target)], f"margin({layer}:{target})")


def log_prob_objective(layer, target):
    """log softmax(logits)[target]: minus Kurakin et al.'s cross-entropy loss J(x, target)."""
    def fn(T):
        z = T(layer)
        z = tf.reshape(z, [tf.shape(z)[0], -1])
        return tf.reduce_mean(tf.nn.log_softmax(z)[:, target])
    return objectives.Objective(fn, [layer], [(layer, target)], f"log_prob({layer}:{target})")


def fool(model, image, target, epsilon=EPSILON, step_size=STEP_SIZE, max_steps=MAX_STEPS,
         logits_layer=None, seed=0, progress=True, optimizer=None):
    """Make `model` classify `image` as `target` within an L∞ budget (iterative FGSM).
    optimizer="lbfgs": Szegedy et al.'s box-constrained L-BFGS on the same objective and
    box instead of sign steps (step_size unused)."""
    image = _check_image(image)
    _check_budget(epsilon, step_size, max_steps)
    layer = attribution.class_layer(model, logits_layer)
    attribution.class_score(model, target, layer)  # range check
    target = int(target)
    before = logits(model, image, layer)
    low, high = np.maximum(image - epsilon, 0.0), np.minimum(image + epsilon, 1.0)
    run = render.render(
        model, log_prob_objective(layer, target),
        param_f=lambda: box_pixel_image(image[None], low[None], high[None]),
        optimizer=_sign_sgd_or(optimizer, step_size),
        gradient_transform=None if _is_lbfgs(optimizer) else sign,
        transforms=[], thresholds=(max_steps,), seed=seed, progress=progress,
        metrics={"margin": margin_objective(layer, target)},
        stop_when=lambda i, loss, m: m["margin"] > 0.0,
        description=f"fool -> class {target}")
    adv = run.images[-1][0]
    # the loop stops after the step whose input won; score the image actually returned
    after = logits(model, adv, layer)
    others = np.delete(after, target)
    linf, l2 = _perturbation(adv, image)
    scores = {"original_class": int(np.argmax(before)), "final_class": int(np.argmax(after)),
              "target_logit_before": float(before[target]), "target_logit": float(after[target]),
              "target_prob_before": _softmax(before)[target], "target_prob": _softmax(after)[target],
              "margin": float(after[target] - others.max()),
              "success": bool(np.argmax(after) == target)}
    return AdversarialResult(adv, run.steps, linf, l2, scores, run.losses)


def feature_distance_objective(layer, guide_features, scale):
    """-||φ(x) - φ(guide)||² / scale (to maximize)."""
    guide = tf.constant(guide_features)

    def fn(T):
        return -tf.reduce_sum((T(layer) - guide) ** 2) / scale
    return objectives.Objective(fn, [layer], [], f"feature_match({layer})")


def feature_adversary(model, source, guide, layer=None, epsilon=FEATURE_EPSILON,
                      learning_rate=FEATURE_LR, steps=FEATURE_STEPS, seed=0, progress=True, optimizer=None):
    """Sabour et al.: an image within `epsilon` (L∞) of `source` whose `layer`
    representation matches `guide`'s. `guide` is resized to the source's size.
    optimizer: "adam" (default, `learning_rate`) or "lbfgs" (Sabour et al.'s L-BFGS-B:
    the box is the projection of its line search)."""
    source = _check_image(source, "source image")
    guide = _check_image(guide, "guide image")
    _check_budget(epsilon, learning_rate, steps)
    layer = layer or pick(FEATURE_LAYER, model, model.layer_names[-1])
    model.check_layer(layer)
    if guide.shape != source.shape:
        guide = tf.image.resize(guide[None], source.shape[:2], method="bilinear").numpy()[0]
    both = model.activations(tf.constant(np.stack([source, guide])), [layer])[layer].numpy()
    src_feat, guide_feat = both[:1], both[1:]
    start = float(np.sum((src_feat - guide_feat) ** 2))
    if not start > 0:
        raise UserError(f"source and guide have identical {layer} features; pick another guide")
    objective = feature_distance_objective(layer, guide_feat, start)
    low, high = np.maximum(source - epsilon, 0.0), np.minimum(source + epsilon, 1.0)
    run = render.render(
        model, objective, param_f=lambda: box_pixel_image(source[None], low[None], high[None]),
        optimizer=render.make_optimizer(optimizer, learning_rate),
        transforms=[], thresholds=(steps,), seed=seed, progress=progress,
        description=f"feature adversary @{layer}")
    adv = run.images[-1][0]
    adv_feat = model.activations(tf.constant(adv[None]), [layer])[layer].numpy()
    to_guide = float(np.sqrt(np.sum((adv_feat - guide_feat) ** 2)))
    to_source = float(np.sqrt(np.sum((adv_feat - src_feat) ** 2)))
    d0 = float(np.sqrt(start))
    linf, l2 = _perturbation(adv, source)
    scores = {"layer": layer, "feature_distance": to_guide, "start_distance": d0,
              "relative_distance": to_guide / d0, "distance_to_source_features": to_source}
    return AdversarialResult(adv, run.steps, linf, l2, scores, run.losses)


def _is_lbfgs(optimizer):
    return optimizer == "lbfgs" or isinstance(optimizer, lbfgs_lib.LBFGS)


def _sign_sgd_or(optimizer, step_size):
    """Iterative FGSM's SGD on sign gradients (default), or the given optimizer."""
    if optimizer in (None, "sgd", "adam"):
        return tf.keras.optimizers.SGD(learning_rate=step_size)
    return render.make_optimizer(optimizer)


def perturbation_image(adv, source, epsilon=None):
    """The perturbation as an image: grey is zero, scaled so ±epsilon (default the max
    |delta|) reaches black/white."""
    delta = np.asarray(adv, np.float32) - np.asarray(source, np.float32)
    top = epsilon or float(np.abs(delta).max()) or 1.0
    return np.clip(0.5 + 0.5 * delta / top, 0.0, 1.0)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Feature adversary on the offline model: source, guide, adversary, perturbation
    (x10 contrast), and how the source/guide/adversary features compare."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    settings = SECTION.demo_row(quick, model)
    size, steps, source_name, guide_name = tuple(settings["size"]), settings["steps"], settings["source"], settings["guide"]
    source = load_image(assets.find_image(source_name, "content"), size=size)
    guide = load_image(assets.find_image(guide_name, "content"), size=size)
    result = feature_adversary(model, source, guide, steps=steps, progress=progress)
    print(f"[adversarial] feature adversary {source_name} -> {guide_name}: {result.summary()}")
    written = [save_image(os.path.join(output_dir, "adversarial_feature.png"), result.image)]
    scores = {k: (v if isinstance(v, (bool, str)) else float(v)) for k, v in result.scores.items()}
    written.append(write_json(os.path.join(output_dir, "adversarial.json"), {
        "model": getattr(model, "name", str(model)), "source": source_name, "guide": guide_name,
        "size": list(size), "steps": int(result.steps), "epsilon": float(FEATURE_EPSILON),
        "linf": float(result.linf), "l2": float(result.l2), "scores": scores}))
    sheet = os.path.join(output_dir, "adversarial_grid.png")
    save_image(sheet, contact_sheet([[source, guide, result.image,
                                      perturbation_image(result.image, source, FEATURE_EPSILON)]]))
    return [sheet] + written
