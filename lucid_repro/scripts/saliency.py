"""Saliency map (Simonyan et al.), guided backprop (Springenberg et al.), SmoothGrad, Integrated
Gradients or Grad-CAM of a photo.

python -m lucid_repro.scripts.saliency --model=vgg19 --image=photo.jpg --method=guided \
    --layer=relu5_4 --output=saliency.png          # + saliency_overlay.png
python -m lucid_repro.scripts.saliency --model=inception_v1 --image=photo.jpg --class=208

Without --class (the offline VGG19 has no classifier) the score is a channel of --layer,
by default its most active channel on the photo. Writes the map (grey, 0..1 scaled at
the 99.5th percentile) and an overlay on the photo.
"""
import os

from absl import flags

from lucid_repro.recipes.saliency import SECTION
from lucid_repro.scripts import common, limit_flags

D = SECTION.row("library")   # the flags' defaults: the declaration's library row

common.define_model_flags()
limit_flags.define(images=True, memory=True)
flags.DEFINE_string("image", None, "photo to explain (default: the packaged bridge.jpg)")
flags.DEFINE_enum("method", D["method"], ["vanilla", "guided", "smoothgrad", "ig", "gradcam"],
                  "plain gradient, guided backprop, SmoothGrad (Smilkov et al.), Integrated Gradients "
                  "(Sundararajan et al., black baseline) or Grad-CAM (Selvaraju et al.)")
flags.DEFINE_string("gradcam_layer", None, "Grad-CAM's layer (default: the score's layer; for a class: the last "
                    "spatial layer)")
flags.DEFINE_integer("class", None, "class index whose logit to explain (needs a classifier)")
flags.DEFINE_string("layer", None, "layer of the channel to explain (default: relu5_4 on VGG19)")
flags.DEFINE_integer("channel", None, "channel to explain (default: the most active one)")
flags.DEFINE_integer("size", D["size"], "longer side of the photo in pixels (classifier heads: 224x224)")
flags.DEFINE_string("output", "saliency.png", "map PNG")
flags.DEFINE_string("overlay", None, "overlay PNG (default: <output>_overlay.png)")
FLAGS = flags.FLAGS


def main(argv):
    from lucid_repro.images import load_any_image, save_image, to_channels

    # cheap checks first: bad flags and images fail before the model loads
    common.positive("size", FLAGS.size)
    class_index = FLAGS["class"].value
    if class_index is not None and class_index < 0:
        raise common.UserError(f"--class must be non-negative, got {class_index}")
    if FLAGS.channel is not None and FLAGS.channel < 0:
        raise common.UserError(f"--channel must be non-negative, got {FLAGS.channel}")
    overlay = FLAGS.overlay or os.path.splitext(FLAGS.output)[0] + "_overlay.png"
    common.check_writable_output(FLAGS.output)
    common.check_writable_output(overlay, flag="overlay")
    if FLAGS.image:
        check_memory(*load_any_image(FLAGS.image, max_side=FLAGS.size).shape[:2])
    from lucid_repro.recipes import saliency
    from lucid_repro.assets import find_image
    path = FLAGS.image or find_image("bridge.jpg", "content")
    model = common.load_model_from_flags()
    if class_index is not None:
        saliency.attribution.class_layer(model, FLAGS.logits_layer)
    fixed = saliency_input_size(model, class_index)
    image = load_any_image(path, size=fixed) if fixed else load_any_image(path, max_side=FLAGS.size)
    image = to_channels(image, model.channels, FLAGS.image or "the default photo")
    result = saliency.compute(model, image, FLAGS.method, class_index=class_index, layer=FLAGS.layer,
                              channel=FLAGS.channel, logits_layer=FLAGS.logits_layer,
                              gradcam_layer=FLAGS.gradcam_layer, seed=FLAGS.seed)
    save_image(FLAGS.output, result.map)
    save_image(overlay, result.overlay)
    print(f"wrote {FLAGS.output} and {overlay} ({FLAGS.method} saliency of {result.objective}; "
          f"top-5% mass {saliency.top_mass(result.map):.2f})")


def check_memory(h, w):
    """Refuse an image whose saliency map would not fit in memory, before the model loads."""
    from lucid_repro import limits
    h, w = max(h, 224), max(w, 224)   # classifier heads resize to 224 x 224
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, h, w))
    est.add("image, map and overlay", limits.image_bytes(h, w, count=6))
    est.check(f"--size={FLAGS.size} ({h}x{w} image)")


def saliency_input_size(model, class_index):
    if class_index is None:
        return None
    from lucid_repro.recipes.class_vis import input_size_for
    return input_size_for(model, model.classifier_layers[:1] or [FLAGS.logits_layer])


if __name__ == "__main__":
    common.run(main)
