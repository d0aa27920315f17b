"""Issue 26, first half: filters as images, activation maps, nearest neighbours (feature
vs pixel space) and embeddings, on tiny models and images; their demos at quick size."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro import activations, models
from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel
from lucid_repro.recipes import activation_maps, embedding, filters, nearest_neighbors


def tiny_net(first_kernel=None):
    """conv(3x3, 4) -> relu -> flatten-free head: pool -> dense(3); named like a keras: model."""
    inp = tf.keras.Input((None, None, 3))
    conv = tf.keras.layers.Conv2D(4, 3, name="conv", kernel_initializer=tf.keras.initializers.GlorotUniform(0))
    x = conv(inp)
    relu = tf.keras.layers.ReLU(name="relu")(x)
    conv2 = tf.keras.layers.Conv2D(5, 3, name="conv2", kernel_initializer=tf.keras.initializers.GlorotUniform(1))(relu)
    pool = tf.keras.layers.GlobalAveragePooling2D(name="pool")(conv2)
    logits = tf.keras.layers.Dense(3, name="logits")(pool)
    if first_kernel is not None:
        conv.kernel.assign(first_kernel)
    return FeatureModel("tiny", tf.keras.Model(inp, {"conv": x, "relu": relu, "conv2": conv2, "pool": pool,
                                                     "logits": logits}),
                        {"conv": 4, "relu": 4, "conv2": 5, "pool": 5, "logits": 3}, classifier_layers=("logits",))


def test_feature_layer_is_the_one_before_the_classifier_or_the_familys(vgg19):
    assert activations.feature_layer(vgg19) == "pool5"            # conv weights only: its family's layer
    assert activations.feature_layer(tiny_net()) == "pool"        # walked back from the logits
    assert activations.feature_layer(tiny_net(), "conv2") == "conv2"
    # a keras: model (its logits found by from_keras): the Dense layer before them
    inp = tf.keras.Input((None, None, 3))
    x = tf.keras.layers.Conv2D(4, 3, name="c1")(inp)
    x = tf.keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = tf.keras.layers.Dense(6, activation="relu", name="fc")(x)
    net = models.from_keras(tf.keras.Model(inp, tf.keras.layers.Dense(3, activation="softmax", name="predictions")(x)),
                            preprocess="caffe")
    assert activations.feature_layer(net) == "fc" and net.input_channel_order == "BGR"
    headless = FeatureModel("headless", tiny_net().keras_model, {"conv": 4, "relu": 4})
    with pytest.raises(UserError, match="--layer"):
        activations.feature_layer(headless)


def test_filters_first_layer_rgb_and_higher_layer_gray(vgg19):
    first = filters.filters(vgg19)
    kernel = vgg19.keras_model.get_layer("conv1_1").kernel.numpy()
    assert first.rgb and first.layer == "conv1_1" and first.tiles.shape == (64, 3, 3, 3)
    t = first.tiles.reshape(64, -1)
    np.testing.assert_allclose(t.min(1), 0, atol=1e-6)
    np.testing.assert_allclose(t.max(1), 1, atol=1e-6)
    # VGG19 sees BGR (Caffe): the tile's red is the kernel's third input channel
    f = kernel[..., 7]
    np.testing.assert_allclose(first.tiles[7, ..., 0], (f[..., 2] - f.min()) / (f.max() - f.min()), atol=1e-5)
    high = filters.filters(vgg19, "conv2_1", max_filters=3, max_inputs=5)
    assert not high.rgb and high.tiles.shape == (3, 5, 3, 3, 1)
    sheet = filters.sheet(high, tile_pixels=6, pad=2)
    assert sheet.shape == (3 * 8 + 2, 5 * 8 + 2, 1)
    with pytest.raises(UserError, match="no convolution kernel"):
        filters.filters(vgg19, "relu1_1")
    # colour-agnostic kernels (the same pattern in R, G, B) are not colour-specific; random ones are
    grey = np.repeat(np.random.RandomState(0).randn(3, 3, 1, 4), 3, axis=2).astype(np.float32)
    assert filters.colour_share(filters.filters(tiny_net(grey))) == 0.0
    rgb = np.random.RandomState(0).randn(3, 3, 3, 4).astype(np.float32)
    assert filters.colour_share(filters.filters(tiny_net(rgb))) == 1.0


def test_activation_maps_one_scale_per_layer():
    model = tiny_net()
    image = np.random.RandomState(0).uniform(size=(12, 16, 3)).astype(np.float32)
    r = activation_maps.activation_maps(model, image, "relu")
    expect = model.activations(image[None], ["relu"])["relu"].numpy()[0]
    np.testing.assert_allclose(r.maps, expect, rtol=1e-6)
    assert r.maps.shape == (10, 14, 4) and r.scaled.min() >= 0 and r.scaled.max() == 1.0
    # one scale: the ratio between two channels' maps is kept where below the clip
    top = np.percentile(expect, 99.9)
    np.testing.assert_allclose(r.scaled, np.clip(expect / top, 0, 1), rtol=1e-5)
    assert r.active_share == pytest.approx(np.mean(expect > 0))
    assert r.silent_share == pytest.approx(np.mean(expect.reshape(-1, 4).max(0) <= 0))
    assert activation_maps.sheet(r, columns=2, pad=1).shape == (2 * 11 + 1, 2 * 15 + 1, 1)
    with pytest.raises(UserError, match="not a spatial map"):
        activation_maps.activation_maps(model, image, "logits")


def test_nearest_neighbors_and_bad_k():
    # 3 groups of 2 points in "feature" space; pixel space pairs them differently
    feats = np.array([[0, 0], [0, 0.1], [5, 5], [5, 5.1], [9, 0], [9, 0.1]], np.float32)
    pixels = np.array([[0], [9], [1], [8], [2], [7]], np.float32)
    r = nearest_neighbors.nearest_neighbors(feats, pixels, [0, 2, 4], k=1)
    assert r.feature.tolist() == [[1], [3], [5]] and r.pixel.tolist() == [[2], [0], [2]]
    assert nearest_neighbors.overlap(r) == 0.0
    with pytest.raises(UserError, match="larger than the collection"):
        nearest_neighbors.nearest_neighbors(feats, pixels, [0], k=6)
    with pytest.raises(UserError, match="query indices"):
        nearest_neighbors.nearest_neighbors(feats, pixels, [6], k=1)


def test_embedding_grid_is_one_to_one_and_keeps_layout():
    # points already on a 3x3 lattice land in the matching cells (top row = largest y)
    xs, ys = np.meshgrid(np.arange(3), np.arange(3))
    points = np.stack([xs.ravel(), ys.ravel()], -1).astype(float)
    cells, g = embedding.snap_to_grid(points)
    assert g == 3 and len({tuple(c) for c in cells}) == 9
    assert [tuple(c) for c in cells] == [(2 - y, x) for x, y in points.astype(int)]
    # two well-separated clusters in 10-D: both methods keep the neighbourhoods
    rng = np.random.RandomState(0)
    feats = np.concatenate([rng.randn(6, 10), rng.randn(6, 10) + 20])
    for method in embedding.METHODS:
        e = embedding.embedding(feats, method, seed=0)
        assert e.points.shape == (12, 2) and e.grid == 4 and e.trustworthiness > 0.9, method
        np.testing.assert_array_equal(embedding.embedding(feats, method, seed=0).points, e.points)
    with pytest.raises(UserError, match="at least 3"):
        embedding.embed(feats[:2])
    with pytest.raises(UserError, match="--method"):
        embedding.embed(feats, "umap")


def test_quick_demos_write_their_figures_and_reuse_the_cache(vgg19, tmp_path, monkeypatch):
    from lucid_repro import recipes
    monkeypatch.setenv(activations.CACHE_ENV, str(tmp_path / "cache"))
    out = {}
    for name in ("filters", "activation_maps", "nearest_neighbors"):
        paths = recipes.get(name).run_demo(vgg19, str(tmp_path / name), quick=True, progress=False)
        assert paths and all(os.path.isfile(p) for p in paths), name
        out[name] = json.load(open([p for p in paths if p.endswith(".json")][0]))
    # the embedding demo reads the activations the neighbours demo cached: the model never runs
    monkeypatch.setattr(activations, "_forward", lambda *a: pytest.fail("the network ran again"))
    paths = recipes.get("embedding").run_demo(vgg19, str(tmp_path / "embedding"), quick=True, progress=False)
    assert {os.path.basename(p) for p in paths} == {"embedding_pca.png", "embedding_tsne.png", "embedding.json"}
    nn = out["nearest_neighbors"]
    assert nn["images"] == 9 and nn["layer"] == "pool5"
    # a photo's mirrored/recoloured copies are found again in feature space at least as well as in pixels
    assert nn["same_source"]["feature"] >= nn["same_source"]["pixel"]
    rows = recipes.get("nearest_neighbors").numbers(str(tmp_path))
    assert rows and "—" not in rows[0][1]
