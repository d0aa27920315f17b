"""Texture synthesis by Gram matching (Gatys, Ecker & Bethge 2015).

python -m lucid_repro.scripts.texture_synthesis --model=vgg19 --style=starry_night \
    --layers=relu1_1,pool1,pool2,pool3,pool4 --size=128 --steps=256 --output=texture.png

--figure renders Gatys' layer figure instead: one row per layer set (the first layer,
then the first two, ...), one column per style (--style may then be a comma-separated
list), the originals on top. The final Gram loss of every layer is printed and stored
in <output stem>.json.

A keras: model of other than 3 input channels: a grayscale model takes the texture photo by
luminance (grayscale PNG); a model of C > 3 bands takes --style as a .npy [H, W, C] in
[0, 1] and writes a false-colour PNG of --bands plus every band in <output>.npy.
"""
from absl import flags

from lucid_repro.recipes.texture_synthesis import SECTION
from lucid_repro.scripts import common, limit_flags, optimizer_flags, preset_flags, random_vgg_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
optimizer_flags.define(D["optimizer"])
flags.DEFINE_string("style", D["style"], "texture image: a path or a packaged name "
                    "(with --figure: a comma-separated list)")
flags.DEFINE_string("layers", D["layers"], "comma-separated layers (default: Gatys' relu1_1,pool1,pool2,pool3,pool4 "
                    "for VGG19)")
flags.DEFINE_integer("size", D["size"], "output side in pixels (the texture is resized to this longer side)")
flags.DEFINE_integer("steps", D["steps"], "optimization steps")
flags.DEFINE_enum("param", D["param"], ["fft", "pixel", "box"],
                  "image parameterization (default: pixel for the VGGs, as Gatys; fft otherwise; box = "
                  "pixels in [0, 1] from white noise, the papers' with --optimizer=lbfgs)")
flags.DEFINE_enum("loss", D["loss"], ["squared", "mean_l1"], "Gram distance (Gatys: squared)")
flags.DEFINE_enum("weighting", D["weighting"], ["none", "omega", "relative"],
                  "per-layer weights: none, omega (He et al. Eq. 4) or relative errors "
                  "(default: omega for ranvgg19, relative otherwise)")
flags.DEFINE_bool("transforms", D["transforms"], "Lucid's standard transformations (Gatys: none)")
flags.DEFINE_bool("figure", False, "one row per layer set L1, L1+L2, ...")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate")
random_vgg_flags.define("the texture", pooling=D["pooling"])
flags.DEFINE_string("output", "texture.png", "output PNG (JSON of the Gram losses next to it)")
FLAGS = flags.FLAGS


def main(argv):
    import os

    preset_flags.apply(SECTION)

    from lucid_repro.assets import load
    from lucid_repro.errors import UserError
    from lucid_repro.models.families import family_of
    from lucid_repro.images import contact_sheet, false_colour, save_image
    from lucid_repro.declaration import write_json
    from lucid_repro.recipes import texture_synthesis as ts

    for name in ("size", "steps", "lr"):
        common.positive(name, getattr(FLAGS, name))
    random_vgg_flags.check()
    names = [s.strip() for s in (FLAGS.style or "").split(",") if s.strip()]
    if not names:
        raise UserError("--style is empty")
    if len(names) > 1 and not FLAGS.figure:
        raise UserError("several --style images need --figure")
    common.finite("lr", FLAGS.lr)
    stem = os.path.splitext(FLAGS.output)[0]
    common.check_writable_output(FLAGS.output, also=[stem + ".json"])
    check_memory(len(names))
    textures = {os.path.splitext(os.path.basename(n))[0]: load(n, "styles") for n in names}
    first = next(iter(textures.values()))
    layers = FLAGS.layers.split(",") if FLAGS.layers else list(ts.GATYS_LAYERS)
    model, report = random_vgg_flags.load_model(first, layers)
    from lucid_repro.images import to_channels     # the model's bands (gray by luminance; else a .npy)
    textures = {k: to_channels(v, model.channels, f"--style {k}") for k, v in textures.items()}
    first = next(iter(textures.values()))
    layers = ts.parse_layers(model, FLAGS.layers)
    options = dict(size=FLAGS.size, steps=FLAGS.steps, param_kind=FLAGS.param or family_of(model).default_param, seed=FLAGS.seed,
                   progress=FLAGS.progress, loss=FLAGS.loss, weighting=FLAGS.weighting,
                   use_transforms=FLAGS.transforms, lr=FLAGS.lr, optimizer=FLAGS.optimizer)
    stem = os.path.splitext(FLAGS.output)[0]
    if FLAGS.figure:
        rows, record = ts.figure(model, textures, layers, **options)
        bands = common.parse_bands(FLAGS.bands, model.channels) if FLAGS.bands else None
        image = contact_sheet([[false_colour(i, bands) for i in row] for row in rows])
        for key, r in record["results"].items():
            print(f"{key} final Gram loss (relative): " + "  ".join(
                f"{l} {v:.4g} ({r['relative_errors'][l]:.3g})" for l, v in r["layer_losses"].items()))
    else:
        r = ts.synthesize(model, first, layers, **options)
        image = r.image
        record = {"model": model.name, "style": names[0], "size": FLAGS.size, "steps": FLAGS.steps,
                  "param": options["param_kind"], "layers": list(layers), "layer_losses": r.layer_losses,
                  "relative_errors": r.relative_errors,
                  "weights": r.weights, "loss": r.loss, "seconds": round(r.seconds, 1)}
        print("final Gram loss per layer (relative): " + "  ".join(
            f"{l} {v:.4g} ({r.relative_errors[l]:.3g})" for l, v in r.layer_losses.items()))
    record.update(seed=FLAGS.seed, pooling=FLAGS.pooling, stacked=report, optimizer=FLAGS.optimizer)
    written = ([save_image(FLAGS.output, image)] if FLAGS.figure else
               common.save_pictures(FLAGS.output, image, FLAGS.bands))
    written.append(write_json(stem + ".json", common.with_model_info(record, model)))
    print("wrote " + ", ".join(written))


def check_memory(n_styles):
    """Refuse sizes whose synthesis would not fit in memory, before any image is resized."""
    from lucid_repro import limits
    size = FLAGS.size
    n_layers = len(FLAGS.layers.split(",")) if FLAGS.layers else 5
    est = common.memory_estimate()
    est.add("network activations", max(limits.network_bytes(FLAGS.model, size, size, transforms=FLAGS.transforms),
                                       random_vgg_flags.stacked_bytes(FLAGS.model)))
    est.add("image parameterization", limits.param_bytes(size, size))
    est.add("result images", limits.image_bytes(size, size, count=2 * (n_layers + 1) * n_styles
                                                if FLAGS.figure else 2))
    est.check(random_vgg_flags.size_flags(f"--size={size}"))


if __name__ == "__main__":
    common.run(main)
