"""DeepDream a photo: amplify what a layer sees, octave by octave.

python -m lucid_repro.scripts.deepdream --model=vgg19 --layer=relu4_2 --image=photo.jpg \
    --octaves=4 --octave_scale=1.4 --output=dream.png

Defaults are google/deepdream's (10 steps per octave, step 1.5 grey levels along the
L1-normalized gradient, jitter 32 px, pixels clipped to the valid range); --max_side
keeps it reasonable on a CPU (~1 min at 256 px on VGG19).
"""
from absl import flags

from lucid_repro.recipes.deepdream import SECTION
from lucid_repro.scripts import common, limit_flags

D = SECTION.row("library")   # the flags' defaults: the declaration's library row

common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(images=True, memory=True)
flags.DEFINE_string("image", None, "photo to dream on (default: the packaged bridge.jpg)")
flags.DEFINE_string("layer", None, "layer whose squared activations to maximize "
                    "(default: relu4_2 on VGG19, mixed4c on InceptionV1)")
flags.DEFINE_integer("channel", None, "dream a single channel of --layer instead of all of it")
flags.DEFINE_integer("octaves", D["octaves"], "number of scales")
flags.DEFINE_float("octave_scale", D["octave_scale"], "size ratio between octaves")
flags.DEFINE_integer("steps", D["steps"], "gradient steps per octave")
flags.DEFINE_float("step_size", D["step_size"], "step length in grey levels (0..255) per mean |gradient|")
flags.DEFINE_integer("jitter", D["jitter"], "maximal random roll in pixels")
flags.DEFINE_integer("max_side", D["max_side"], "longer side of the photo in pixels")
flags.DEFINE_string("output", "deepdream.png", "output PNG")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.images import load_any_image, load_image, to_channels

    # cheap checks first: bad flags and images fail before the model loads
    common.positive("max_side", FLAGS.max_side)
    common.positive("octaves", FLAGS.octaves)
    common.positive("steps", FLAGS.steps)
    common.positive("step_size", FLAGS.step_size)
    common.finite("step_size", FLAGS.step_size)
    if FLAGS.octave_scale < 1.0:
        raise common.UserError(f"--octave_scale must be at least 1, got {FLAGS.octave_scale}")
    common.finite("octave_scale", FLAGS.octave_scale, low=1)
    if FLAGS.jitter < 0:
        raise common.UserError(f"--jitter must be non-negative, got {FLAGS.jitter}")
    if FLAGS.channel is not None and FLAGS.channel < 0:
        raise common.UserError(f"--channel must be non-negative, got {FLAGS.channel}")
    common.check_writable_output(FLAGS.output)
    image = load_any_image(FLAGS.image, max_side=FLAGS.max_side) if FLAGS.image else None
    from lucid_repro.optvis import objectives
    from lucid_repro.assets import find_image
    from lucid_repro.recipes import deepdream
    if image is None:
        image = load_image(find_image("bridge.jpg", "content"), max_side=FLAGS.max_side)
    check_memory(*image.shape[:2])
    model = common.load_model_from_flags()
    image = to_channels(image, model.channels, FLAGS.image or "the default photo")
    layer = model.check_layer(FLAGS.layer or deepdream.default_layer(model))
    if FLAGS.channel is not None:
        objective = objectives.channel(layer, model.check_channel(layer, FLAGS.channel))
    else:
        objective = objectives.deepdream(layer)
    out = deepdream.dream(model, image, objective=objective, octaves=FLAGS.octaves,
                          octave_scale=FLAGS.octave_scale, steps=FLAGS.steps,
                          step_size=FLAGS.step_size / 255.0, jitter=FLAGS.jitter, seed=FLAGS.seed,
                          progress=FLAGS.progress)
    common.save_pictures(FLAGS.output, out, FLAGS.bands)
    print(f"wrote {FLAGS.output} ({objective.name}, {FLAGS.octaves} octaves x {FLAGS.steps} steps, "
          f"mean |change| {abs(out - image).mean() * 255:.1f} grey levels)")


def check_memory(h, w):
    """Refuse an image whose dream would not fit in memory, before the model loads."""
    from lucid_repro import limits
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, h, w))
    est.add("image and octaves", limits.param_bytes(h, w) + limits.image_bytes(h, w, count=4))
    est.check(f"--max_side={FLAGS.max_side} ({h}x{w} image)")


if __name__ == "__main__":
    common.run(main)
