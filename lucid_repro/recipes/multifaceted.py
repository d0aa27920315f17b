"""Multifaceted feature visualization (Nguyen, Yosinski & Clune 2016, "Multifaceted Feature
Visualization"): a unit responds to several different kinds of input (its facets). Take
the images of a collection that excite the unit most, cluster them by the layer's
activation vectors with k-means (scikit-learn), and run one feature visualization per
cluster, each started from its cluster's mean image (Nguyen et al.'s initialization; a
random start converges to the one facet that is easiest to reach).

The activations are the collection's cache (`layer_activations`, pooled: [N, C]); the
visualizations are one `render.render` call over a batch of `clusters` images kept in
[0, 1] (`param.box_pixel_image`, initialized to the mean images), the objective the
channel's mean activation per image minus a total-variation penalty.
"""
import dataclasses
import os

import numpy as np

from lucid_repro.activations import layer_activations, pass_size
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives, param, render, transforms


PAPER = "none given (Nguyen et al. show the facets)"


def numbers(out):
    r = read_json(out, "multifaceted/multifaceted.json")
    return [(f"{r['layer']}:{r['channel']} facet {j}: images in cluster / activation from mean image -> visualization",
             f"{len(f['images'])} / {fmt(f['mean_image_activation'], 3)} -> {fmt(f['activation'], 3)}", PAPER)
            for j, f in enumerate(dig(r, "facets") or [])] or [("facets", "—", PAPER)]


SECTION = Section(
    name="multifaceted", part="classic", order=171, title="Multifaceted feature visualization",
    claim="A unit responds to several kinds of input: clustering the images that excite it and starting one "
          "visualization from each cluster's mean image shows its facets, where a random start shows one.",
    settings={
        "library": dict(layer="conv4_2", channel=4, top=12, clusters=3, size=128, steps=64, lr=0.005, tv=1e-4,
                        batch_size=16),
        "demo": dict(layer="conv4_2", channel=4, top=12, clusters=3, size=128, steps=64, lr=0.005, tv=1e-4,
                     batch_size=16),
        "quick": dict(layer="conv3_1", channel=4, top=4, clusters=2, size=48, steps=4, lr=0.005, tv=1e-4,
                      batch_size=8, max_images=6),
        "paper": dict(layer="conv4_2", channel=4, top=2000, clusters=10, size=224, steps=64, lr=0.005, tv=1e-4,
                      batch_size=16),
    },
    sources={"library": "ours (a collection of a few dozen photos: 12 top images, 3 clusters)",
             "demo": "ours: the default collection (18 photos)", "quick": "ours: smoke tests",
             "paper": "Nguyen et al. 2016: the top 2000 training images of a unit, k = 10 clusters, mean-image "
                      "start (their objective, fc8 units and regularizers differ; step count and lr ours)"},
    figures=(("multifaceted/multifaceted.png", "top row: each cluster's mean image; bottom row: its facet"),),
    numbers=numbers,
    describe="VGG19 {layer}:{channel}, top {top} images of the default collection in {clusters} k-means clusters, "
             "{size} px, {steps} Adam steps (lr {lr}) from each cluster's mean image",
    expected_seconds=90,
)


@dataclasses.dataclass
class Facets:
    channel: int
    top: np.ndarray          # indices of the top images, strongest first
    labels: np.ndarray       # cluster of each top image
    groups: list             # per cluster (strongest first): indices into the collection
    means: np.ndarray        # [clusters, s, s, 3] each cluster's mean image
    images: np.ndarray       # [clusters, s, s, 3] the visualizations (empty before `visualize`)
    activations: np.ndarray  # [clusters] the channel's mean activation on each visualization


def cluster_top_images(model, layer, channel, collection, top=12, clusters=3, size=224, batch_size=16,
                       seed=0, cache_dir=None, progress=True):
    """Facets (without visualizations): the `top` images of `collection` by the channel's
    pooled activation, clustered into `clusters` groups by k-means on their pooled
    activation vectors of `layer`, with each group's mean image at `size` px."""
    from sklearn.cluster import KMeans
    layer = model.check_layer(layer)
    channel = model.check_channel(layer, channel)
    top, clusters = int(top), int(clusters)
    if clusters <= 0 or top <= 0:
        raise UserError(f"--top and --clusters must be positive, got {top} and {clusters}")
    if top > len(collection):
        raise UserError(f"--top={top} is larger than the collection ({len(collection)} images)")
    if clusters > top:
        raise UserError(f"--clusters={clusters} is larger than --top={top}: each cluster needs an image")
    size = pass_size(model, layer, size)
    feats = np.asarray(layer_activations(model, layer, collection, size=size, batch_size=batch_size, pooled=True,
                                         cache_dir=cache_dir, progress=progress), np.float64)
    if feats.ndim != 2:
        raise UserError(f"layer {layer} gives activations of shape {feats.shape[1:]}; multifaceted needs [C] vectors")
    order = np.argsort(-feats[:, channel], kind="stable")[:top]
    km = KMeans(n_clusters=clusters, n_init=10, random_state=int(seed)).fit(feats[order])
    strength = [feats[order[km.labels_ == j], channel].mean() for j in range(clusters)]
    ranked = np.argsort(strength)[::-1]
    labels = np.empty_like(km.labels_)
    for new, old in enumerate(ranked):
        labels[km.labels_ == old] = new
    groups = [order[labels == j] for j in range(clusters)]
    means = np.stack([np.mean([collection.load(int(i), size) for i in g], axis=0) for g in groups])
    empty = np.zeros((0,) + means.shape[1:], np.float32)
    return Facets(channel, order, labels, groups, means.astype(np.float32), empty, np.zeros(0, np.float32))


def visualize(model, layer, facets, steps=128, lr=0.02, tv=1e-4, seed=0, progress=True):
    """One feature visualization of the channel per cluster, each started from its mean
    image (one render call, the clusters as the batch); fills facets.images/activations."""
    channel = facets.channel
    obj = objectives.channel(layer, channel) - tv * objectives.total_variation()
    result = render.render(model, obj, param_f=lambda: param.box_pixel_image(facets.means, 0.0, 1.0), seed=seed,
                           optimizer=render.adam(lr), transforms=transforms.standard_transforms(),
                           thresholds=(int(steps),), progress=progress, description="multifaceted")
    images = np.asarray(result.images[-1], np.float32)
    acts = model.activations(images, [layer])[layer].numpy()[..., channel]
    facets.images = images
    facets.activations = acts.reshape(len(images), -1).mean(axis=1)
    return facets


def multifaceted(model, layer, channel, collection, top=12, clusters=3, size=128, steps=128, lr=0.02, tv=1e-4,
                 seed=0, batch_size=16, cache_dir=None, progress=True):
    """Cluster the unit's top images, then visualize each facet from its mean image."""
    facets = cluster_top_images(model, layer, channel, collection, top, clusters, size, batch_size, seed,
                                cache_dir, progress)
    return visualize(model, layer, facets, steps, lr, tv, seed, progress)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.collection import ImageCollection
    from lucid_repro.images import contact_sheet, save_image
    row = SECTION.demo_row(quick, model)
    collection = ImageCollection.default(row.get("max_images"))
    facets = multifaceted(model, row["layer"], row["channel"], collection, top=row["top"],
                                       clusters=row["clusters"], size=row["size"], steps=row["steps"], lr=row["lr"],
                                       tv=row["tv"], batch_size=row["batch_size"], progress=progress)
    os.makedirs(output_dir, exist_ok=True)
    sheet = save_image(os.path.join(output_dir, "multifaceted.png"),
                       contact_sheet([list(facets.means), list(facets.images)]))
    record = describe(model, row["layer"], collection, facets)
    for j, f in enumerate(record["facets"]):
        print(f"[multifaceted] facet {j}: {', '.join(os.path.basename(p) for p in f['images'])}; activation "
              f"{f['mean_image_activation']:.3g} (mean image) -> {f['activation']:.3g}")
    return [sheet, write_json(os.path.join(output_dir, "multifaceted.json"), dict(row, **record))]


def describe(model, layer, collection, facets):
    """The run's JSON record: each facet's images and the channel's activation on its mean
    image and on its visualization."""
    start = model.activations(facets.means, [layer])[layer].numpy()[..., facets.channel]
    start = start.reshape(len(facets.means), -1).mean(axis=1)
    return {"model": model.name, "layer": layer, "channel": facets.channel, "images_in_collection": len(collection),
            "facets": [{"images": [collection.paths[int(i)] for i in g], "mean_image_activation": float(a0),
                        "activation": float(a1)} for g, a0, a1 in zip(facets.groups, start, facets.activations)]}
