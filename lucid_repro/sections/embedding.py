"""Embeddings of last-layer features as a grid of images (classic: t-SNE, van der Maaten
& Hinton 2008; the picture as Karpathy's cnnembed): its declaration, its `make demo` part
and its files (`lucid_repro.recipes.embedding` keeps the computation). The demo runs on
the nearest-neighbour demo's collection and reuses its cached activations."""
import os

from lucid_repro.sections.base import Section, dig, fmt, read_json


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


def demo(model, output_dir, quick=False, progress=True):
    import time

    from lucid_repro.activations import feature_layer, layer_activations
    from lucid_repro.images import save_image
    from lucid_repro.recipes import embedding as recipe
    from lucid_repro.sections import write_json
    from lucid_repro.sections.nearest_neighbors import variants_collection
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
        e = recipe.embedding(features, method, seed=0)
        print(f"[embedding] {method}: trustworthiness {e.trustworthiness:.2f}, {e.grid}x{e.grid} grid")
        record[method] = dict(trustworthiness=e.trustworthiness, grid=e.grid,
                              points=e.points.round(4).tolist(), cells=e.cells.tolist())
        written.append(save_image(os.path.join(output_dir, f"embedding_{method}.png"),
                                  recipe.grid_image(collection, e, row["thumb"])))
    record["paths"] = [os.path.basename(p) for p in collection.paths]
    return written + [write_json(os.path.join(output_dir, "embedding.json"), record)]
