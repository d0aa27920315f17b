"""Attention maps of a Vision Transformer's attention layer over a photo: the class token's
(or a patch token's) attention to every patch, per head and averaged, and attention
rollout (Abnar & Zuidema 2020) up to that layer.

python -m lucid_repro.scripts.attention_maps --model=keras:vit.keras --preprocess=tf \
    --image=photo.jpg --layer=encoder_block11_attn --output=attention.png
python -m lucid_repro.scripts.attention_maps --model=keras:vit.keras --patch=3,5   # a patch token

The layer must be a Keras MultiHeadAttention whose tokens form a patch grid (g*g patches,
after a class token or not); its weights are Keras' own (return_attention_scores). Writes
one row: the photo, each head, the mean of the heads, the rollout (each map scaled from its
minimum to its maximum, bilinearly upsampled from the patch grid), and the maps in <output>.npz.
"""
from absl import flags

from lucid_repro.scripts import common, limit_flags
from lucid_repro.recipes.attention_maps import SECTION

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(images=True, memory=True)
flags.DEFINE_string("image", None, "photo (default: the packaged bridge.jpg)")
flags.DEFINE_string("layer", None, "attention layer (default: the model's last)")
flags.DEFINE_string("patch", None, "row,col of the query patch token in the patch grid (default: the class token)")
flags.DEFINE_integer("size", D["size"], "longer side of the photo in pixels (a fixed-size model: its size)")
flags.DEFINE_bool("rollout", D["rollout"], "add attention rollout over the layers up to --layer")
flags.DEFINE_string("output", "attention_maps.png", "output PNG (the maps also in <output>.npz)")
FLAGS = flags.FLAGS


def main(argv):
    common.positive("size", FLAGS.size)
    if FLAGS.patch is not None and len(FLAGS.patch.split(",")) != 2:
        raise common.UserError(f"--patch must be row,col (patch grid coordinates), got {FLAGS.patch!r}")
    npz = FLAGS.output + ".npz"
    common.check_writable_output(FLAGS.output)
    from lucid_repro.files import atomic_path
    from lucid_repro.images import load_any_image, save_image, to_channels
    common.check_photo_memory()
    import numpy as np

    from lucid_repro.assets import find_image
    from lucid_repro.recipes import attention_maps as recipe
    path = FLAGS.image or find_image("bridge.jpg", "content")
    model = common.load_model_from_flags()
    fixed = model.fixed_input_size()
    image = load_any_image(path, size=fixed) if fixed else load_any_image(path, max_side=FLAGS.size)
    image = to_channels(image, model.channels, FLAGS.image or "the default photo")
    r = recipe.attention_maps(model, image, FLAGS.layer, patch=FLAGS.patch, rollout=FLAGS.rollout)
    save_image(FLAGS.output, recipe.sheet(r))
    maps = dict(heads=r.heads, mean=r.mean, **({"rollout": r.rollout} if r.rollout is not None else {}))
    with atomic_path(npz) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **maps)
    rolled = (f"; rollout over {', '.join(r.rollout_layers)} peaks at patch {recipe.peak(r.rollout)}"
              if r.rollout is not None else "")
    print(f"wrote {FLAGS.output} and {npz}: {r.layer}, {r.query}, {len(r.heads)} heads on a {r.grid}x{r.grid} "
          f"patch grid; weight on the class token {r.prefix_share:.2f}{rolled}")


if __name__ == "__main__":
    common.run(main)
