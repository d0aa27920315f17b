"""Class visualization: an image the classifier scores as a class.

python -m lucid_repro.scripts.class_vis --model=inception_v1 --class=208 --method=both \
    --output=class_208.png

--method=yosinski: pixels, L2 decay, jitter, periodic blur, clipping (CS231n's numbers);
--method=fft: Lucid's decorrelated Fourier image with its transforms; both: side by side.
Needs a classifier: InceptionV1 (weights downloaded once and cached) or a hub classifier
with --logits_layer. The offline VGG19 has no classifier head and is refused.
"""
from absl import flags

from lucid_repro.recipes.class_vis import SECTION
from lucid_repro.scripts import common, limit_flags

D = SECTION.row("library")   # the flags' defaults: the declaration's library row

common.define_model_flags(default_model="inception_v1")
common.define_checkpoint_flags()
limit_flags.define(memory=True)
flags.DEFINE_integer("class", None, "class index (InceptionV1: 0..1007 of the inception5h labels)")
flags.DEFINE_enum("method", D["method"], ["yosinski", "fft", "both"], "regularization / parameterization")
flags.DEFINE_integer("size", D["size"], "image side in pixels (not given: the model's fixed input size if it has one)")
flags.DEFINE_integer("steps", D["steps"], "steps (default: 100 yosinski, 512 fft)")
flags.DEFINE_float("l2_reg", D["l2_reg"], "yosinski: L2 decay on the normalized image")
flags.DEFINE_float("lr", D["lr"], "learning rate (default: 25 normalized units yosinski, 0.05 fft)")
flags.DEFINE_integer("blur_every", D["blur_every"], "yosinski: blur every this many steps (0: never)")
flags.DEFINE_float("blur_sigma", D["blur_sigma"], "yosinski: Gaussian blur sigma in pixels")
flags.DEFINE_integer("jitter", D["jitter"], "yosinski: maximal random roll in pixels (not given: below 128 px scaled "
                     "by size/128 for keras: models)")
flags.DEFINE_string("output", "class_vis.png", "output PNG")
FLAGS = flags.FLAGS


def main(argv):
    class_index = FLAGS["class"].value
    if class_index is None:
        raise common.UserError("--class is required (a class index of the classifier)")
    common.positive("size", FLAGS.size)
    if FLAGS.steps is not None:
        common.positive("steps", FLAGS.steps)
    if FLAGS.lr is not None:
        common.positive("lr", FLAGS.lr)
    common.finite("lr", FLAGS.lr, optional=True)
    if FLAGS.l2_reg < 0 or FLAGS.blur_every < 0 or FLAGS.blur_sigma < 0 or FLAGS.jitter < 0:
        raise common.UserError("--l2_reg, --blur_every, --blur_sigma and --jitter must be non-negative")
    common.finite("l2_reg", FLAGS.l2_reg, low=0)
    common.finite("blur_sigma", FLAGS.blur_sigma, low=0)
    common.check_writable_output(FLAGS.output)
    check_memory()
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes import class_vis
    model = common.load_model_from_flags()
    size = common.image_size(model, FLAGS["size"])
    objective = attribution.class_score(model, class_index, FLAGS.logits_layer)
    methods = list(class_vis.METHODS) if FLAGS.method == "both" else [FLAGS.method]
    images = []
    for method in methods:
        result = class_vis.visualize(model, objective, method, size=size, steps=FLAGS.steps,
                                     learning_rate=FLAGS.lr, l2_reg=FLAGS.l2_reg,
                                     blur_every=FLAGS.blur_every, blur_sigma=FLAGS.blur_sigma,
                                     max_jitter=FLAGS.jitter if FLAGS["jitter"].present else None,
                                     seed=FLAGS.seed,
                                     progress=FLAGS.progress)
        images.append(result.images[-1][0])
        print(f"{method}: class {class_index} logit {attribution.class_layer(model, FLAGS.logits_layer)}"
              f" objective {-result.losses[-1]:.4g} after {result.steps} steps")
    common.save_pictures(FLAGS.output, images, FLAGS.bands)
    print(f"wrote {FLAGS.output} ({', '.join(methods)})")


def check_memory():
    """Refuse a --size whose optimization would not fit in memory, before the model loads."""
    from lucid_repro import limits
    size = FLAGS.size
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, size, size, transforms=True))
    est.add("image parameterization", limits.param_bytes(size, size))
    est.add("result images", limits.image_bytes(size, size, count=4))
    est.check(f"--size={size}")


if __name__ == "__main__":
    common.run(main)
