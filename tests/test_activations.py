"""The activation pass over a collection (issue 26): streamed in batches into a cached
.npy, pooled or spatial, and computed once: a second call does not run the model."""
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from lucid_repro import activations
from lucid_repro.collection import ImageCollection
from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel


def tiny_model(seed=0, name="tiny"):
    inp = tf.keras.Input((None, None, 3))
    conv = tf.keras.layers.Conv2D(6, 3, strides=2, name="conv",
                                  kernel_initializer=tf.keras.initializers.GlorotUniform(seed=seed))(inp)
    relu = tf.keras.layers.ReLU(name="relu")(conv)
    pool = tf.keras.layers.GlobalAveragePooling2D(name="pool")(relu)
    dense = tf.keras.layers.Dense(4, name="logits")(pool)
    return FeatureModel(name, tf.keras.Model(inp, {"conv": conv, "relu": relu, "logits": dense}),
                        {"conv": 6, "relu": 6, "logits": 4}, classifier_layers=("logits",))


@pytest.fixture
def photos(tmp_path):
    d = tmp_path / "photos"
    d.mkdir()
    rng = np.random.RandomState(0)
    for i in range(5):
        Image.fromarray(rng.randint(0, 256, (20 + i, 24, 3), np.uint8)).save(d / f"{i}.png")
    return ImageCollection.from_dir(d)


def test_computed_once_then_read_from_the_cache(photos, tmp_path, monkeypatch):
    model, cache = tiny_model(), str(tmp_path / "cache")
    calls = []
    real = activations._forward

    def counting(*args):
        f = real(*args)
        return lambda x: calls.append(len(x)) or f(x)
    monkeypatch.setattr(activations, "_forward", counting)
    feats = activations.layer_activations(model, "relu", photos, size=16, batch_size=2, cache_dir=cache,
                                          progress=False)
    assert calls == [2, 2, 1] and feats.shape == (5, 6) and feats.dtype == np.float32
    # by hand: the mean over space of relu on the centre-cropped images
    x = np.stack([photos.load(i, 16) for i in range(5)])
    expect = tf.reduce_mean(model.activations(x, ["relu"])["relu"], axis=[1, 2]).numpy()
    np.testing.assert_allclose(feats, expect, rtol=1e-5, atol=1e-6)
    path = activations.cache_path(model, "relu", photos, size=16, cache_dir=cache)
    assert os.path.isfile(path) and os.path.isfile(path[:-4] + ".json")
    # the second call does not run the model at all
    monkeypatch.setattr(activations, "_forward", lambda *a: pytest.fail("the model ran again"))
    again = activations.layer_activations(model, "relu", photos, size=16, batch_size=2, cache_dir=cache,
                                          progress=False)
    np.testing.assert_array_equal(again, feats)
    monkeypatch.setattr(activations, "_forward", counting)
    # spatial maps: a read-only memory map whose spatial mean is the pooled array
    maps = activations.layer_activations(model, "relu", photos, size=16, pooled=False, cache_dir=cache,
                                         progress=False)
    assert isinstance(maps, np.memmap) and maps.shape == (5, 7, 7, 6) and not maps.flags.writeable
    np.testing.assert_allclose(maps.mean(axis=(1, 2)), feats, rtol=1e-5, atol=1e-6)
    # a different key runs again: other weights, size, or files
    calls.clear()
    activations.layer_activations(tiny_model(seed=1), "relu", photos, size=16, cache_dir=cache, progress=False)
    activations.layer_activations(model, "relu", photos, size=12, cache_dir=cache, progress=False)
    os.utime(photos.paths[0], ns=(0, 10 ** 18))
    activations.layer_activations(model, "relu", photos, size=16, cache_dir=cache, progress=False)
    assert len(calls) == 3
    # nothing but complete entries in the cache folder (no temp files)
    assert not [f for f in os.listdir(os.path.dirname(path)) if f.startswith(".tmp")]


def test_cache_dir_from_the_environment_and_bad_arguments(photos, tmp_path, monkeypatch):
    monkeypatch.setenv(activations.CACHE_ENV, str(tmp_path / "env"))
    assert activations.cache_root() == str(tmp_path / "env" / "activations")
    model = tiny_model()
    dense = activations.layer_activations(model, "logits", photos, size=8, progress=False)
    assert dense.shape == (5, 4) and os.listdir(tmp_path / "env" / "activations")
    with pytest.raises(UserError, match="unknown layer"):
        activations.layer_activations(model, "nope", photos, progress=False)
    with pytest.raises(UserError, match="must be positive"):
        activations.layer_activations(model, "relu", photos, size=0, progress=False)
