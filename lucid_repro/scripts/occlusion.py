"""Saliency by occlusion (Zeiler & Fergus 2014): slide a grey square over a photo and map
how much the class probability drops.

python -m lucid_repro.scripts.occlusion --model=inception_v1 --image=photo.jpg --patch=32 --stride=16
python -m lucid_repro.scripts.occlusion --image=photo.jpg --layer=relu5_4    # VGG19: a channel

A classifier explains a class's probability (--class, default the photo's top class). A
model without a classifier head (the offline VGG19) needs --layer (and --channel, default
the most active one): the channel's mean activation is explained instead. Writes a sheet
(photo, drop map over the photo, drop map) and <output>.json with the numbers.
A keras: model of other than 3 input channels: the photo in its bands (RGB to gray by
luminance; C > 3: --image=x.npy [H, W, C]), the grey square 0.5 in every band, the photo
shown in gray or as the false colour of --bands.
"""
import os

from absl import flags

from lucid_repro.recipes.occlusion import SECTION
from lucid_repro.scripts import common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("image", None, "photo to explain (default: the packaged bridge.jpg; models of C > 3 "
                    "bands: a .npy [H, W, C] in [0, 1])")
flags.DEFINE_integer("patch", D["patch"], "side of the grey square in pixels")
flags.DEFINE_integer("stride", D["stride"], "pixels between two positions of the square")
flags.DEFINE_integer("size", D["size"], "longer side of the photo in pixels (classifier heads of fixed size: theirs)")
flags.DEFINE_integer("batch_size", D["batch_size"], "occluded copies per forward pass")
flags.DEFINE_integer("class", None, "class whose probability to explain (default: the photo's top class)")
flags.DEFINE_string("layer", D["layer"], "models without a classifier: the layer of the channel to explain")
flags.DEFINE_integer("channel", None, "with --layer: the channel (default: its most active one)")
flags.DEFINE_string("output", "occlusion.png", "output PNG (the sheet); the numbers go to <output>.json")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.images import contact_sheet, display_rgb, load_any_image, save_image, to_channels
    from lucid_repro.declaration import write_json
    record = preset_flags.apply(SECTION)
    for name in ("patch", "stride", "size", "batch_size"):
        common.positive(name, getattr(FLAGS, name))
    class_index = FLAGS["class"].value
    if class_index is not None and class_index < 0:
        raise common.UserError(f"--class must be non-negative, got {class_index}")
    if FLAGS.channel is not None and FLAGS.channel < 0:
        raise common.UserError(f"--channel must be non-negative, got {FLAGS.channel}")
    if FLAGS.channel is not None and FLAGS.layer is None:
        raise common.UserError("--channel needs --layer")
    json_path = os.path.splitext(FLAGS.output)[0] + ".json"
    common.check_writable_output(FLAGS.output, also=(json_path,))
    from lucid_repro.assets import find_image
    path = FLAGS.image or find_image("bridge.jpg", "content")
    h, w = load_any_image(path, max_side=FLAGS.size).shape[:2]    # cheap: before the model loads
    if FLAGS.layer is None and FLAGS.patch > min(h, w):
        raise common.UserError(f"--patch={FLAGS.patch} is larger than the image ({h}x{w} at --size={FLAGS.size})")
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes import occlusion
    model = common.load_model_from_flags()
    logits = occlusion.check_target(model, FLAGS.layer, FLAGS.logits_layer)   # what a model without a head needs
    fixed = (model.input_size_for([logits]) or model.fixed_input_size()) if logits else None
    image = load_any_image(path, size=fixed) if fixed else load_any_image(path, max_side=FLAGS.size)
    image = to_channels(image, model.channels, FLAGS.image or "the default photo")
    r = occlusion.occlude(model, image, FLAGS.patch, FLAGS.stride, class_index=class_index, layer=FLAGS.layer,
                          channel=FLAGS.channel, logits_layer=FLAGS.logits_layer, batch_size=FLAGS.batch_size,
                          progress=FLAGS.progress)
    shown = occlusion.display_map(r)
    # the photo as shown: RGB, gray in three channels, or the false colour of --bands
    rgb = display_rgb(image, common.parse_bands(FLAGS.bands, model.channels) if FLAGS.bands else None)
    save_image(FLAGS.output, contact_sheet([[rgb, attribution.overlay(rgb, shown), attribution.heatmap(shown)]]))
    write_json(json_path, common.with_model_info(
        dict(image=os.path.abspath(path), target=r.target, base=r.base, max_drop=float(r.grid.max()),
             patch=r.patch, stride=r.stride, grid=r.grid.tolist(), preset=record), model))
    print(f"wrote {FLAGS.output} and {json_path} (occlusion of {r.target}: score {r.base:.4g}, "
          f"largest drop {r.grid.max():.4g} over {r.grid.size} positions)")


if __name__ == "__main__":
    common.run(main)
