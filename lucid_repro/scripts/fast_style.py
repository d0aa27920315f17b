"""Stylize a photo in one forward pass of a network trained by `train_fast_style`.

python -m lucid_repro.scripts.fast_style --model_file=starry.keras --image=photo.jpg --output=out.png
python -m lucid_repro.scripts.fast_style --model_file=two.keras --image=photo.jpg \
    --style_weights=0.3,0.7 --output=blend.png       # a two-style network, styles blended

--image takes a path or a packaged name (zurich, bridge); the photo is stylized at its own
size (or --size, its longer side) in one pass, or with --tile=N in overlapping N px tiles
(for photos too large for memory; instance norm then sees each tile alone). A network of
several styles (conditional instance norm) takes --style_weights, one non-negative number
per style (normalized to sum 1; default: the first style).
"""
from absl import flags

from lucid_repro.scripts import common

flags.DEFINE_string("model_file", None, "the .keras network written by train_fast_style")
flags.DEFINE_string("image", "zurich", "photo: a path or a packaged name")
flags.DEFINE_integer("size", None, "longer side of the output in pixels (default: the photo's own)")
flags.DEFINE_string("style_weights", None, "comma-separated weight per style of a multi-style network, e.g. 0.3,0.7")
flags.DEFINE_integer("tile", 0, "stylize in overlapping tiles of this many pixels (0: the whole image at once)")
flags.DEFINE_string("output", "fast_style.png", "output PNG")
FLAGS = flags.FLAGS


def parse_weights(text):
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise common.UserError(f"--style_weights must be comma-separated numbers, got {text!r}") from None
    for v in values:
        common.finite("style_weights", v, low=0)
    if not sum(values) > 0:
        raise common.UserError("--style_weights must not all be zero")
    return values


def main(argv):
    import time

    if not FLAGS.model_file:
        raise common.UserError("--model_file is required (a .keras file written by train_fast_style)")
    if FLAGS.size is not None:
        common.positive("size", FLAGS.size)
    if FLAGS.tile < 0 or 0 < FLAGS.tile < 16:
        raise common.UserError(f"--tile must be 0 (whole image) or at least 16, got {FLAGS.tile}")
    weights = parse_weights(FLAGS.style_weights)
    from lucid_repro.models import transform_net
    k = transform_net.styles_in_file(FLAGS.model_file)
    if weights is not None and len(weights) != k:
        raise common.UserError(f"--style_weights has {len(weights)} value(s); {FLAGS.model_file} holds {k} style(s)")
    common.check_writable_output(FLAGS.output)
    from lucid_repro.assets import load, resolve_image
    resolve_image(FLAGS.image, "content")
    from lucid_repro.images import save_image
    from lucid_repro.recipes import fast_style
    net = transform_net.load(FLAGS.model_file)
    image = load(FLAGS.image, "content", max_side=FLAGS.size)
    start = time.perf_counter()
    out = fast_style.stylize(net, image, weights, tile=FLAGS.tile)
    seconds = time.perf_counter() - start
    save_image(FLAGS.output, out)
    print(f"stylized {image.shape[1]}x{image.shape[0]} in {seconds:.2f} s ({k} style(s)"
          + (f", weights {','.join(f'{w:g}' for w in weights)}" if weights else "") + f"); wrote {FLAGS.output}")


if __name__ == "__main__":
    common.run(main)
