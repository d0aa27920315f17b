"""Activation maps (classic, Yosinski et al. 2015): its declaration, its `make demo` part
and its files (`lucid_repro.recipes.activation_maps` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "activation_maps/activation_maps.json")
    return [(f"{m['layer']} on {m['image']}: share of values above zero / of channels silent everywhere",
             f"{fmt(m.get('active_share'), 2)} / {fmt(m['silent_share'], 2)}",
             "none given (Yosinski et al. show the maps are sparse and localized)")
            for m in (dig(r, "maps") or [])] or [("silent channels", "—", "none given")]


SECTION = Section(
    name="activation_maps", part="classic", order=166, title="Activation maps",
    claim="Every channel of a layer on one photo, as a grayscale image: at conv5 most maps are dark "
          "and a few light up on specific parts of the scene (sparse, localized).",
    settings={
        "library": dict(size=336),
        "demo": dict(image="bridge.jpg", size=336, layers=["relu3_1", "relu5_1"], tile=32,
                     by_model={"inception_v1": dict(layers=["mixed3a", "mixed4a"])}),
        "quick": dict(image="bridge.jpg", size=48, layers=["relu5_1"], tile=8,
                      by_model={"inception_v1": dict(layers=["mixed4a"])}),
    },
    sources={"library": "Yosinski et al. 2015 (Deep Visualization Toolbox, conv5 maps); size ours",
             "demo": "ours: the bridge photo at a mid and the last conv block",
             "quick": "ours: smoke tests"},
    figures=(("activation_maps/activation_maps_*.png", "every channel of the layer, one scale for the layer"),),
    numbers=numbers,
    describe="VGG19 {layers} on {image} ({size} px longer side)",
    expected_seconds=6,
)


def demo(model, output_dir, quick=False, progress=True):
    from lucid_repro.images import load_image, save_image
    from lucid_repro.recipes import activation_maps as recipe
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    photo = load_image(assets.find_image(row["image"], "content"), max_side=row["size"])
    written, record = [], dict(row, model=model.name, maps=[])
    os.makedirs(output_dir, exist_ok=True)
    for layer in row["layers"]:
        r = recipe.activation_maps(model, photo, layer)
        print(f"[activation_maps] {row['image']} {r.layer} {r.maps.shape}: active {r.active_share:.2f}, "
              f"silent channels {r.silent_share:.2f}, "
              f"top channel {r.top_channel}")
        record["maps"].append(dict(image=row["image"], layer=r.layer, shape=list(r.maps.shape),
                                   silent_share=r.silent_share, active_share=r.active_share,
                                   top_channel=r.top_channel))
        written.append(save_image(os.path.join(output_dir, f"activation_maps_{r.layer}.png"),
                                  recipe.sheet(r, tile=row["tile"])))
    save_image(os.path.join(output_dir, "photo.png"), photo)
    return written + [write_json(os.path.join(output_dir, "activation_maps.json"), record)]
