"""A layer's filters (its convolution weights) as images (Krizhevsky et al. 2012, fig. 3).

python -m lucid_repro.scripts.filters --output=conv1.png                  # first layer, RGB tiles
python -m lucid_repro.scripts.filters --layer=conv2_1 --max_filters=16 --max_inputs=16 --output=conv2.png

A kernel whose inputs are the image's 3 colours is shown as one RGB tile per filter (BGR
kernels of Caffe-preprocessed models flipped to RGB); any other as one grayscale tile per
(filter, input channel): rows = filters, columns = input channels. Each tile is scaled to
[0, 1] on its own. Nothing runs through the network.
"""
from absl import flags

from lucid_repro.recipes.filters import SECTION
from lucid_repro.scripts import common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("layer", None, "convolution layer (default: the first)")
flags.DEFINE_integer("max_filters", D["max_filters"], "show at most this many filters")
flags.DEFINE_integer("max_inputs", D["max_inputs"], "higher layers: at most this many input channels per filter")
flags.DEFINE_integer("tile_pixels", D["tile_pixels"], "side of a tile in pixels (kernels enlarged, nearest)")
flags.DEFINE_string("output", "filters.png", "output PNG")
FLAGS = flags.FLAGS


def main(argv):
    preset_flags.apply(SECTION)
    for name in ("max_filters", "max_inputs", "tile_pixels"):
        common.positive(name, getattr(FLAGS, name))
    common.check_writable_output(FLAGS.output)
    from lucid_repro import limits
    est = common.memory_estimate()
    side = FLAGS.tile_pixels + 2
    est.add("the sheet", limits.image_bytes(side * FLAGS.max_filters, side * max(16, FLAGS.max_inputs)))
    est.check(f"--max_filters={FLAGS.max_filters} --max_inputs={FLAGS.max_inputs} --tile_pixels={FLAGS.tile_pixels}")
    from lucid_repro.images import save_image
    from lucid_repro.recipes import filters as recipe
    model = common.load_model_from_flags()
    result = recipe.filters(model, FLAGS.layer, FLAGS.max_filters, FLAGS.max_inputs)
    save_image(FLAGS.output, recipe.sheet(result, FLAGS.tile_pixels))
    share = recipe.colour_share(result)
    print(f"wrote {FLAGS.output}: {result.layer} kernel {'x'.join(map(str, result.kernel_shape))}, "
          + (f"{len(result.tiles)} RGB tiles ({model.input_channel_order} kernels), colour-specific share {share:.2f}"
             if result.rgb else f"{result.tiles.shape[0]} filters x {result.tiles.shape[1]} input channels"))


if __name__ == "__main__":
    common.run(main)
