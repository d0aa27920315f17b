"""Semi-transparent feature visualization (RGBA over random backgrounds).

python -m lucid_repro.scripts.transparency --model=vgg19 --objective=conv4_2:17 --output=x.png

Writes x.png (RGBA: gamma-encoded colour + alpha), previews x_checkerboard.png,
x_black.png, x_white.png, x_alpha.png and x_preview.png (all four), and x.json with the
mean alpha and the correlation between alpha and the objective's attribution
(gradient x input, 8x8 block means) over the image. Lucid's settings are --size=320 --crop=160
--steps=1000; the defaults are smaller for a CPU.

A keras: model of other than 3 input channels: C bands + alpha, composited band by band.
Grayscale: x.png is gray + alpha, the previews grayscale. C > 3: x.png is RGBA of the
--bands false colour + alpha, every band and alpha in x.png.npy ([H, W, C + 1], linear),
the previews in false colour (bands taken as the model's values: no gamma).
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
    extra = common.with_model_info({"preset": preset_flags.record()}, model)
    if model.channels == 3:
        paths, metrics, _ = transparency.run(model, objective, FLAGS.output, size=FLAGS.size, crop=FLAGS.crop,
                                             steps=FLAGS.steps, lr=FLAGS.lr, seed=FLAGS.seed,
                                             progress=FLAGS.progress, extra=extra)
    else:
        paths, metrics = run_bands(model, objective, extra)
    print(f"{FLAGS.objective}: mean alpha {metrics['mean_alpha']:.3f}, correlation of alpha with "
          f"attribution {metrics['alpha_attribution_corr']:.3f}")
    print("wrote " + ", ".join(paths))


def run_bands(model, objective, extra):
    """`sections.transparency.run` for a model of C != 3 channels: the same run and metrics;
    grayscale: a gray + alpha PNG and grayscale previews; C > 3: pictures in false colour
    of --bands, every band and alpha in <output>.npy."""
    import os

    import numpy as np

    from lucid_repro.files import atomic_path
    from lucid_repro.images import contact_sheet, display_rgb, save_image
    from lucid_repro.optvis import alpha as alpha_lib
    from lucid_repro.recipes.transparency import attribution_correlation, gamma_for, visualize
    from lucid_repro.declaration import write_json
    result, rgba = visualize(model, objective, size=FLAGS.size, crop=FLAGS.crop, steps=FLAGS.steps, lr=FLAGS.lr,
                             seed=FLAGS.seed, progress=FLAGS.progress)
    corr = attribution_correlation(model, objective, rgba, seed=FLAGS.seed)
    metrics = dict(objective=str(objective), mean_alpha=float(rgba[..., -1].mean()),
                   alpha_attribution_corr=corr["alpha_attribution_corr"],
                   alpha_attribution_corr_pixel=corr["alpha_attribution_corr_pixel"],
                   attribution_block=corr["block"], final_loss=float(result.losses[-1]), size=FLAGS.size,
                   crop=FLAGS.crop, steps=int(result.steps), bands=FLAGS.bands or "0,1,2", **extra)
    bands = common.parse_bands(FLAGS.bands, model.channels) if FLAGS.bands else None
    stem = os.path.splitext(FLAGS.output)[0]
    gamma = gamma_for(model)
    views = alpha_lib.previews(rgba, gamma=gamma)
    png = alpha_lib.to_rgba_png(rgba, gamma=gamma)
    paths = [save_image(FLAGS.output, png)] if model.channels == 1 else \
        [save_image(FLAGS.output, np.concatenate([display_rgb(png[..., :-1], bands), png[..., -1:]], -1))]
    if model.channels > 1:
        views = {k: display_rgb(v, bands) for k, v in views.items()}
        with atomic_path(FLAGS.output + ".npy") as tmp:
            with open(tmp, "wb") as f:
                np.save(f, np.asarray(rgba, np.float32))
        paths.append(FLAGS.output + ".npy")
    names = ("checkerboard", "black", "white", "alpha")
    paths += [save_image(f"{stem}_{name}.png", views[name]) for name in names]
    paths.append(save_image(f"{stem}_preview.png", contact_sheet([[views[k] for k in names]])))
    paths.append(write_json(stem + ".json", metrics))
    return paths, metrics


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
