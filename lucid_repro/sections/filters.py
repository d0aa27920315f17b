"""Filters as images (classic, Krizhevsky et al. 2012): its declaration, its `make demo`
part and its files (`lucid_repro.recipes.filters` keeps the computation)."""
import os

from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "filters/filters.json")
    first = dig(r, "first") or {}
    return [(f"first layer {first.get('layer', '')} {'×'.join(map(str, first.get('kernel_shape', [])))}: "
             "share of colour-specific filters", fmt(first.get("colour_share"), 2),
             "about half: Krizhevsky's GPU 2 learned colour-specific filters, GPU 1 colour-agnostic ones (fig. 3)")]


SECTION = Section(
    name="filters", part="classic", order=165, title="Filters as images",
    claim="The first layer's weights, shown as RGB images, are oriented edges, colour blobs and "
          "opponent colours; higher layers' weights, one grey tile per input channel, are not "
          "interpretable by eye.",
    settings={
        "library": dict(max_filters=64, max_inputs=16, tile_pixels=24),
        "demo": dict(higher_layer="conv2_1", max_filters=64, higher_filters=16, max_inputs=16, tile_pixels=24,
                     by_model={"inception_v1": dict(higher_layer="conv2d1")}),
        "quick": dict(higher_layer="conv2_1", max_filters=16, higher_filters=4, max_inputs=4, tile_pixels=12,
                      by_model={"inception_v1": dict(higher_layer="conv2d1")}),
    },
    sources={"library": "Krizhevsky et al. 2012 fig. 3 (96 first-layer filters as RGB); sizes ours",
             "demo": "ours: VGG19's 64 conv1_1 filters (3x3) and conv2_1's first 16 filters x 16 inputs",
             "quick": "ours: smoke tests"},
    figures=(("filters/filters_first.png", "first-layer filters (RGB, each scaled to [0, 1])"),
             ("filters/filters_higher.png", "a higher layer: rows = filters, columns = input channels")),
    numbers=numbers,
    describe="VGG19 conv1_1 (all {max_filters}) and {higher_layer} ({higher_filters} filters × {max_inputs} "
             "inputs), {tile_pixels} px tiles",
    expected_seconds=3,
)


def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.images import save_image
    from lucid_repro.recipes import filters as recipe
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    layers = list(recipe.kernel_layers(model))
    higher = row["higher_layer"] if row["higher_layer"] in layers else layers[min(2, len(layers) - 1)]
    first = recipe.filters(model, None, row["max_filters"])
    high = recipe.filters(model, higher, row["higher_filters"], row["max_inputs"])
    share = recipe.colour_share(first)
    print(f"[filters] {first.layer} {first.kernel_shape}: colour-specific share {fmt(share, 2)}; "
          f"{high.layer} {high.kernel_shape}")
    os.makedirs(output_dir, exist_ok=True)
    return [save_image(os.path.join(output_dir, "filters_first.png"), recipe.sheet(first, row["tile_pixels"])),
            save_image(os.path.join(output_dir, "filters_higher.png"), recipe.sheet(high, row["tile_pixels"])),
            write_json(os.path.join(output_dir, "filters.json"), dict(
                row, model=model.name, higher_layer=high.layer,
                first=dict(layer=first.layer, kernel_shape=list(first.kernel_shape), colour_share=share,
                           channel_order=model.input_channel_order),
                higher=dict(layer=high.layer, kernel_shape=list(high.kernel_shape))))]
