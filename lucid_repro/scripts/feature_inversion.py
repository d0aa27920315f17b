"""Feature inversion (Mahendran & Vedaldi 2015; He et al. 2016 on random weights).

python -m lucid_repro.scripts.feature_inversion --model=vgg19 --layer=relu4_1 \
    --image=zurich --size=128 --steps=256 --tv_weight=0 --output=inversion.png

--image takes a path or a packaged name (content or style images). Prints the final
relative reconstruction loss ||phi(x) - phi(x0)||^2 / ||phi(x0)||^2 and stores it in
<output stem>.json.
"""
from absl import flags

from lucid_repro.recipes.feature_inversion import SECTION
from lucid_repro.scripts import common, limit_flags, optimizer_flags, preset_flags, random_vgg_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
optimizer_flags.define(D["optimizer"])
flags.DEFINE_string("image", D["image"], "image to invert: a path or a packaged name")
flags.DEFINE_string("layer", D["layer"], "layer (or comma-separated layers) whose activations are matched")
flags.DEFINE_integer("size", D["size"], "longer side of the image in pixels")
flags.DEFINE_integer("steps", D["steps"], "optimization steps")
flags.DEFINE_enum("param", D["param"], ["fft", "pixel", "box"],
                  "image parameterization (default: pixel for the VGGs, fft otherwise; box = pixels in "
                  "[0, 1] from white noise, He et al.'s with --optimizer=lbfgs)")
flags.DEFINE_float("tv_weight", D["tv_weight"], "weight of the total-variation (beta = 2) prior")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate")
random_vgg_flags.define("the image", pooling=D["pooling"])
flags.DEFINE_string("output", "inversion.png", "output PNG (JSON of the loss next to it)")
FLAGS = flags.FLAGS


def main(argv):
    import os

    preset_flags.apply(SECTION)

    from lucid_repro.assets import available_images, load, resize_longer_side, resolve_image
    from lucid_repro.errors import UserError
    from lucid_repro.models.families import family_of
    from lucid_repro.images import to_channels
    from lucid_repro.declaration import write_json
    from lucid_repro.recipes import feature_inversion as fi

    for name in ("size", "steps", "lr"):
        common.positive(name, getattr(FLAGS, name))
    random_vgg_flags.check()
    if FLAGS.tv_weight < 0:
        raise UserError(f"--tv_weight must be >= 0, got {FLAGS.tv_weight}")
    common.finite("tv_weight", FLAGS.tv_weight, low=0)
    common.finite("lr", FLAGS.lr)
    stem = os.path.splitext(FLAGS.output)[0]
    common.check_writable_output(FLAGS.output, also=[stem + ".json"])
    kind = "styles" if FLAGS.image in available_images("styles") else "content"
    check_memory(common.fit_longer_side(common.image_size_of(resolve_image(FLAGS.image, kind)), FLAGS.size))
    image = resize_longer_side(load(FLAGS.image, kind), FLAGS.size)
    layers = [l.strip() for l in (FLAGS.layer or "").split(",") if l.strip()]
    if not layers:
        raise UserError("--layer is empty")
    model, report = random_vgg_flags.load_model(image, layers)
    image = to_channels(image, getattr(model, "channels", 3), FLAGS.image)
    r = fi.invert(model, image, layers, steps=FLAGS.steps, param_kind=FLAGS.param, tv_weight=FLAGS.tv_weight,
                  lr=FLAGS.lr, seed=FLAGS.seed, progress=FLAGS.progress, optimizer=FLAGS.optimizer)
    record = {"model": model.name, "image": FLAGS.image, "size": list(image.shape[:2]), "layers": layers,
              "steps": FLAGS.steps, "param": FLAGS.param or family_of(model).default_param, "tv_weight": FLAGS.tv_weight, "optimizer": FLAGS.optimizer,
              "relative_loss": r.loss, "layer_losses": r.layer_losses, "seed": FLAGS.seed,
              "pooling": FLAGS.pooling, "stacked": report}
    stem = os.path.splitext(FLAGS.output)[0]
    written = common.save_pictures(FLAGS.output, r.image, FLAGS.bands) + \
        [write_json(stem + ".json", common.with_model_info(record, model))]
    print(f"relative reconstruction loss at {','.join(layers)}: {r.loss:.4g}")
    print("wrote " + ", ".join(written))


def check_memory(hw):
    """Refuse sizes whose inversion would not fit in memory, before the image is resized."""
    from lucid_repro import limits
    h, w = hw
    est = common.memory_estimate()
    est.add("network activations", max(limits.network_bytes(FLAGS.model, h, w),
                                       random_vgg_flags.stacked_bytes(FLAGS.model)))
    est.add("image parameterization", limits.param_bytes(h, w) + limits.image_bytes(h, w, count=2))
    est.check(random_vgg_flags.size_flags(f"--size={FLAGS.size}"))


if __name__ == "__main__":
    common.run(main)
