"""Nearest neighbours in a network's feature space vs in pixel space (Krizhevsky,
Sutskever & Hinton 2012, fig. 4; the lecture's "last layer: nearest neighbors").

Every image of a collection is described twice: by the last layer's activations
(`lucid_repro.activations`: the layer before the classifier, or VGG19's pool5, averaged
over space) and by its pixels (the image at `pixel_size` x `pixel_size`, flattened). For a
query image, its k nearest neighbours (Euclidean, scikit-learn) in each space are shown
side by side: feature-space neighbours should share content, pixel-space ones mostly
colour and layout.
"""
import dataclasses

import numpy as np

from lucid_repro.errors import UserError


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
