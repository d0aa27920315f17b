"""Multifaceted feature visualization (Nguyen, Yosinski & Clune 2016): cluster the images
that excite a unit (k-means on their activation vectors), then visualize the unit once per
cluster, starting from the cluster's mean image.

python -m lucid_repro.scripts.multifaceted --layer=conv4_2 --channel=4 --top=12 --clusters=3 \
    --images=photos/ --output=facets.png

Activations come from the activation cache ($LUCID_REPRO_CACHE, default
~/.cache/lucid_repro). Writes the sheet (top row: the clusters' mean images; bottom row:
the facets) and <output>.json (each cluster's images and activations).
"""
import os

from absl import flags

from lucid_repro.recipes.multifaceted import SECTION
from lucid_repro.scripts import collection_flags, common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
common.define_checkpoint_flags()
limit_flags.define(memory=True)
preset_flags.define(SECTION)
collection_flags.define()
flags.DEFINE_string("layer", D["layer"], "layer of the unit; its pooled activations are clustered")
flags.DEFINE_integer("channel", D["channel"], "the unit's channel")
flags.DEFINE_integer("top", D["top"], "how many of the strongest images to cluster")
flags.DEFINE_integer("clusters", D["clusters"], "k-means clusters = facets")
flags.DEFINE_integer("size", D["size"], "image side of the activation pass and of the visualizations")
flags.DEFINE_integer("steps", D["steps"], "optimization steps per facet")
flags.DEFINE_float("lr", D["lr"], "Adam learning rate (pixels in [0, 1])")
flags.DEFINE_float("tv", D["tv"], "total-variation weight")
flags.DEFINE_integer("batch_size", D["batch_size"], "images per forward pass of the activation pass")
flags.DEFINE_string("output", "multifaceted.png", "output PNG (the sheet); the record goes to <output>.json")
FLAGS = flags.FLAGS


def main(argv):
    record = preset_flags.apply(SECTION)
    for name in ("top", "clusters", "size", "steps", "lr", "batch_size"):
        common.positive(name, getattr(FLAGS, name))
    common.finite("tv", FLAGS.tv, low=0)
    if FLAGS.channel < 0:
        raise common.UserError(f"--channel must be non-negative, got {FLAGS.channel}")
    if FLAGS.clusters > FLAGS.top:
        raise common.UserError(f"--clusters={FLAGS.clusters} is larger than --top={FLAGS.top}: each cluster needs "
                               "an image")
    json_path = os.path.splitext(FLAGS.output)[0] + ".json"
    common.check_writable_output(FLAGS.output, also=(json_path,))
    collection = collection_flags.load()          # a bad folder fails before the model loads
    if FLAGS.top > len(collection):
        raise common.UserError(f"--top={FLAGS.top} is larger than the collection ({len(collection)} images)")
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.recipes import multifaceted
    from lucid_repro.declaration import write_json
    from lucid_repro.recipes.multifaceted import describe
    model = common.load_model_from_flags()
    facets = multifaceted.multifaceted(model, FLAGS.layer, FLAGS.channel, collection, top=FLAGS.top,
                                       clusters=FLAGS.clusters, size=FLAGS.size, steps=FLAGS.steps, lr=FLAGS.lr,
                                       tv=FLAGS.tv, seed=FLAGS.seed, batch_size=FLAGS.batch_size,
                                       progress=FLAGS.progress)
    save_image(FLAGS.output, contact_sheet([list(facets.means), list(facets.images)]))
    write_json(json_path, common.with_model_info(dict(describe(model, FLAGS.layer, collection, facets),
                                                      preset=record), model))
    print(f"wrote {FLAGS.output} and {json_path} ({FLAGS.clusters} facets of {FLAGS.layer}:{FLAGS.channel} from the "
          f"top {FLAGS.top} of {len(collection)} images)")


if __name__ == "__main__":
    common.run(main)
