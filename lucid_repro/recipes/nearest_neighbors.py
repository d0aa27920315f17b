"""Nearest neighbours in a network's feature space vs in pixel space (Krizhevsky,
Sutskever & Hinton 2012, fig. 4; the lecture's "last layer: nearest neighbors").

Every image of a collection is described twice: by the last layer's activations
(`lucid_repro.activations`: the layer before the classifier, or VGG19's pool5, averaged
over space) and by its pixels (the image at `pixel_size` x `pixel_size`, flattened). For a
query image, its k nearest neighbours (Euclidean, scikit-learn) in each space are shown
side by side: feature-space neighbours should share content, pixel-space ones mostly
colour and layout.

The demo's collection has known answers: each image of the default collection three
times (as is, mirrored and cropped, recoloured: `recipes.nearest_neighbors.variant`),
written once into the activation cache's folder (`variants_collection`, shared with the
embedding demo, which then reuses the activations). A query's neighbours that are variants
of its own source are content found again; the report counts them in each space.
"""
import dataclasses
import os

import numpy as np

from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError


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


@dataclasses.dataclass
class Neighbors:
    queries: list                # collection indices of the queries
    feature: np.ndarray          # [q, k] neighbour indices in feature space (query excluded)
    pixel: np.ndarray            # [q, k] in pixel space
    layer: str


def knn(vectors, queries, k):
    """[len(queries), k] indices of each query's k nearest rows of `vectors` (Euclidean),
    the query itself left out."""
    from sklearn.neighbors import NearestNeighbors
    nn = NearestNeighbors(n_neighbors=k + 1).fit(vectors)
    _, idx = nn.kneighbors(vectors[queries])
    return np.asarray([[j for j in row if j != q][:k] for q, row in zip(queries, idx)])


def check_k(k, n):
    if k <= 0:
        raise UserError(f"--k must be positive, got {k}")
    if k > n - 1:
        raise UserError(f"--k={k} is larger than the collection allows ({n} images: at most {n - 1} neighbours)")


def check_queries(queries, n):
    queries = [int(q) for q in queries]
    bad = [q for q in queries if not 0 <= q < n]
    if bad or not queries:
        raise UserError(f"query indices must be in 0..{n - 1} (the collection has {n} images), got "
                        f"{','.join(map(str, queries)) or 'none'}")
    return queries


def pixel_vectors(collection, pixel_size=32):
    """[N, pixel_size^2 * 3] flattened small copies of the images (a few KB each)."""
    return np.stack([collection.load(i, pixel_size).ravel() for i in range(len(collection))])


def nearest_neighbors(features, pixels, queries, k=5, layer=""):
    """Neighbours of `queries` in `features` [N, C] and in `pixels` [N, P]."""
    n = len(features)
    check_k(k, n)
    queries = check_queries(queries, n)
    return Neighbors(queries, knn(np.asarray(features), queries, k), knn(np.asarray(pixels), queries, k), layer)


def colour_distance(collection, result, size=16):
    """Mean distance between a query's mean colour and its neighbours', in feature space
    and in pixel space (pixel neighbours are expected closer in colour)."""
    means = np.stack([collection.load(i, size).mean(axis=(0, 1)) for i in range(len(collection))])
    def mean_dist(idx):
        return float(np.mean([np.linalg.norm(means[q] - means[j]) for q, row in zip(result.queries, idx)
                              for j in row]))
    return mean_dist(result.feature), mean_dist(result.pixel)


def overlap(result):
    """Share of neighbours found in both spaces."""
    return float(np.mean([len(set(a) & set(b)) / len(a) for a, b in zip(result.feature, result.pixel)]))


def sheet(collection, result, thumb=64):
    """Rows: one per query: the query, its feature-space neighbours, a blank column, the
    query again, its pixel-space neighbours."""
    from lucid_repro.images import contact_sheet
    blank = np.ones((thumb, thumb, 3), np.float32)
    rows = []
    for q, f, p in zip(result.queries, result.feature, result.pixel):
        query = collection.load(q, thumb)
        rows.append([query] + [collection.load(j, thumb) for j in f] + [blank, query]
                    + [collection.load(j, thumb) for j in p])
    return contact_sheet(rows)


# ---------------------------------------------------------------- a collection with known answers

VARIANTS = ("original", "flipcrop", "recolour")


def variant(image, kind):
    """A changed copy of `image` [s, s, 3] with the same content: "flipcrop" (mirrored,
    the central 75% enlarged back to s x s), "recolour" (colour channels rotated R->G->B->R
    and darkened by 20%: other colours, same shapes), "original" unchanged."""
    from PIL import Image
    image = np.asarray(image, np.float32)
    if kind == "original":
        return image
    if kind == "flipcrop":
        s = image.shape[0]
        m = s // 8
        crop = image[m:s - m, m:s - m][:, ::-1]
        return np.asarray(Image.fromarray((crop * 255 + 0.5).astype(np.uint8)).resize((s, s), Image.BICUBIC),
                          np.float32) / 255.0
    if kind == "recolour":
        return image[..., [2, 0, 1]] * 0.8
    raise ValueError(kind)


def source_of(path):
    """The source image's name in a variants collection (`<name>__<variant>.png`)."""
    import os
    return os.path.basename(path).split("__")[0]


def same_source_share(collection, result):
    """Share of the query's other variants (of its own source image) found among its k
    neighbours, in feature space and in pixel space (1: every mirrored/cropped and
    recoloured copy found): content found again despite mirror, crop and recolouring."""
    src = [source_of(p) for p in collection.paths]

    def share(idx):
        found = []
        for q, row in zip(result.queries, idx):
            own = sum(src[j] == src[q] for j in range(len(src)) if j != q)
            if own:
                found.append(sum(src[j] == src[q] for j in row) / min(len(row), own))
        return float(np.mean(found)) if found else float("nan")
    return share(result.feature), share(result.pixel)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def variants_collection(sources, size):
    """The demo's collection: the first `sources` images of the default collection, each
    as its three `VARIANTS` at size x size, written once (PNG) under the activation cache's
    folder and read back as an ImageCollection."""
    from lucid_repro.activations import cache_root
    from lucid_repro.collection import ImageCollection
    from lucid_repro.images import save_image
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
    result = nearest_neighbors(features, pixel_vectors(collection, row["pixel_size"]), queries,
                                      row["k"], layer)
    same = same_source_share(collection, result)
    colour = colour_distance(collection, result)
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
                  overlap=overlap(result),
                  seconds=dict(first=first, cached=cached, first_was_cached=already))
    return [save_image(os.path.join(output_dir, "nearest_neighbors.png"), sheet(collection, result)),
            write_json(os.path.join(output_dir, "nearest_neighbors.json"), record)]
