"""Nearest neighbours in feature space vs pixel space (classic, Krizhevsky et al. 2012):
its declaration, its `make demo` part and its files (`lucid_repro.recipes.nearest_neighbors`
keeps the computation).

The demo's collection has known answers: each image of the default collection three
times (as is, mirrored and cropped, recoloured: `recipes.nearest_neighbors.variant`),
written once into the activation cache's folder (`variants_collection`, shared with the
embedding demo, which then reuses the activations). A query's neighbours that are variants
of its own source are content found again; the report counts them in each space.
"""
import os

from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "nearest_neighbors/nearest_neighbors.json")
    earlier = " (read from an earlier run)" if dig(r, "seconds", "first_was_cached") else ""
    return [("share of the query's own variants (mirrored+cropped, recoloured) among its k neighbours: "
             "feature / pixel space", f"{fmt(dig(r, 'same_source', 'feature'), 2)} / "
             f"{fmt(dig(r, 'same_source', 'pixel'), 2)}",
             "none given (Krizhevsky et al. fig. 4: feature neighbours share content, not pixels)"),
            ("mean-colour distance query to neighbours: feature / pixel space",
             f"{fmt(dig(r, 'colour_distance', 'feature'), 2)} / {fmt(dig(r, 'colour_distance', 'pixel'), 2)}",
             "none given (pixel neighbours share colour)"),
            ("activation pass: first call / second call (s)",
             f"{fmt(dig(r, 'seconds', 'first'), 1)}{earlier} / {fmt(dig(r, 'seconds', 'cached'), 3)}", "—")]


SECTION = Section(
    name="nearest_neighbors", part="classic", order=167, title="Nearest neighbours: feature space vs pixel space",
    claim="In the last layer's feature space an image's nearest neighbours share its content; in "
          "pixel space they share only colour and layout.",
    settings={
        "library": dict(k=5, size=224, pixel_size=32, queries="0,1,2,3", batch_size=16),
        "demo": dict(k=4, size=160, pixel_size=32, sources=18, query_sources=[0, 2, 5, 7, 15, 17], batch_size=16),
        "quick": dict(k=2, size=32, pixel_size=8, sources=3, query_sources=[0, 1], batch_size=8),
    },
    sources={"library": "Krizhevsky et al. 2012 fig. 4 (Euclidean, last hidden layer); k, sizes ours",
             "demo": "ours: the default collection, each photo three times (as is, mirrored+cropped, recoloured)",
             "quick": "ours: smoke tests"},
    figures=(("nearest_neighbors/nearest_neighbors.png",
              "left: query + feature-space neighbours; right: query + pixel-space neighbours"),),
    numbers=numbers,
    describe="VGG19 pool5 (averaged over space) of {sources} photos × 3 variants at {size} px, k = {k}, "
             "pixel space at {pixel_size} px",
    expected_seconds=150,
)


def variants_collection(sources, size):
    """The demo's collection: the first `sources` images of the default collection, each
    as its three `VARIANTS` at size x size, written once (PNG) under the activation cache's
    folder and read back as an ImageCollection."""
    from lucid_repro.activations import cache_root
    from lucid_repro.collection import ImageCollection
    from lucid_repro.images import save_image
    from lucid_repro.recipes.nearest_neighbors import VARIANTS, variant
    base = ImageCollection.default(max_images=sources)
    folder = os.path.join(os.path.dirname(cache_root()), "collections", f"variants_{sources}_{size}")
    for i, path in enumerate(base.paths):
        stem = os.path.splitext(os.path.basename(path))[0]
        targets = {kind: os.path.join(folder, f"{stem}__{kind}.png") for kind in VARIANTS}
        if all(os.path.isfile(t) for t in targets.values()):
            continue
        image = base.load(i, size)
        for kind, target in targets.items():
            save_image(target, variant(image, kind))
    return ImageCollection.from_dir(folder)


def demo(model, output_dir, quick=False, progress=True):
    import time

    from lucid_repro.activations import cache_path, feature_layer, layer_activations
    from lucid_repro.images import save_image
    from lucid_repro.recipes import nearest_neighbors as recipe
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    collection = variants_collection(row["sources"], row["size"])
    layer = feature_layer(model)
    already = os.path.isfile(cache_path(model, layer, collection, size=row["size"]))
    start = time.perf_counter()
    features = layer_activations(model, layer, collection, size=row["size"], batch_size=row["batch_size"],
                                 progress=progress)
    first = time.perf_counter() - start
    start = time.perf_counter()
    layer_activations(model, layer, collection, size=row["size"], batch_size=row["batch_size"], progress=progress)
    cached = time.perf_counter() - start
    # queries: the original of each chosen source (paths sort as <name>__flipcrop, __original, __recolour)
    originals = [i for i, p in enumerate(collection.paths) if p.endswith("__original.png")]
    queries = [originals[q] for q in row["query_sources"] if q < len(originals)]
    result = recipe.nearest_neighbors(features, recipe.pixel_vectors(collection, row["pixel_size"]), queries,
                                      row["k"], layer)
    same = recipe.same_source_share(collection, result)
    colour = recipe.colour_distance(collection, result)
    print(f"[nearest_neighbors] {layer}, {len(collection)} images: own-photo share feature {same[0]:.2f} vs "
          f"pixel {same[1]:.2f}; colour distance {colour[0]:.2f} vs {colour[1]:.2f}; pass {first:.1f} s"
          f"{' (cached by an earlier run)' if already else ''}, "
          f"cached {cached:.3f} s")
    os.makedirs(output_dir, exist_ok=True)
    record = dict(row, model=model.name, layer=layer, images=len(collection),
                  queries=[os.path.basename(collection.paths[q]) for q in queries],
                  feature_neighbors=[[os.path.basename(collection.paths[j]) for j in r] for r in result.feature],
                  pixel_neighbors=[[os.path.basename(collection.paths[j]) for j in r] for r in result.pixel],
                  same_source=dict(feature=same[0], pixel=same[1]),
                  colour_distance=dict(feature=colour[0], pixel=colour[1]),
                  overlap=recipe.overlap(result),
                  seconds=dict(first=first, cached=cached, first_was_cached=already))
    return [save_image(os.path.join(output_dir, "nearest_neighbors.png"), recipe.sheet(collection, result)),
            write_json(os.path.join(output_dir, "nearest_neighbors.json"), record)]
