"""Semi-transparent feature visualization (RGBA over random backgrounds).

python -m lucid_repro.scripts.transparency --model=vgg19 --objective=conv4_2:17 --output=x.png

Writes x.png (RGBA: gamma-encoded colour + alpha), previews x_checkerboard.png,
x_black.png, x_white.png, x_alpha.png and x_preview.png (all four), and x.json with the
mean alpha and the correlation between alpha and the objective's attribution
(gradient x input, 8x8 block means) over the image. Lucid's settings are --size=320 --crop=160
--steps=1000; the defaults are smaller for a CPU.
"""
from absl import flags

from lucid_repro.recipes.transparency import SECTION
from lucid_repro.scripts import common, limit_flags, preset_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("objective", D["objective"], "'layer:channel' (channel) or 'layer' (DeepDream)")
flags.DEFINE_integer("size", D["size"], "image side in pixels (Lucid: 320)")
flags.DEFINE_integer("crop", D["crop"], "side of the random crop the network sees (Lucid: 160)")
flags.DEFINE_integer("steps", D["steps"], "optimization steps (Lucid: 1000)")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate (Lucid: 0.03)")
flags.DEFINE_string("output", "transparency.png", "output RGBA PNG (previews and JSON beside it)")
FLAGS = flags.FLAGS


def main(argv):
    import os

    from lucid_repro.errors import UserError

    preset_flags.apply(SECTION)
    for name in ("size", "crop", "steps", "lr"):
        common.positive(name, getattr(FLAGS, name))
    common.finite("lr", FLAGS.lr)
    stem = os.path.splitext(FLAGS.output)[0]
    common.check_writable_output(FLAGS.output, also=[f"{stem}_{kind}.png" for kind in (
        "checkerboard", "black", "white", "alpha", "preview")] + [stem + ".json"])
    if FLAGS.crop > round(FLAGS.size * 0.6):
        raise UserError(f"--crop {FLAGS.crop} is larger than the smallest random rescale of the image "
                        f"({round(FLAGS.size * 0.6)} = 0.6 x --size)")
    check_memory()
    from lucid_repro.optvis import objectives
    from lucid_repro.recipes import transparency
    objective = objectives.as_objective(FLAGS.objective)
    model = common.load_model_from_flags()
    objectives.check_against(objective, model)
    paths, metrics, _ = transparency.run(model, objective, FLAGS.output, size=FLAGS.size, crop=FLAGS.crop,
                                         steps=FLAGS.steps, lr=FLAGS.lr, seed=FLAGS.seed,
                                         progress=FLAGS.progress,
                                         extra=common.with_model_info({"preset": preset_flags.record()}, model))
    print(f"{FLAGS.objective}: mean alpha {metrics['mean_alpha']:.3f}, correlation of alpha with "
          f"attribution {metrics['alpha_attribution_corr']:.3f}")
    print("wrote " + ", ".join(paths))


def check_memory():
    """Refuse --size / --crop that would not fit in memory, before any allocation."""
    from lucid_repro import limits
    size, crop = FLAGS.size, FLAGS.crop
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, crop, crop, transforms=True))
    est.add("RGBA parameterization", limits.param_bytes(size, size, channels=4)
            + limits.image_bytes(size, size, count=12))
    est.check(f"--size={size} --crop={crop}")


if __name__ == "__main__":
    common.run(main)
