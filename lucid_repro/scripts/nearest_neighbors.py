"""Nearest neighbours of query images in a network's last-layer feature space, beside
their neighbours in pixel space (Krizhevsky et al. 2012, fig. 4).

python -m lucid_repro.scripts.nearest_neighbors --images=photos/ --queries=0,5,9 --k=5 \
    --output=neighbours.png
python -m lucid_repro.scripts.nearest_neighbors --model=keras:resnet50.keras --images=photos/

The feature layer is the layer before the classifier (--layer to choose; VGG19, which has
no classifier here, uses pool5), averaged over space. Activations are cached per (model,
layer, size, collection): a second run on the same folder does not run the network.
Without --images: the offline default collection (packaged photos + scikit-image samples).
"""
from absl import flags

from lucid_repro.recipes.nearest_neighbors import SECTION
from lucid_repro.scripts import collection_flags, common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
collection_flags.define()
flags.DEFINE_string("layer", None, "feature layer (default: the layer before the classifier; VGG19: pool5)")
flags.DEFINE_integer("k", D["k"], "neighbours per query")
flags.DEFINE_string("queries", D["queries"], "comma-separated indices of the query images (in path order)")
flags.DEFINE_integer("size", D["size"], "image side the network sees (shorter side resized, centre crop)")
flags.DEFINE_integer("pixel_size", D["pixel_size"], "image side of the pixel-space vectors")
flags.DEFINE_integer("batch_size", D["batch_size"], "images per forward pass")
flags.DEFINE_string("cache_dir", None, "activation cache (default: $LUCID_REPRO_CACHE or ~/.cache/lucid_repro)")
flags.DEFINE_string("output", "nearest_neighbors.png", "output PNG")
FLAGS = flags.FLAGS


def main(argv):
    preset_flags.apply(SECTION)
    for name in ("k", "size", "pixel_size", "batch_size"):
        common.positive(name, getattr(FLAGS, name))
    try:
        queries = [int(q) for q in FLAGS.queries.split(",") if q.strip()]
    except ValueError:
        raise common.UserError(f"--queries must be comma-separated image indices, got {FLAGS.queries!r}") from None
    common.check_writable_output(FLAGS.output)
    images = collection_flags.load()          # bad folders fail before the model loads
    from lucid_repro.recipes import nearest_neighbors as recipe
    recipe.check_k(FLAGS.k, len(images))
    queries = recipe.check_queries(queries, len(images))
    check_memory()
    from lucid_repro.activations import feature_layer, layer_activations
    from lucid_repro.images import save_image
    model = common.load_model_from_flags()
    layer = feature_layer(model, FLAGS.layer)
    features = layer_activations(model, layer, images, size=FLAGS.size, batch_size=FLAGS.batch_size,
                                 cache_dir=FLAGS.cache_dir, progress=FLAGS.progress)
    result = recipe.nearest_neighbors(features, recipe.pixel_vectors(images, FLAGS.pixel_size), queries,
                                      FLAGS.k, layer)
    save_image(FLAGS.output, recipe.sheet(images, result))
    feature_colour, pixel_colour = recipe.colour_distance(images, result)
    print(f"wrote {FLAGS.output}: {len(queries)} queries x {FLAGS.k} neighbours over {len(images)} images "
          f"({len(images.skipped)} skipped), {layer}; neighbours shared by both spaces {recipe.overlap(result):.2f}, "
          f"mean-colour distance feature {feature_colour:.2f} vs pixel {pixel_colour:.2f}")


def check_memory():
    from lucid_repro import limits
    est = common.memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, FLAGS.size, FLAGS.size,
                                                        batch=FLAGS.batch_size, backward=False))
    est.add("a batch of images", limits.image_bytes(FLAGS.size, FLAGS.size, count=2 * FLAGS.batch_size))
    est.check(f"--size={FLAGS.size} --batch_size={FLAGS.batch_size}")


if __name__ == "__main__":
    common.run(main)
