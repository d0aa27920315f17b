"""A 2D embedding of last-layer features, shown as the images themselves (van der Maaten
& Hinton 2008 for t-SNE; Karpathy's "cnnembed" for the picture: each image placed where
the embedding puts it, snapped to a grid).

PCA and t-SNE are scikit-learn's. The grid: with N images, a g x g grid (g = ceil(sqrt N))
over the embedding's bounding box; images are assigned to cells by an optimal one-to-one
assignment minimising the total squared distance between an image's 2D point and its
cell (scipy's `linear_sum_assignment`), as Karpathy's grid version does with a greedy
search. How well an embedding keeps the features' neighbourhoods is measured by
scikit-learn's `trustworthiness`.

The demo runs on the nearest-neighbour demo's collection and reuses its cached activations.
"""
import dataclasses
import os

import numpy as np

from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError


def numbers(out):
    r = read_json(out, "embedding/embedding.json")
    rows = [(f"{m.upper()}: trustworthiness (5 neighbours)", fmt(dig(r, m, "trustworthiness"), 2),
             "none given (t-SNE keeps local neighbourhoods better than PCA)") for m in ("pca", "tsne")]
    rows.append(("activation pass (cached from the neighbours demo) (s)", fmt(dig(r, "pass_seconds"), 3), "—"))
    return rows


SECTION = Section(
    name="embedding", part="classic", order=168, title="Embedding: PCA and t-SNE as a grid of images",
    claim="Placing each image where a 2D embedding of its last-layer features puts it groups images of "
          "the same content; t-SNE keeps neighbourhoods better than PCA.",
    settings={
        "library": dict(method="tsne", size=224, thumb=64, batch_size=16),
        "demo": dict(methods=["pca", "tsne"], size=160, sources=18, thumb=48, batch_size=16),
        "quick": dict(methods=["pca", "tsne"], size=32, sources=3, thumb=16, batch_size=8),
    },
    sources={"library": "van der Maaten & Hinton 2008 (t-SNE, scikit-learn's defaults: perplexity 30, PCA "
                        "init); Karpathy's cnnembed grid; sizes ours",
             "demo": "ours: the nearest-neighbour demo's collection (18 photos × 3 variants)",
             "quick": "ours: smoke tests"},
    figures=(("embedding/embedding_*.png", "images on a grid by their 2D embedding"),),
    numbers=numbers,
    describe="VGG19 pool5 of {sources} photos × 3 variants at {size} px, {methods}, {thumb} px thumbnails",
    expected_seconds=30,
)


METHODS = ("pca", "tsne")
EXACT_TSNE = 1000


@dataclasses.dataclass
class Embedding:
    method: str
    points: np.ndarray           # [N, 2]
    cells: np.ndarray            # [N, 2] (row, column) of each image in the grid
    grid: int                    # grid side
    trustworthiness: float


def embed(features, method="tsne", seed=0, perplexity=30.0):
    """[N, 2] coordinates of `features` [N, C] (rows standardised: zero mean)."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    x = np.asarray(features, np.float64)
    n = len(x)
    if n < 3:
        raise UserError(f"an embedding needs at least 3 images, got {n}")
    x = x - x.mean(axis=0)
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(x)
    if method == "tsne":
        # perplexity must stay below N (scikit-learn): at most (N - 1) / 3 on small collections
        p = float(min(perplexity, max(1.0, (n - 1) / 3.0)))
        # exact gradients below EXACT_TSNE images: O(N^2) but fast at these sizes (54 images: 1.6 s),
        # where scikit-learn's Barnes-Hut took 34 s on the 2-core build machine
        return TSNE(n_components=2, perplexity=p, init="pca", random_state=seed, max_iter=1000,
                    method="exact" if n <= EXACT_TSNE else "barnes_hut").fit_transform(x)
    raise UserError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")


def snap_to_grid(points):
    """(cells [N, 2] (row, column), g): a one-to-one assignment of points to the cells of
    a g x g grid over their bounding box, minimising the total squared distance."""
    from scipy.optimize import linear_sum_assignment
    from scipy.spatial.distance import cdist
    p = np.asarray(points, np.float64)
    n = len(p)
    g = int(np.ceil(np.sqrt(n)))
    p = (p - p.min(axis=0)) / np.maximum(p.max(axis=0) - p.min(axis=0), 1e-12)    # [0, 1]^2
    centres = (np.stack(np.meshgrid(np.arange(g), np.arange(g), indexing="ij"), -1).reshape(-1, 2) + 0.5) / g
    # (x, y) -> (column, row): the grid's row is the embedding's y, top row = largest y
    xy_cells = np.stack([centres[:, 1], 1 - centres[:, 0]], -1)
    rows, cols = linear_sum_assignment(cdist(p, xy_cells, "sqeuclidean"))
    cells = np.zeros((n, 2), int)
    cells[rows] = np.stack(np.unravel_index(cols, (g, g)), -1)
    return cells, g


def embedding(features, method="tsne", seed=0, neighbours=5):
    points = embed(features, method, seed)
    cells, g = snap_to_grid(points)
    from sklearn.manifold import trustworthiness
    k = max(1, min(neighbours, (len(points) - 1) // 2 - 1)) if len(points) > 4 else 1
    trust = float(trustworthiness(np.asarray(features, np.float64), points, n_neighbors=k))
    return Embedding(method, points, cells, g, trust)


def grid_image(collection, result, thumb=48, background=1.0):
    """The grid picture: each image (thumb x thumb) in its cell; empty cells blank."""
    g = result.grid
    canvas = np.full((g * thumb, g * thumb, 3), background, np.float32)
    for i, (r, c) in enumerate(result.cells):
        canvas[r * thumb:(r + 1) * thumb, c * thumb:(c + 1) * thumb] = collection.load(i, thumb)
    return canvas


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    import time

    from lucid_repro.activations import feature_layer, layer_activations
    from lucid_repro.images import save_image
    from lucid_repro.recipes.nearest_neighbors import variants_collection
    row = SECTION.demo_row(quick, model)
    collection = variants_collection(row["sources"], row["size"])
    layer = feature_layer(model)
    start = time.perf_counter()
    features = layer_activations(model, layer, collection, size=row["size"], batch_size=row["batch_size"],
                                 progress=progress)
    seconds = time.perf_counter() - start
    os.makedirs(output_dir, exist_ok=True)
    written, record = [], dict(row, model=model.name, layer=layer, images=len(collection), pass_seconds=seconds)
    for method in row["methods"]:
        e = embedding(features, method, seed=0)
        print(f"[embedding] {method}: trustworthiness {e.trustworthiness:.2f}, {e.grid}x{e.grid} grid")
        record[method] = dict(trustworthiness=e.trustworthiness, grid=e.grid,
                              points=e.points.round(4).tolist(), cells=e.cells.tolist())
        written.append(save_image(os.path.join(output_dir, f"embedding_{method}.png"),
                                  grid_image(collection, e, row["thumb"])))
    record["paths"] = [os.path.basename(p) for p in collection.paths]
    return written + [write_json(os.path.join(output_dir, "embedding.json"), record)]
