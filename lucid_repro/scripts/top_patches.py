"""Maximally activating patches of channels over an image collection, each cut at its
unit's receptive field (computed from the model's layers) beside the unit's
guided-backprop map (Zeiler & Fergus 2014; Springenberg et al. 2015).

python -m lucid_repro.scripts.top_patches --layer=conv4_2 --channels=0:6 --k=9 \
    --images=photos/ --output=top_patches.png

Activations come from the activation cache ($LUCID_REPRO_CACHE, default
~/.cache/lucid_repro): a second run on the same folder does not rerun the network over it.
Writes the sheet (rows: channels; k pairs of patch and guided map) and <output>.json
(images, units, boxes, activations).
"""
import os

from absl import flags

from lucid_repro.recipes.top_patches import SECTION
from lucid_repro.scripts import collection_flags, common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(memory=True)
preset_flags.define(SECTION)
collection_flags.define()
flags.DEFINE_string("layer", D["layer"], "a spatial layer ([B, H, W, C])")
flags.DEFINE_string("channels", D["channels"], "channels: 'start:end' (end excluded), '3,5,9' or 'all'")
flags.DEFINE_integer("k", D["k"], "patches per channel (one per image, at most the collection's size)")
flags.DEFINE_integer("size", D["size"], "image side: shorter side resized, centre crop (a fixed-size model: its own)")
flags.DEFINE_integer("batch_size", D["batch_size"], "images per forward pass of the activation pass")
flags.DEFINE_string("output", "top_patches.png", "output PNG (the sheet); the record goes to <output>.json")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.recipes.atlas import parse_channels
    record = preset_flags.apply(SECTION)
    for name in ("k", "size", "batch_size"):
        common.positive(name, getattr(FLAGS, name))
    channels = parse_channels(FLAGS.channels)
    json_path = os.path.splitext(FLAGS.output)[0] + ".json"
    common.check_writable_output(FLAGS.output, also=(json_path,))
    collection = collection_flags.load()          # a bad folder fails before the model loads
    if FLAGS.k > len(collection):
        raise common.UserError(f"--k={FLAGS.k} is larger than the collection ({len(collection)} images): "
                               "one patch per image")
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.recipes import top_patches
    from lucid_repro.declaration import write_json
    from lucid_repro.recipes.top_patches import describe
    model = common.load_model_from_flags()
    model.check_layer(FLAGS.layer)
    if channels == "all":
        channels = list(range(model.layer_depth(FLAGS.layer)))
    result = top_patches.top_patches(model, FLAGS.layer, collection, channels, k=FLAGS.k, size=FLAGS.size,
                                     batch_size=FLAGS.batch_size, progress=FLAGS.progress)
    save_image(FLAGS.output, contact_sheet(top_patches.sheet_rows(result)))
    from lucid_repro.activations import pass_size
    info = describe(model, FLAGS.layer, pass_size(model, FLAGS.layer, FLAGS.size), collection, result)
    write_json(json_path, common.with_model_info(dict(info, preset=record), model))
    print(f"wrote {FLAGS.output} and {json_path} ({len(result)} channels x {FLAGS.k} patches of "
          f"{info['patch_px'][0]} px, the receptive field of {FLAGS.layer}; {len(collection)} images"
          f"{f', {len(collection.skipped)} skipped' if collection.skipped else ''})")


if __name__ == "__main__":
    common.run(main)
