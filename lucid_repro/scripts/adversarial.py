"""Adversarial images within an L-infinity budget.

Classifier (iterative FGSM until the target class wins):
  python -m lucid_repro.scripts.adversarial --model=inception_v1 --image=photo.jpg --target=300
Feature adversary (Sabour et al. 2016; offline on VGG19): make the photo's pool5
representation match a guide image's while each pixel moves at most 10 grey levels:
  python -m lucid_repro.scripts.adversarial --model=vgg19 --image=a.jpg --target=b.jpg

--target is a class index (needs a classifier) or the path of a guide image. Prints the
perturbation size (L-inf, L2), the steps and the final score or feature distance.
"""
from absl import flags

from lucid_repro.recipes.adversarial import SECTION
from lucid_repro.scripts import common, limit_flags, optimizer_flags

D = SECTION.row("library")   # the flags' defaults: the declaration's library row

common.define_model_flags()
optimizer_flags.define(adam_means="the recipes' first-order steps (sign steps for a class target, "
                       "Adam for a feature adversary; --step_size)")
common.define_checkpoint_flags()
limit_flags.define(images=True, memory=True)
flags.DEFINE_string("image", None, "photo to perturb (default: the packaged bridge.jpg)")
flags.DEFINE_string("target", None, "class index (classifier) or guide image path (feature adversary)")
flags.DEFINE_string("layer", None, "feature adversary: layer to match (default: pool5 on VGG19)")
flags.DEFINE_float("epsilon", D["epsilon"], "L-inf budget in grey levels (default 8 classifier, 10 feature)")
flags.DEFINE_float("step_size", D["step_size"], "step in grey levels (sign steps / Adam learning rate)")
flags.DEFINE_integer("steps", D["steps"], "maximal steps (default 100)")
flags.DEFINE_integer("size", D["size"], "longer side of the photo in pixels (classifier heads: 224x224)")
flags.DEFINE_string("output", "adversarial.png", "adversarial image PNG")
flags.DEFINE_string("perturbation", None, "also write the perturbation (grey = 0, +-epsilon = white/black)")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.images import load_image, save_image

    # cheap checks first: bad flags and images fail before the model loads
    target = (FLAGS.target or "").strip()
    if not target:
        raise common.UserError("--target is required: a class index, or a guide image path")
    is_class = target.lstrip("-").isdigit()
    common.positive("size", FLAGS.size)
    common.finite("step_size", FLAGS.step_size, low=0, low_open=True, high=255)
    if FLAGS.steps is not None:
        common.positive("steps", FLAGS.steps)
    if FLAGS.epsilon is not None:
        common.positive("epsilon", FLAGS.epsilon)
        common.finite("epsilon", FLAGS.epsilon, low=0, low_open=True, high=255)
    common.check_writable_output(FLAGS.output)
    if FLAGS.perturbation:
        common.check_writable_output(FLAGS.perturbation, flag="perturbation")
    if FLAGS.image:
        load_image(FLAGS.image, max_side=FLAGS.size)
    guide = None if is_class else load_image(target)
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes import adversarial, class_vis
    from lucid_repro.assets import find_image
    path = FLAGS.image or find_image("bridge.jpg", "content")
    image = load_image(path, max_side=FLAGS.size)
    check_memory(image.shape[0], image.shape[1])
    model = common.load_model_from_flags()
    if is_class:
        layer = attribution.class_layer(model, FLAGS.logits_layer)
        attribution.class_score(model, int(target), layer)  # range check before any work
        fixed = class_vis.input_size_for(model, [layer])
        if fixed:
            image = load_image(path, size=fixed)
        epsilon = (FLAGS.epsilon if FLAGS.epsilon is not None else adversarial.EPSILON * 255) / 255.0
        result = adversarial.fool(model, image, int(target), epsilon=epsilon,
                                  step_size=FLAGS.step_size / 255.0,
                                  max_steps=FLAGS.steps or adversarial.MAX_STEPS,
                                  logits_layer=layer, seed=FLAGS.seed, progress=FLAGS.progress,
                                  optimizer=FLAGS.optimizer)
    else:
        if FLAGS.layer:
            model.check_layer(FLAGS.layer)
        epsilon = (FLAGS.epsilon if FLAGS.epsilon is not None else adversarial.FEATURE_EPSILON * 255) / 255.0
        result = adversarial.feature_adversary(model, image, guide, layer=FLAGS.layer, epsilon=epsilon,
                                               learning_rate=FLAGS.step_size / 255.0,
                                               steps=FLAGS.steps or adversarial.FEATURE_STEPS,
                                               seed=FLAGS.seed, progress=FLAGS.progress,
                                               optimizer=FLAGS.optimizer)
    save_image(FLAGS.output, result.image)
    if FLAGS.perturbation:
        save_image(FLAGS.perturbation, adversarial.perturbation_image(result.image, image, epsilon))
    print(result.summary())
    print(f"wrote {FLAGS.output}" + (f" and {FLAGS.perturbation}" if FLAGS.perturbation else ""))


def check_memory(h, w):
    """Refuse an image whose optimization would not fit in memory, before the model loads."""
    from lucid_repro import limits
    h, w = max(h, 224), max(w, 224)   # classifier heads resize to 224 x 224
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, h, w, batch=2))
    est.add("image and bounds", limits.param_bytes(h, w) + limits.image_bytes(h, w, count=4))
    est.check(f"--size={FLAGS.size} ({h}x{w} image)")


if __name__ == "__main__":
    common.run(main)
