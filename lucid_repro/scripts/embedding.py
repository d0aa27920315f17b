"""A collection's images placed on a grid by a 2D embedding (PCA or t-SNE, scikit-learn)
of their last-layer features, as in Karpathy's cnnembed.

python -m lucid_repro.scripts.embedding --images=photos/ --method=tsne --output=tsne.png
python -m lucid_repro.scripts.embedding --method=pca --max_images=100

The feature layer is the layer before the classifier (--layer to choose; VGG19: pool5),
averaged over space; activations are cached per (model, layer, size, collection), so the
nearest-neighbour script and this one share one pass. Also writes <output>.json (the 2D
points, each image's grid cell, the trustworthiness of the embedding).
"""
import os

from absl import flags

from lucid_repro.recipes.embedding import SECTION
from lucid_repro.scripts import collection_flags, common, limit_flags, preset_flags

D = SECTION.row("library")
common.define_model_flags()
limit_flags.define(images=True, memory=True)
preset_flags.define(SECTION)
collection_flags.define()
flags.DEFINE_string("layer", None, "feature layer (default: the layer before the classifier; VGG19: pool5)")
flags.DEFINE_enum("method", D["method"], ["pca", "tsne"], "2D embedding")
flags.DEFINE_integer("size", D["size"], "image side the network sees (shorter side resized, centre crop)")
flags.DEFINE_integer("thumb", D["thumb"], "thumbnail side in the grid picture")
flags.DEFINE_integer("batch_size", D["batch_size"], "images per forward pass")
flags.DEFINE_string("cache_dir", None, "activation cache (default: $LUCID_REPRO_CACHE or ~/.cache/lucid_repro)")
flags.DEFINE_string("output", "embedding.png", "output PNG (+ .json beside it)")
FLAGS = flags.FLAGS


def main(argv):
    preset_flags.apply(SECTION)
    for name in ("size", "thumb", "batch_size"):
        common.positive(name, getattr(FLAGS, name))
    record_path = os.path.splitext(FLAGS.output)[0] + ".json"
    common.check_writable_output(FLAGS.output)
    common.check_writable_output(record_path)
    images = collection_flags.load()          # bad folders fail before the model loads
    if len(images) < 3:
        raise common.UserError(f"an embedding needs at least 3 images; the collection has {len(images)}")
    side = -(-len(images) // max(1, int(len(images) ** 0.5)))
    est = common.memory_estimate()
    from lucid_repro import limits
    est.add("network activations", limits.network_bytes(FLAGS.model, FLAGS.size, FLAGS.size,
                                                        batch=FLAGS.batch_size, backward=False))
    est.add("grid picture", limits.image_bytes(side * FLAGS.thumb, side * FLAGS.thumb))
    est.check(f"--size={FLAGS.size} --thumb={FLAGS.thumb} ({len(images)} images)")
    from lucid_repro.activations import feature_layer, layer_activations
    from lucid_repro.images import save_image
    from lucid_repro.recipes import embedding as recipe
    from lucid_repro.declaration import write_json
    model = common.load_model_from_flags()
    layer = feature_layer(model, FLAGS.layer)
    features = layer_activations(model, layer, images, size=FLAGS.size, batch_size=FLAGS.batch_size,
                                 cache_dir=FLAGS.cache_dir, progress=FLAGS.progress)
    result = recipe.embedding(features, FLAGS.method, seed=FLAGS.seed)
    save_image(FLAGS.output, recipe.grid_image(images, result, FLAGS.thumb))
    write_json(record_path, common.with_model_info(dict(
        method=FLAGS.method, layer=layer, size=FLAGS.size, seed=FLAGS.seed, trustworthiness=result.trustworthiness,
        grid=result.grid, preset=preset_flags.record(),
        images=[dict(path=p, point=[float(v) for v in pt], cell=[int(v) for v in c])
                for p, pt, c in zip(images.paths, result.points, result.cells)]), model))
    print(f"wrote {FLAGS.output} and {record_path}: {FLAGS.method} of {layer} over {len(images)} images "
          f"({len(images.skipped)} skipped), {result.grid}x{result.grid} grid, trustworthiness "
          f"{result.trustworthiness:.2f}")


if __name__ == "__main__":
    common.run(main)
