"""2D style transfer on VGG19, the random VGG19 or InceptionV1 (Lucid's GoogLeNet setup).

python -m lucid_repro.scripts.style_transfer --model=vgg19 --content=zurich \
    --style=starry_night --param=fft --size=256 --steps=256 --output=out.png

--content/--style take a path or a packaged short name (content: zurich, bridge;
styles: starry_night, the_scream). --param=both runs pixel and fft with the same loss,
weights and steps, writes <output stem>_pixel.png, <output stem>_fft.png and a sheet
[content, style, pixel, fft] at --output. Every run prints the final content and style
losses and stores them in <output stem>.json.

A keras: model of other than 3 input channels: a grayscale model takes the photos by
luminance and writes grayscale PNGs; a model of C > 3 bands takes --content / --style as
.npy arrays [H, W, C] in [0, 1] and writes a false-colour PNG of --bands plus every band in
<output>.npy.
"""
from absl import flags

from lucid_repro.recipes.style_transfer import SECTION
from lucid_repro.scripts import common, limit_flags, optimizer_flags, preset_flags, random_vgg_flags

D = SECTION.row("library")      # the flags' defaults: the declaration's "library" row
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
optimizer_flags.define(D["optimizer"])
flags.DEFINE_string("content", D["content"], "content image: a path or a packaged name (models of C > 3 "
                    "bands: a .npy [H, W, C] in [0, 1])")
flags.DEFINE_string("style", D["style"], "style image: a path or a packaged name (models of C > 3 bands: a .npy)")
flags.DEFINE_enum("param", D["param"], ["fft", "pixel", "both", "box"],
                  "fft = Fourier + decorrelated colours (the article's), pixel = plain pixels, both = compare "
                  "(default: the model's style configuration: fft for inception_v1, pixel for the VGGs); box = pixels "
                  "in [0, 1] from white noise (the papers', with --optimizer=lbfgs)")
flags.DEFINE_integer("size", D["size"], "longer side of the output (and of the content image) in pixels")
flags.DEFINE_integer("steps", D["steps"], "optimization steps (Lucid: 512)")
flags.DEFINE_float("style_scale", 1.0, "style image longer side relative to the output's")
flags.DEFINE_enum("style_fit", D["style_fit"], ["content", "native"],
                  "content = style image rescaled to --style_scale x the output's longer side; native = "
                  "at its own resolution (Lucid's notebook), enlarged only to cover the output")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate")
flags.DEFINE_string("style_layers", None, "comma-separated style layers (default: the model's style configuration)")
flags.DEFINE_string("content_layers", None, "comma-separated content layers (default: the model's style configuration)")
flags.DEFINE_float("content_weight", None, "content weight (default: the model's style configuration)")
flags.DEFINE_float("style_weight", None, "style weight (default: the model's style configuration)")
flags.DEFINE_float("tv_weight", None, "total variation weight (default: the model's style configuration)")
flags.DEFINE_enum("loss", None, ["mean_l1", "squared"], "Gram distance (default: the model's style configuration)")
flags.DEFINE_enum("content_loss", None, ["mean_l1", "squared"], "content distance (default: the model's style configuration)")
flags.DEFINE_enum("weighting", None, ["none", "omega", "relative"],
                  "per-term weights: none, omega (He et al. Eq. 4) or relative errors (default: the model's style configuration)")
flags.DEFINE_enum("batch_mode", D["batch_mode"], ["lucid", "content", "fixed"],
                  "lucid = [generated, content, style crop] + transforms; content = [generated, content] "
                  "+ transforms, fixed style Grams; fixed = fixed targets, no transforms (default: the model's style configuration)")
random_vgg_flags.define("the content", pooling=D["pooling"])
flags.DEFINE_string("output", "style_transfer.png", "output PNG (JSON of the losses next to it)")
FLAGS = flags.FLAGS


def main(argv):
    import os


    import dataclasses

    from lucid_repro.assets import load, resize_longer_side, resolve_image
    from lucid_repro.images import false_colour, save_image, to_channels
    from lucid_repro.declaration import write_json
    from lucid_repro.recipes.style_transfer import comparison_sheet, format_summary, summary
    from lucid_repro.recipes import style_transfer as st

    preset_flags.apply(SECTION)
    for name in ("size", "steps", "lr", "style_scale"):
        common.positive(name, getattr(FLAGS, name))
    random_vgg_flags.check()
    common.finite("lr", FLAGS.lr)
    common.finite("style_scale", FLAGS.style_scale)
    for name in ("content_weight", "style_weight", "tv_weight"):
        common.finite(name, getattr(FLAGS, name), low=0, optional=True)
    stem = os.path.splitext(FLAGS.output)[0]
    common.check_writable_output(FLAGS.output, also=[stem + ".json"] + (
        [f"{stem}_{kind}.png" for kind in st.PARAMS] if FLAGS.param == "both" else []))
    check_memory(common.fit_longer_side(common.image_size_of(resolve_image(FLAGS.content, "content")),
                                        FLAGS.size))
    content = load(FLAGS.content, "content", max_side=None)
    content = resize_longer_side(content, FLAGS.size)
    h, w = content.shape[:2]
    style_image = st.native_style(load(FLAGS.style, "styles"), h, w) if FLAGS.style_fit == "native" else \
        st.fit_style(load(FLAGS.style, "styles"), h, w, FLAGS.style_scale)
    overrides = dict(style_layers=FLAGS.style_layers, content_layers=FLAGS.content_layers,
                     content_weight=FLAGS.content_weight, style_weight=FLAGS.style_weight,
                     tv_weight=FLAGS.tv_weight, style_loss=FLAGS.loss, content_loss=FLAGS.content_loss,
                     weighting=FLAGS.weighting, batch_mode=FLAGS.batch_mode)
    layers = [l for v in (FLAGS.style_layers, FLAGS.content_layers) if v for l in v.split(",")] or \
        list(random_vgg_layers(st))
    model, report = random_vgg_flags.load_model(content, layers)
    content = to_channels(content, model.channels, "--content")              # the model's bands
    style_image = to_channels(style_image, model.channels, "--style")
    config = st.style_config(model, **overrides)
    kinds = st.PARAMS if FLAGS.param == "both" else (FLAGS.param or config.param,)
    results = st.compare_params(model, content, style_image, config, params=kinds, steps=FLAGS.steps,
                                seed=FLAGS.seed, progress=FLAGS.progress, lr=FLAGS.lr,
                                optimizer=FLAGS.optimizer)
    stem = os.path.splitext(FLAGS.output)[0]
    record = summary(results, model.name, config, {
        "content": FLAGS.content, "style": FLAGS.style, "seed": FLAGS.seed, "pooling": FLAGS.pooling,
        "stacked": report, "style_fit": FLAGS.style_fit, "style_shape": list(style_image.shape[:2]),
        "transforms": config.batch_mode != "fixed", "preset": preset_flags.record(),
        "optimizer": FLAGS.optimizer})
    written = []
    if FLAGS.param == "both":
        for kind, r in results.items():
            written += common.save_pictures(f"{stem}_{kind}.png", r.image, FLAGS.bands)
        bands = common.parse_bands(FLAGS.bands, model.channels) if FLAGS.bands else None
        shown = {k: dataclasses.replace(r, image=false_colour(r.image, bands)) for k, r in results.items()}
        written.append(save_image(FLAGS.output, comparison_sheet(false_colour(content, bands),
                                                                 false_colour(style_image, bands), shown)))
    else:
        written += common.save_pictures(FLAGS.output, results[kinds[0]].image, FLAGS.bands)
    written.append(write_json(stem + ".json", common.with_model_info(record, model)))
    print(format_summary(record))
    print("wrote " + ", ".join(written))


def random_vgg_layers(st):
    """The layers --stacked chooses its random weights for when none are given: the random
    VGG19's style configuration's."""
    from lucid_repro.models.families import RANVGG19, pick
    config = pick(st.STYLE_CONFIGS, RANVGG19)
    return config.style_layers + config.content_layers


def check_memory(hw):
    """Refuse sizes whose transfer would not fit in memory, before any image is resized."""
    from lucid_repro import limits
    h, w = hw
    style_side = max(h, w) * FLAGS.style_scale   # fit_style: the style's longer side
    style_pixels = max(style_side * style_side, h * w)
    est = common.memory_estimate()
    est.add("network activations", max(limits.network_bytes(FLAGS.model, h, w, batch=3, transforms=True),
                                       random_vgg_flags.stacked_bytes(FLAGS.model)))
    est.add("style image", limits.network_bytes(FLAGS.model, 1, style_pixels, backward=False)
            + limits.image_bytes(1, style_pixels, count=3))
    est.add("image parameterization", limits.param_bytes(h, w) + limits.image_bytes(h, w, count=6))
    est.check(random_vgg_flags.size_flags(
        f"--size={FLAGS.size}" + (f" --style_scale={FLAGS.style_scale:g}" if FLAGS.style_scale != 1 else "")))


if __name__ == "__main__":
    common.run(main)
