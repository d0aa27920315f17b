"""Feature visualization of one unit.

python -m lucid_repro.scripts.feature_vis --model=vgg19 --objective=conv4_2:17 \
    --size=128 --steps=256 --param=fft --decorrelate --output=out.png
python -m lucid_repro.scripts.feature_vis --param=maco --objective=conv5_1:15 --output=maco.png
    # MaCo (Fel et al. 2023): + maco_transparency.png; --lr defaults to Xplique's 1.0 (Nadam)
python -m lucid_repro.scripts.feature_vis --accentuate=photo.jpg --objective=conv5_1:15 --steps=64
    # feature accentuation (Hamblin et al. 2024): the photo pushed towards the unit
"""
from absl import flags

from lucid_repro.recipes.feature_vis import SECTION
from lucid_repro.scripts import common, limit_flags

D = SECTION.row("library")   # the flags' defaults: the declaration's library row

common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(memory=True)
flags.DEFINE_string("objective", D["objective"], "'layer:channel' (channel) or 'layer' (DeepDream)")
flags.DEFINE_integer("size", D["size"], "image side in pixels (not given: the model's fixed input size if it has one)")
flags.DEFINE_integer("steps", D["steps"], "optimization steps")
flags.DEFINE_enum("param", D["param"], ["fft", "pixel", "laplacian", "maco"],
                  "image parameterization (laplacian: Lucid's 4-level pyramid; maco: fixed natural-image "
                  "Fourier magnitude, optimized phase; writes <output>_transparency.png)")
flags.DEFINE_string("maco_spectrum", None, "--param=maco: magnitude spectrum .npy [3, H, W//2+1] (default: the "
                    "packaged one; python -m lucid_repro.scripts.maco_spectrum makes one from your images)")
flags.DEFINE_string("accentuate", None, "feature accentuation: start from this photo (fft + decorrelated), stay "
                    "close to it in Fourier space")
flags.DEFINE_float("closeness", 1.0, "--accentuate: weight of the squared spectrum distance from the photo")
flags.DEFINE_bool("decorrelate", D["decorrelate"], "decorrelated colour space")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate (--param=maco: Nadam, 1.0 unless given)")
flags.DEFINE_bool("no_transforms", D["no_transforms"], "disable transformation robustness")
flags.DEFINE_bool("fused_transforms", D["fused_transforms"], "Lucid's standard transforms as one warp to a fixed "
                  "size (one resampling, one network input shape; faster, not Lucid's exact chain: issue 29)")
flags.DEFINE_bool("relu_override", D["relu_override"], "Lucid's ReLU gradient override for the first 17 steps (render_vis's default)")
flags.DEFINE_enum("schedule", D["schedule"], ["single", "coarse_to_fine"],
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
    common.finite("closeness", FLAGS.closeness, low=0)
    if FLAGS.accentuate and FLAGS.param == "maco":
        raise common.UserError("--accentuate starts from a photo in the fft parameterization; not with --param=maco")
    if FLAGS.param == "maco" or FLAGS.accentuate:
        common.check_writable_output(_beside("transparency" if FLAGS.param == "maco" else "before"), flag="output")
    photo = None
    if FLAGS.accentuate:
        from lucid_repro.images import load_any_image
        photo = load_any_image(FLAGS.accentuate, size=(FLAGS.size, FLAGS.size))
    spectrum = None
    if FLAGS.maco_spectrum:
        if FLAGS.param != "maco":
            raise common.UserError("--maco_spectrum needs --param=maco")
        from lucid_repro.optvis.param.maco import load_spectrum
        spectrum = load_spectrum(FLAGS.maco_spectrum)
    check_memory()
    objective = objectives.as_objective(FLAGS.objective)
    model = common.load_model_from_flags()
    size = common.image_size(model, FLAGS["size"])
    objectives.check_against(objective, model)
    if FLAGS.param == "maco" or photo is not None:
        return _maco_or_accentuation(model, objective, size, photo, spectrum)
    result = feature_vis.visualize(model, objective, size=size, steps=FLAGS.steps,
                                   param_kind=FLAGS.param, decorrelate=FLAGS.decorrelate,
                                   lr=FLAGS.lr, use_transforms=not FLAGS.no_transforms,
                                   seed=FLAGS.seed, progress=FLAGS.progress, relu_override=FLAGS.relu_override,
                                   schedule=FLAGS.schedule, fused_transforms=FLAGS.fused_transforms)
    common.save_pictures(FLAGS.output, result.images[-1][0], FLAGS.bands)
    print(f"wrote {FLAGS.output} (objective {FLAGS.objective}, final value {-result.losses[-1]:.4g})")


def _beside(suffix):
    import os
    stem, ext = os.path.splitext(FLAGS.output)
    return f"{stem}_{suffix}{ext or '.png'}"


def _maco_or_accentuation(model, objective, size, photo, spectrum):
    from lucid_repro.images import save_image
    from lucid_repro.recipes import maco
    if photo is not None:
        result, before, after, distance = maco.accentuate(
            model, objective, photo, steps=FLAGS.steps, lr=FLAGS.lr, closeness=FLAGS.closeness, seed=FLAGS.seed,
            use_transforms=not FLAGS.no_transforms, progress=FLAGS.progress, relu_override=FLAGS.relu_override)
        save_image(FLAGS.output, result.images[-1][0])
        save_image(_beside("before"), result.images[0][0])
        print(f"wrote {FLAGS.output} and {_beside('before')} (accentuation of {FLAGS.objective}: "
              f"{before:.4g} on the photo -> {after:.4g}; spectrum distance {distance:.3g})")
        return
    lr = FLAGS.lr if FLAGS["lr"].present else maco.LEARNING_RATE
    result, transparency = maco.visualize(model, objective, size=size, steps=FLAGS.steps, lr=lr, seed=FLAGS.seed,
                                          magnitude=spectrum, use_transforms=not FLAGS.no_transforms,
                                          progress=FLAGS.progress, relu_override=FLAGS.relu_override)
    save_image(FLAGS.output, result.images[-1][0])
    save_image(_beside("transparency"), transparency)
    print(f"wrote {FLAGS.output} and {_beside('transparency')} (MaCo, objective {FLAGS.objective}, "
          f"final value {-result.losses[-1]:.4g})")


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
