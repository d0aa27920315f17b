"""Attention maps of a ViT layer over an image, and attention rollout (issue 25, point 3),
on the tiny random-weight Keras ViT of test_any_model (2 blocks of 2-head attention)."""
import numpy as np
import pytest
import tensorflow as tf

from script_checks import assert_refused, run_script
from test_any_model import ENV, band_cnn, tiny_vit

L = tf.keras.layers


@pytest.fixture(scope="module")
def vit():
    from lucid_repro import models
    net = tiny_vit()
    return net, models.from_keras(net, preprocess="none")


def keras_weights(net, image, block):
    """The weights [heads, N, N] of block `block`'s attention, from the user's own model:
    its MultiHeadAttention called with return_attention_scores on its LayerNorm's output."""
    h = tf.keras.Model(net.input, net.get_layer(f"block{block}_ln1").output)(image[None])
    return net.get_layer(f"block{block}_attn")(h, h, return_attention_scores=True)[1].numpy()[0]


def test_maps_are_the_layers_own_weights_on_the_patch_grid(vit):
    from lucid_repro.models import attention
    from lucid_repro.recipes import attention_maps as recipe
    net, fm = vit
    image = np.random.RandomState(0).uniform(size=(16, 16, 3)).astype(np.float32)
    assert attention.attention_layers(fm) == ["block0_attn", "block1_attn"]
    scores = attention.attention_scores(fm, image[None], ["block1_attn"])["block1_attn"]
    assert scores.shape == (1, 2, 17, 17)
    np.testing.assert_allclose(scores.sum(-1), 1.0, atol=1e-5)    # rows sum to 1 before upsampling
    expected = keras_weights(net, image, 1)
    np.testing.assert_allclose(scores[0], expected, atol=1e-6)
    r = recipe.attention_maps(fm, image, "block1_attn", rollout=False)
    assert r.query == "class token" and r.grid == 4 and r.heads.shape == (2, 4, 4) and r.rollout is None
    np.testing.assert_allclose(r.heads, expected[:, 0, 1:].reshape(2, 4, 4), atol=1e-6)
    np.testing.assert_allclose(r.mean, r.heads.mean(0), atol=1e-7)
    assert r.prefix_share == pytest.approx(float(expected[:, 0, 0].mean()), abs=1e-6)
    patch = recipe.attention_maps(fm, image, "block1_attn", patch="1,2", rollout=False)   # token 1 + 4 + 2
    np.testing.assert_allclose(patch.heads, expected[:, 7, 1:].reshape(2, 4, 4), atol=1e-6)
    up = r.upsampled(r.mean)
    assert up.shape == (16, 16) and up.min() == 0 and up.max() == pytest.approx(1)
    assert recipe.sheet(r).shape[:2] == (16 + 8, 4 * 16 + 5 * 4)    # photo, 2 heads, mean


def test_rollout_is_the_product_of_the_layers_normalized_attention(vit):
    from lucid_repro.recipes import attention_maps as recipe
    net, fm = vit
    image = np.random.RandomState(1).uniform(size=(16, 16, 3)).astype(np.float32)
    a0, a1 = (keras_weights(net, image, b) for b in (0, 1))
    eye = np.eye(17)
    hat = [(a.mean(0) + eye) / (a.mean(0) + eye).sum(-1, keepdims=True) for a in (a0, a1)]
    product = hat[1] @ hat[0]
    r = recipe.attention_maps(fm, image)          # the last attention layer, the class token
    assert r.layer == "block1_attn" and r.rollout_layers == ["block0_attn", "block1_attn"]
    np.testing.assert_allclose(r.rollout, product[0, 1:].reshape(4, 4), atol=1e-6)
    np.testing.assert_allclose(recipe.rollout_matrix([a0, a1]).sum(-1), 1.0, atol=1e-9)
    first = recipe.attention_maps(fm, image, "block0_attn")    # rollout of one layer: its own normalized map
    np.testing.assert_allclose(first.rollout, hat[0][0, 1:].reshape(4, 4), atol=1e-6)


def _token_model(shape, name):
    """A conv patch embedding to [B, N, 4] tokens (no class token), one attention layer."""
    tf.keras.utils.set_random_seed(4)
    image = tf.keras.Input(shape)
    x = L.Conv2D(4, 4, strides=4, name="embed")(image)
    x = L.Reshape(((shape[0] // 4) * (shape[1] // 4), 4), name="tokens")(x)
    x = L.MultiHeadAttention(1, 4, name="attn")(x, x)
    return tf.keras.Model(image, L.Dense(2, name="logits")(L.GlobalAveragePooling1D(name="gap")(x)), name=name)


def test_what_is_not_an_attention_map_is_refused(vit):
    from lucid_repro import models
    from lucid_repro.errors import UserError
    from lucid_repro.recipes import attention_maps as recipe
    _, fm = vit
    image = np.zeros((16, 16, 3), np.float32)
    with pytest.raises(UserError, match="block0_mlp1 of tiny_vit is a Dense, not an attention layer.*block0_attn, "
                                        "block1_attn"):
        recipe.attention_maps(fm, image, "block0_mlp1")
    with pytest.raises(UserError, match="outside the 4x4 patch grid"):
        recipe.attention_maps(fm, image, patch="4,0")
    with pytest.raises(UserError, match="has no attention layer"):
        recipe.attention_maps(models.from_keras(band_cnn(3), preprocess="none"), image)
    strip = models.from_keras(_token_model((8, 12, 3), "strip"), preprocess="none")     # 2 x 3 = 6 tokens
    with pytest.raises(UserError, match="not a patch grid"):
        recipe.attention_maps(strip, np.zeros((8, 12, 3), np.float32))
    grid = models.from_keras(_token_model((16, 16, 3), "no_class_token"), preprocess="none")   # 4 x 4 patches
    with pytest.raises(UserError, match="has no class token.*--patch=row,col"):
        recipe.attention_maps(grid, image)
    r = recipe.attention_maps(grid, image, patch=(0, 0))
    assert r.heads.shape == (1, 4, 4) and r.prefix_share == 0


def test_script_writes_the_maps_and_refuses_a_layer_that_is_not_attention(tmp_path):
    from PIL import Image

    from lucid_repro.recipes import attention_maps as recipe
    recipe.toy_vit(size=32, patch=8, width=8, heads=2, blocks=2).save(tmp_path / "vit.keras")
    args = [f"--model=keras:{tmp_path / 'vit.keras'}", "--preprocess=none", "--noprogress",
            "--custom_objects=lucid_repro.recipes.attention_maps:CUSTOM_OBJECTS"]
    out = tmp_path / "att.png"
    r = run_script("attention_maps", args + ["--patch=1,2", f"--output={out}"], tmp_path, env=ENV)
    assert r.returncode == 0, r.stderr
    assert "patch (1, 2), 2 heads on a 4x4 patch grid" in r.stdout
    assert np.asarray(Image.open(out)).shape == (32 + 8, 5 * 32 + 6 * 4, 3)   # photo, 2 heads, mean, rollout
    with np.load(str(out) + ".npz") as maps:
        assert maps["heads"].shape == (2, 4, 4) and maps["rollout"].shape == (4, 4)
    bad = tmp_path / "bad.png"
    r = run_script("attention_maps", args + ["--layer=block0_mlp1", f"--output={bad}"], tmp_path, env=ENV)
    assert_refused(r, "is a Dense, not an attention layer", tmp_path, bad, tmp_path / "bad.png.npz")
