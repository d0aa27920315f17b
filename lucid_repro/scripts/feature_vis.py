"""Feature visualization of one unit.

python -m lucid_repro.scripts.feature_vis --model=vgg19 --objective=conv4_2:17 \
    --size=128 --steps=256 --param=fft --decorrelate --output=out.png
"""
from absl import flags

from lucid_repro.scripts import common, limit_flags

common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(memory=True)
flags.DEFINE_string("objective", "conv5_1:15", "'layer:channel' (channel) or 'layer' (DeepDream)")
flags.DEFINE_integer("size", 128, "image side in pixels (not given: the model's fixed input size if it has one)")
flags.DEFINE_integer("steps", 256, "optimization steps")
flags.DEFINE_enum("param", "fft", ["fft", "pixel"], "image parameterization")
flags.DEFINE_bool("decorrelate", True, "decorrelated colour space")
flags.DEFINE_float("lr", 0.05, "Adam learning rate")
flags.DEFINE_bool("no_transforms", False, "disable transformation robustness")
flags.DEFINE_enum("schedule", "single", ["single", "coarse_to_fine"],
                  "single: every step at full size (Lucid's); coarse_to_fine: the first half of the steps "
                  "at half the side, then upsampled (lucid_repro/optvis/schedule.py)")
flags.DEFINE_string("output", "feature_vis.png", "output PNG")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.recipes import feature_vis
    from lucid_repro.optvis import objectives

    common.positive("size", FLAGS.size)
    common.positive("steps", FLAGS.steps)
    common.finite("lr", FLAGS.lr, low=0, low_open=True)
    common.check_writable_output(FLAGS.output)
    check_memory()
    objective = objectives.as_objective(FLAGS.objective)
    model = common.load_model_from_flags()
    size = common.image_size(model, FLAGS["size"])
    objectives.check_against(objective, model)
    result = feature_vis.visualize(model, objective, size=size, steps=FLAGS.steps,
                                   param_kind=FLAGS.param, decorrelate=FLAGS.decorrelate,
                                   lr=FLAGS.lr, use_transforms=not FLAGS.no_transforms,
                                   seed=FLAGS.seed, progress=FLAGS.progress, schedule=FLAGS.schedule)
    common.save_pictures(FLAGS.output, result.images[-1][0], FLAGS.bands)
    print(f"wrote {FLAGS.output} (objective {FLAGS.objective}, final value {-result.losses[-1]:.4g})")


def check_memory():
    """Refuse a --size whose optimization would not fit in memory, before any allocation."""
    from lucid_repro import limits
    est = common.memory_estimate()
    size = FLAGS.size
    est.add("network activations", limits.network_bytes(FLAGS.model, size, size,
                                                        transforms=not FLAGS.no_transforms))
    est.add("image parameterization", limits.param_bytes(size, size))
    est.check(f"--size={size}")


if __name__ == "__main__":
    common.run(main)
