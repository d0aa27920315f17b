"""Every channel of a layer on one photo as a grayscale image (Yosinski et al. 2015).

python -m lucid_repro.scripts.activation_maps --image=photo.jpg --layer=relu5_1 --output=maps.png

One scale for the whole layer (0 to its 99.9th percentile on the photo): silent channels
are black. Default layer: relu5_1 on VGG19 (the toolbox's conv5), else the model's last
spatial layer.
"""
from absl import flags

from lucid_repro.recipes.activation_maps import SECTION
from lucid_repro.scripts import common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("image", None, "photo (default: the packaged bridge.jpg)")
flags.DEFINE_string("layer", None, "layer to show (default: relu5_1 on VGG19, else the last spatial layer)")
flags.DEFINE_integer("size", D["size"], "longer side of the photo in pixels")
flags.DEFINE_integer("max_channels", None, "show only the first N channels")
flags.DEFINE_integer("tile", None, "enlarge each map to about this many pixels (nearest)")
flags.DEFINE_string("output", "activation_maps.png", "output PNG")
FLAGS = flags.FLAGS


def main(argv):
    preset_flags.apply(SECTION)
    common.positive("size", FLAGS.size)
    for name in ("max_channels", "tile"):
        if getattr(FLAGS, name) is not None:
            common.positive(name, getattr(FLAGS, name))
    common.check_writable_output(FLAGS.output)
    from lucid_repro.images import load_any_image, save_image, to_channels
    common.check_photo_memory()
    from lucid_repro.assets import find_image
    from lucid_repro.recipes import activation_maps as recipe
    path = FLAGS.image or find_image("bridge.jpg", "content")
    model = common.load_model_from_flags()
    image = to_channels(load_any_image(path, max_side=FLAGS.size), model.channels, FLAGS.image or "the default photo")
    result = recipe.activation_maps(model, image, FLAGS.layer)
    save_image(FLAGS.output, recipe.sheet(result, FLAGS.max_channels, tile=FLAGS.tile))
    print(f"wrote {FLAGS.output}: {result.layer} {'x'.join(map(str, result.maps.shape))}; values above zero "
          f"{result.active_share:.2f}, channels silent everywhere {result.silent_share:.2f}, most active channel "
          f"{result.top_channel}")


if __name__ == "__main__":
    common.run(main)
