"""Segment a photo with GrabCut seeded by its saliency map (Simonyan et al. 2014, Sect. 3.1).

python -m lucid_repro.scripts.grabcut --model=inception_v1 --image=photo.jpg --class=208
python -m lucid_repro.scripts.grabcut --image=photo.jpg --layer=relu5_4   # VGG19: a channel's map

Foreground seeds: the map's pixels above --fg_quantile; background seeds: below
--bg_quantile. A model without a classifier head needs --layer (and --channel, default
the most active one). Writes a sheet (photo, saliency, seeds, foreground), the mask
(<output>_mask.png, white = foreground) and <output>.json.
"""
import os

from absl import flags

from lucid_repro.recipes.grabcut import SECTION
from lucid_repro.scripts import common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
flags.DEFINE_string("image", None, "photo to segment (default: the packaged bridge.jpg)")
flags.DEFINE_integer("size", D["size"], "longer side of the photo in pixels (classifier heads of fixed size: theirs)")
flags.DEFINE_float("fg_quantile", D["fg_quantile"], "saliency quantile above which pixels are foreground seeds")
flags.DEFINE_float("bg_quantile", D["bg_quantile"], "saliency quantile below which pixels are background seeds")
flags.DEFINE_integer("iterations", D["iterations"], "GrabCut iterations")
flags.DEFINE_integer("class", None, "class whose saliency seeds the cut (default on a classifier: the top class)")
flags.DEFINE_string("layer", D["layer"], "models without a classifier: the layer of the channel whose map seeds it")
flags.DEFINE_integer("channel", None, "with --layer: the channel (default: its most active one)")
flags.DEFINE_string("output", "grabcut.png", "output PNG (the sheet); also <output>_mask.png and <output>.json")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.images import contact_sheet, load_image, save_image
    from lucid_repro.declaration import write_json
    record = preset_flags.apply(SECTION)
    for name in ("size", "iterations"):
        common.positive(name, getattr(FLAGS, name))
    common.finite("fg_quantile", FLAGS.fg_quantile, 0, 1, low_open=True, high_open=True)
    common.finite("bg_quantile", FLAGS.bg_quantile, 0, FLAGS.fg_quantile, low_open=True, high_open=True)
    class_index = FLAGS["class"].value
    if class_index is not None and class_index < 0:
        raise common.UserError(f"--class must be non-negative, got {class_index}")
    if FLAGS.channel is not None and (FLAGS.layer is None or FLAGS.channel < 0):
        raise common.UserError(f"--channel needs --layer and must be non-negative, got {FLAGS.channel}")
    stem = os.path.splitext(FLAGS.output)[0]
    mask_path, json_path = stem + "_mask.png", stem + ".json"
    common.check_writable_output(FLAGS.output, also=(mask_path, json_path))
    from lucid_repro.assets import find_image
    path = FLAGS.image or find_image("bridge.jpg", "content")
    load_image(path, max_side=FLAGS.size)          # cheap: a bad photo fails before the model loads
    import numpy as np
    from lucid_repro.optvis import attribution
    from lucid_repro.recipes import grabcut
    model = common.load_model_from_flags()
    if model.channels != 3:
        raise common.UserError(f"GrabCut segments RGB photos; model {model.name} takes {model.channels} channels")
    if FLAGS.layer is None and class_index is None and not (model.has_classifier or FLAGS.logits_layer):
        raise common.UserError(f"GrabCut needs a saliency map and model {model.name} has no classifier head: "
                               "give --layer (and --channel) to use a channel's map, or use a classifier")
    logits = None if FLAGS.layer is not None else attribution.class_layer(model, FLAGS.logits_layer)
    fixed = (model.input_size_for([logits]) or model.fixed_input_size()) if logits else None
    image = load_image(path, size=fixed) if fixed else load_image(path, max_side=FLAGS.size)
    if logits and class_index is None:
        class_index = int(np.argmax(model.activations(image[None], [logits])[logits][0]))
    s = grabcut.segment(model, image, class_index=class_index, layer=FLAGS.layer, channel=FLAGS.channel,
                        logits_layer=FLAGS.logits_layer, fg_quantile=FLAGS.fg_quantile,
                        bg_quantile=FLAGS.bg_quantile, iterations=FLAGS.iterations)
    save_image(FLAGS.output, contact_sheet([[image, attribution.heatmap(s.saliency), s.seeds_image(), s.cutout()]]))
    save_image(mask_path, s.mask.astype(np.float32))
    write_json(json_path, common.with_model_info(
        dict(image=os.path.abspath(path), target=s.target, foreground_fraction=s.foreground_fraction,
             preset=record), model))
    print(f"wrote {FLAGS.output}, {mask_path} and {json_path} (GrabCut seeded by the saliency of {s.target}: "
          f"foreground {s.foreground_fraction:.2f} of the photo)")


if __name__ == "__main__":
    common.run(main)
