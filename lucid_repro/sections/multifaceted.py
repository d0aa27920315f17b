"""Multifaceted feature visualization (classic: Nguyen, Yosinski & Clune 2016): its
declaration, its `make demo` part and its files (`lucid_repro.recipes.multifaceted` keeps
the computation)."""
import os

from lucid_repro.sections.base import Section, dig, fmt, read_json

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


def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.collection import ImageCollection
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.recipes import multifaceted
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    collection = ImageCollection.default(row.get("max_images"))
    facets = multifaceted.multifaceted(model, row["layer"], row["channel"], collection, top=row["top"],
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
