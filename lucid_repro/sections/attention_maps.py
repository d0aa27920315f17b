"""Attention maps of a Vision Transformer (the lecture "Visualizing and Understanding":
ViT attention beside CNN features; rollout: Abnar & Zuidema 2020): its declaration, its
`make demo` part and its files (`lucid_repro.recipes.attention_maps` keeps the computation)."""
import os

from lucid_repro import assets
from lucid_repro.sections.base import Section, dig, fmt, read_json


def numbers(out):
    r = read_json(out, "attention_maps/attention_maps.json")
    return [("class token's attention to itself (mean of heads) / rollout's peak patch",
             f"{fmt(dig(r, 'prefix_share'), 2)} / {dig(r, 'rollout_peak') or '—'}",
             "none given (the lecture shows trained ViTs' maps; ours has random weights)")]


SECTION = Section(
    name="attention_maps", part="classic", order=167, title="Attention maps of a Vision Transformer",
    claim="The attention of a ViT's class token to every patch, per head and averaged, and attention "
          "rollout across the layers, shown over the photo: the transformer's counterpart of a CNN's "
          "activation maps (here on a small random-weight ViT: the mechanics, not a trained model's focus).",
    settings={
        "library": dict(size=224, rollout=True),
        "demo": dict(image="bridge.jpg", size=64, patch_size=8, width=32, heads=4, blocks=3, seed=0),
        "quick": dict(image="bridge.jpg", size=32, patch_size=8, width=16, heads=2, blocks=2, seed=0),
    },
    sources={"library": "ours: the photo's longer side; rollout as Abnar & Zuidema 2020",
             "demo": "ours: a small random-weight ViT (no trained ViT is available offline)",
             "quick": "ours: smoke tests"},
    figures=(("attention_maps/attention_maps.png",
              "the photo; the class token's attention per head, their mean, and the rollout"),),
    numbers=numbers,
    describe="a random-weight ViT ({blocks} blocks of {heads} heads, {patch_size} px patches) on {image} "
             "at {size} px",
    expected_seconds=5,
)


def demo(model, output_dir, quick=False, progress=True):
    """On `model` when it has attention layers, else on the recipe's small random-weight ViT."""
    from lucid_repro import models
    from lucid_repro.images import load_image, save_image, to_channels
    from lucid_repro.models.attention import attention_layers
    from lucid_repro.recipes import attention_maps as recipe
    from lucid_repro.sections import write_json
    row = SECTION.demo_row(quick, model)
    if model is None or not attention_layers(model):
        model = models.from_keras(recipe.toy_vit(size=row["size"], patch=row["patch_size"], width=row["width"],
                                                 heads=row["heads"], blocks=row["blocks"], seed=row["seed"]),
                                  preprocess="none")
    fixed = model.fixed_input_size()
    path = assets.find_image(row["image"], "content")
    photo = load_image(path, size=fixed) if fixed else load_image(path, max_side=row["size"])
    r = recipe.attention_maps(model, to_channels(photo, model.channels), rollout=True)
    peak = recipe.peak(r.rollout)
    print(f"[attention_maps] {model.name} {r.layer}: {len(r.heads)} heads, {r.grid}x{r.grid} patches, "
          f"class token to itself {r.prefix_share:.2f}, rollout over {len(r.rollout_layers)} layers peaks at {peak}")
    os.makedirs(output_dir, exist_ok=True)
    record = dict(row, model=model.name, layer=r.layer, grid=r.grid, heads=len(r.heads), query=r.query,
                  prefix_share=r.prefix_share, rollout_layers=r.rollout_layers, rollout_peak=list(peak))
    return [save_image(os.path.join(output_dir, "attention_maps.png"), recipe.sheet(r)),
            write_json(os.path.join(output_dir, "attention_maps.json"), record)]
