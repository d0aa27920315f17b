"""Maximally activating patches with guided backprop (classic: Zeiler & Fergus 2014,
Springenberg et al. 2015): its declaration, its `make demo` part and its files
(`lucid_repro.recipes.top_patches` keeps the computation)."""
import os

from lucid_repro.sections.base import Section, dig, fmt, read_json

PAPER = "none given (Zeiler & Fergus, Springenberg et al. show the patches)"


def numbers(out):
    r = read_json(out, "top_patches/top_patches.json")
    if not r:
        return [("receptive field", "—", PAPER)]
    rows = [(f"{r['layer']} receptive field at {r['size']} px (computed from the layers)",
             f"{r['receptive_field'][0]} px, stride {r['jump'][0]}", "VGG19: not stated")]
    rows += [(f"{r['layer']}:{c['channel']}: distinct images / strongest activation",
              f"{c['distinct_images']} / {fmt(c['activations'][0], 3)}", PAPER) for c in (dig(r, "channels") or [])]
    return rows


SECTION = Section(
    name="top_patches", part="classic", order=169, title="Maximally activating patches",
    claim="The patches of a collection that excite one channel most, cut at the unit's receptive field, "
          "share a motif; guided backprop shows which of their pixels the unit responds to.",
    settings={
        "library": dict(layer="conv4_2", channels="0:6", k=9, size=224, batch_size=16),
        "demo": dict(layer="conv4_2", channels="0:6", k=6, size=224, batch_size=16),
        "quick": dict(layer="conv3_1", channels="0:2", k=3, size=64, batch_size=8, max_images=6),
    },
    sources={"library": "ours (Zeiler & Fergus show 9 patches per unit)",
             "demo": "ours: the default collection (18 photos), 6 channels", "quick": "ours: smoke tests"},
    figures=(("top_patches/top_patches.png", "rows: channels; k pairs of (patch, guided backprop of its unit)"),),
    numbers=numbers,
    describe="VGG19 {layer} channels {channels}, top {k} of the default collection at {size} px",
    expected_seconds=80,
)


def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.collection import ImageCollection
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.recipes import top_patches
    from lucid_repro.sections import write_json
    from lucid_repro.sections.atlas import parse_channels
    row = SECTION.demo_row(quick, model)
    collection = ImageCollection.default(row.get("max_images"))
    result = top_patches.top_patches(model, row["layer"], collection, parse_channels(row["channels"]), k=row["k"],
                                     size=row["size"], batch_size=row["batch_size"], progress=progress)
    os.makedirs(output_dir, exist_ok=True)
    sheet = save_image(os.path.join(output_dir, "top_patches.png"), contact_sheet(top_patches.sheet_rows(result)))
    record = describe(model, row["layer"], row["size"], collection, result)
    for c in record["channels"]:
        print(f"[top_patches] {record['layer']}:{c['channel']}: " + ", ".join(
            f"{os.path.basename(p)} ({a:.3g})" for p, a in zip(c["images"], c["activations"])))
    return [sheet, write_json(os.path.join(output_dir, "top_patches.json"), dict(row, **record))]


def describe(model, layer, size, collection, result):
    """The run's JSON record: the field, and per channel its images, units and activations."""
    first = next(iter(result.values()))[0]
    rf = model.receptive_field(layer, int(size))
    return {"model": model.name, "layer": layer, "size": int(size), "images_in_collection": len(collection),
            "skipped": len(collection.skipped), "receptive_field": list(rf.size), "jump": list(rf.jump),
            "patch_px": [first.box[2] - first.box[0], first.box[3] - first.box[1]],
            "channels": [{"channel": c, "distinct_images": len({p.image_index for p in ps}),
                          "images": [p.path for p in ps], "units": [[p.y, p.x] for p in ps],
                          "boxes": [list(p.box) for p in ps], "activations": [p.activation for p in ps]}
                         for c, ps in result.items()]}
