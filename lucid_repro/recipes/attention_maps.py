"""Attention maps of a Vision Transformer over an image (the lecture "Visualizing and
Understanding" shows ViT attention beside CNN features; Dosovitskiy et al. 2021, fig. 6;
Caron et al. 2021's class-token maps).

For one attention layer: the attention weights of the class token (or of a chosen patch
token) to every patch, per head and averaged over heads, reshaped to the patch grid and
upsampled over the image. The weights come from Keras itself (`models.attention`: the
layer called again with `return_attention_scores=True` on its own inputs).

Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers"):
for every attention layer up to the chosen one, average the heads, add the identity (the
residual connection) and renormalize the rows; multiply the layers' matrices (the first
layer rightmost). The query token's row says how much each input patch flows into it:
"where the model looks".
"""
import dataclasses
import os
from typing import List, Optional

import numpy as np
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.models import attention


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



@dataclasses.dataclass
class AttentionMaps:
    layer: str
    query: str                     # "class token" or "patch (row, col)"
    image: np.ndarray              # [H, W, C] the photo in [0, 1]
    grid: int                      # patches per side
    heads: np.ndarray              # [heads, g, g] the query's attention weights to each patch
    mean: np.ndarray               # [g, g] averaged over heads
    rollout: Optional[np.ndarray]  # [g, g] attention rollout up to `layer` (None: not asked)
    rollout_layers: List[str]
    prefix_share: float            # weight (mean over heads) the query gives to the class token(s)

    def upsampled(self, grid_map):
        """A [g, g] map bilinearly upsampled to the image's [H, W], scaled to [0, 1] from its
        minimum to its maximum (attention weights are all positive: scaled by the maximum
        alone, a nearly uniform map would light up the whole photo)."""
        return upsample(grid_map, self.image.shape[:2])


def upsample(grid_map, shape):
    from skimage.transform import resize
    m = resize(np.asarray(grid_map, np.float64), shape, order=1, mode="edge", anti_aliasing=False)
    m = m - m.min()
    top = float(m.max())
    return (m / top if top > 0 else m).astype(np.float32)


def rollout_matrix(weights):
    """Abnar & Zuidema's rollout of per-layer attention weights (a list, first layer first,
    each [heads, N, N]): prod over layers of rownorm(mean_heads(A) + I), the last layer
    leftmost. [N, N]; each row sums to 1."""
    result = None
    for a in weights:
        a = np.asarray(a, np.float64).mean(axis=0)
        a = a + np.eye(a.shape[-1])
        a = a / a.sum(axis=-1, keepdims=True)
        result = a if result is None else a @ result
    return result


def parse_patch(text, grid=None):
    """"row,col" -> (row, col); None / "" -> None (the class token)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        row, col = (int(v) for v in (text.split(",") if isinstance(text, str) else text))
    except (TypeError, ValueError):
        raise UserError(f"--patch must be row,col (patch grid coordinates), got {text!r}") from None
    if grid is not None and not (0 <= row < grid and 0 <= col < grid):
        raise UserError(f"--patch={row},{col} is outside the {grid}x{grid} patch grid")
    return row, col


def attention_maps(model, image, layer=None, patch=None, rollout=True):
    """The attention maps of `layer` (default: the model's last attention layer) on `image`
    [H, W, C] in [0, 1], for the class token (`patch` None) or the patch token at
    `patch` = (row, col) of the grid; with `rollout`, the rollout over every attention layer
    up to `layer` as well."""
    layers = attention.attention_layers(model)
    if not layers:
        raise UserError(f"model {model.name} has no attention layer (keras MultiHeadAttention) with a patch grid")
    layer = attention.check_attention_layer(model, layer or layers[-1])
    prefix, grid = attention.token_grid(model, layer)
    patch = parse_patch(patch, grid)
    if patch is None:
        if not prefix:
            raise UserError(f"attention layer {layer} of {model.name} has no class token ({grid}x{grid} patch "
                            "tokens only): choose a patch token with --patch=row,col")
        query, index = "class token", 0
    else:
        query, index = f"patch ({patch[0]}, {patch[1]})", prefix + patch[0] * grid + patch[1]
    upto = layers[:layers.index(layer) + 1] if rollout else [layer]
    for l in upto:
        if attention.token_grid(model, l) != (prefix, grid):
            raise UserError(f"attention layers {l} and {layer} of {model.name} have different token grids: "
                            "no rollout across them (use rollout=False / --norollout)")
    image = np.asarray(image, np.float32)
    weights = {k: v[0] for k, v in attention.attention_scores(model, image[None], upto).items()}
    w = weights[layer]                                        # [heads, N, N]
    row = w[:, index]                                         # [heads, N]
    heads = row[:, prefix:].reshape(-1, grid, grid)
    rolled = None
    if rollout:
        rolled = rollout_matrix([weights[l] for l in upto])[index, prefix:].reshape(grid, grid).astype(np.float32)
    return AttentionMaps(layer, query, image, grid, heads.astype(np.float32), heads.mean(axis=0).astype(np.float32),
                         rolled, list(upto) if rollout else [], float(row[:, :prefix].sum(axis=-1).mean()))


def panels(result):
    """[(caption, overlay [H, W, 3])]: each head, their mean, the rollout, over the photo."""
    from lucid_repro.optvis.attribution import overlay
    out = [(f"head {h}", overlay(result.image, result.upsampled(m))) for h, m in enumerate(result.heads)]
    out.append(("mean of heads", overlay(result.image, result.upsampled(result.mean))))
    if result.rollout is not None:
        out.append(("rollout", overlay(result.image, result.upsampled(result.rollout))))
    return out


def sheet(result, pad=4):
    """The photo, then every panel, in one row."""
    from lucid_repro.images import contact_sheet
    photo = result.image if result.image.shape[-1] == 3 else np.repeat(result.image.mean(-1, keepdims=True), 3, -1)
    return contact_sheet([[photo] + [p for _, p in panels(result)]], pad=pad)


def peak(grid_map):
    """(row, col) of a [g, g] map's largest value."""
    return tuple(int(v) for v in np.unravel_index(np.argmax(grid_map), np.shape(grid_map)))


# ----------------------------------------------------------------------------- a model to show them on

class ClassToken(tf.keras.layers.Layer):
    """Prepends a learned class token to the [B, N, C] patch tokens and adds a learned
    position embedding [1 + N, C] (a ViT's embedding, one serializable layer)."""

    def build(self, shape):
        self.token = self.add_weight(shape=(1, 1, shape[-1]), initializer="random_normal", name="token")
        self.position = self.add_weight(shape=(1, shape[1] + 1, shape[-1]), initializer="random_normal",
                                        name="position")

    def call(self, x):
        return tf.concat([tf.tile(self.token, [tf.shape(x)[0], 1, 1]), x], 1) + self.position


class TakeClassToken(tf.keras.layers.Layer):
    def call(self, x):
        return x[:, 0]


def toy_vit(size=32, patch=8, width=16, heads=2, blocks=2, channels=3, classes=5, seed=0):
    """A small Keras Vision Transformer with random weights (patch embedding, a class token,
    position embedding, pre-norm blocks of multi-head attention and an MLP, the class
    token's logits; custom layers `ClassToken`, `TakeClassToken`, so a saved one loads with
    --custom_objects=lucid_repro.recipes.attention_maps:CUSTOM_OBJECTS): what the demo and the notebook show attention maps of when no trained
    ViT is at hand. Its maps show the mechanics, not what a trained ViT attends to."""
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(seed)
    g = size // patch
    image = tf.keras.Input((size, size, channels))
    x = L.Conv2D(width, patch, strides=patch, name="patch_embed")(image)
    x = L.Reshape((g * g, width), name="tokens")(x)
    x = ClassToken(name="embed")(x)
    for i in range(blocks):
        h = L.LayerNormalization(name=f"block{i}_ln1")(x)
        x = L.Add(name=f"block{i}_attn_out")([x, L.MultiHeadAttention(heads, width // heads, name=f"block{i}_attn")(h, h)])
        h = L.Dense(2 * width, activation="gelu", name=f"block{i}_mlp1")(L.LayerNormalization(name=f"block{i}_ln2")(x))
        x = L.Add(name=f"block{i}_out")([x, L.Dense(width, name=f"block{i}_mlp2")(h)])
    logits = L.Dense(classes, name="logits")(TakeClassToken(name="take_class_token")(
        L.LayerNormalization(name="final_ln")(x)))
    return tf.keras.Model(image, logits, name="toy_vit")


CUSTOM_OBJECTS = {"ClassToken": ClassToken, "TakeClassToken": TakeClassToken}


# ----------------------------------------------------------------------------- make demo

def demo(model, output_dir, quick=False, progress=True):
    """On `model` when it has attention layers, else on the recipe's small random-weight ViT."""
    from lucid_repro import models
    from lucid_repro.images import load_image, save_image, to_channels
    from lucid_repro.models.attention import attention_layers
    row = SECTION.demo_row(quick, model)
    if model is None or not attention_layers(model):
        model = models.from_keras(toy_vit(size=row["size"], patch=row["patch_size"], width=row["width"],
                                                 heads=row["heads"], blocks=row["blocks"], seed=row["seed"]),
                                  preprocess="none")
    fixed = model.fixed_input_size()
    path = assets.find_image(row["image"], "content")
    photo = load_image(path, size=fixed) if fixed else load_image(path, max_side=row["size"])
    r = attention_maps(model, to_channels(photo, model.channels), rollout=True)
    top = peak(r.rollout)
    print(f"[attention_maps] {model.name} {r.layer}: {len(r.heads)} heads, {r.grid}x{r.grid} patches, "
          f"class token to itself {r.prefix_share:.2f}, rollout over {len(r.rollout_layers)} layers peaks at {top}")
    os.makedirs(output_dir, exist_ok=True)
    record = dict(row, model=model.name, layer=r.layer, grid=r.grid, heads=len(r.heads), query=r.query,
                  prefix_share=r.prefix_share, rollout_layers=r.rollout_layers, rollout_peak=list(top))
    return [save_image(os.path.join(output_dir, "attention_maps.png"), sheet(r)),
            write_json(os.path.join(output_dir, "attention_maps.json"), record)]
