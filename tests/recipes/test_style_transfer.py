"""Style transfer recipe and script (VGG19 at 32 px, InceptionV1 with random weights)."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro import assets
from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel
from lucid_repro.optvis import style
from lucid_repro.recipes.style_transfer import format_summary, summary
from lucid_repro.recipes import style_transfer as st
from script_checks import assert_refused, run_script
from regression import check_regression, nudge, regression



@pytest.fixture(scope="module")
def images():
    content = nudge(assets.load("zurich", "content", max_side=32), "zurich")
    h, w = content.shape[:2]
    return content, nudge(st.fit_style(assets.load("starry_night", "styles"), h, w), "starry_night")


def toy_model():
    """'id' = the input itself, 'sq' = its square: gradients known in closed form."""
    inp = tf.keras.Input((None, None, 3))
    out = {"id": tf.keras.layers.Lambda(lambda x: x * 1.0, name="id")(inp),
           "sq": tf.keras.layers.Lambda(lambda x: x * x, name="sq")(inp)}
    return FeatureModel("toy", tf.keras.Model(inp, out), {"id": 3, "sq": 3})


def test_packaged_images_and_resolution(tmp_path):
    assert {"starry_night", "the_scream"} <= set(assets.available_images("styles"))
    assert {"zurich", "bridge"} <= set(assets.available_images("content"))
    img = assets.load("the_scream", "styles")
    assert img.ndim == 3 and max(img.shape[:2]) <= 512
    # a name matches the file's stem, with or without extension, in the package first
    packaged = os.path.join(assets.PACKAGE_DATA_DIR, "styles", "starry_night.jpg")
    assert assets.resolve_image("starry_night", "styles") == packaged
    assert assets.resolve_image("starry_night.jpg", "styles") == packaged
    assert assets.find_image("bridge.jpg", "content") == os.path.join(assets.PACKAGE_DATA_DIR, "content",
                                                                       "bridge.jpg")
    with pytest.raises(UserError, match="image not found"):
        assets.resolve_image("no_such_painting", "styles")
    with pytest.raises(UserError, match="image not found"):
        assets.load(str(tmp_path / "missing.jpg"), "styles")
    with pytest.raises(UserError, match="image not found"):
        assets.load(str(tmp_path / "starry_night.jpg"), "styles")   # a path is never matched by name
    with pytest.raises(UserError, match="not found"):
        assets.find_image("no_such_photo.jpg", "content")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(UserError, match="cannot read image"):
        assets.load(str(bad), "styles")


def test_fit_style_covers_content():
    s = np.zeros((100, 40, 3), np.float32)
    out = st.fit_style(s, 30, 60)
    assert out.shape[0] >= 30 and out.shape[1] >= 60


def test_style_configs(vgg19):
    lucid = st.STYLE_CONFIGS["inception_v1"]  # Lucid's style_transfer_2d notebook
    assert lucid.style_layers == ("conv2d2", "mixed3a", "mixed4a", "mixed4b", "mixed4c")
    assert lucid.content_layers == ("mixed3b",) and lucid.content_weight == 100.0
    assert lucid.style_loss == lucid.content_loss == "mean_l1" and lucid.batch_mode == "lucid"
    assert lucid.param == "fft"
    he = st.STYLE_CONFIGS["ranvgg19"]
    assert he.content_layers == ("relu2_2",) and he.weighting == "omega"
    assert (he.content_weight, he.style_weight, he.tv_weight) == (100.0, 1.0, 1000.0)
    p = st.style_config(vgg19, content_weight=5.0, style_layers="relu1_1,relu2_1")
    assert p.style_layers == ("relu1_1", "relu2_1") and p.content_weight == 5.0
    with pytest.raises(UserError, match="unknown layer"):
        st.style_config(vgg19, style_layers="nope")
    with pytest.raises(UserError, match="must be >= 0"):
        st.style_config(vgg19, tv_weight=-1.0)
    with pytest.raises(UserError, match="no style-transfer preset"):
        st.style_config(toy_model())


def test_auto_weights_closed_form():
    # d mean(x) / dx = 1/N everywhere -> omega = N; d 0.5*sum(x^2) / dx = x -> omega = 1/mean|x|
    x = np.random.RandomState(0).uniform(0.1, 1.0, (1, 4, 5, 3)).astype(np.float32)
    terms = {"mean": (["id"], lambda a: tf.reduce_mean(a["id"])),
             "half_sq": (["sq"], lambda a: 0.5 * tf.reduce_sum(a["sq"])),
             "scaled": (["id"], lambda a: 7.0 * tf.reduce_mean(a["id"]))}
    w = style.auto_weights(toy_model(), terms, x)
    assert np.isclose(w["mean"], x.size, rtol=1e-5)
    assert np.isclose(w["half_sq"], 1.0 / np.mean(x), rtol=1e-5)
    assert np.isclose(w["scaled"], w["mean"] / 7.0, rtol=1e-5)
    with pytest.raises(UserError, match="no gradient"):
        style.auto_weights(toy_model(), {"const": (["id"], lambda a: tf.constant(1.0))}, x)


def test_loss_maths(vgg19, images):
    content, style_image = images
    p = st.style_config(vgg19, weighting="relative")
    loss = style.StyleContentLoss(vgg19, content, style_image, p)
    at_content = loss.evaluate(content)
    assert at_content["content_loss"] == 0.0 and at_content["style_loss"] > 0
    # relative weighting: 1 / mean(target^2) for the squared distance
    l = p.style_layers[0]
    assert np.isclose(loss.omega[f"style/{l}"], 1.0 / np.mean(loss.style_grams[l] ** 2), rtol=1e-5)
    # style loss of the style image itself is zero (same image, same Grams)
    same = style.StyleContentLoss(vgg19, style_image, style_image, p)
    assert abs(same.evaluate(style_image)["style_loss"]) < 1e-6
    # the raw Gram term is the mean squared Gram difference (Gatys' E_l times 4)
    acts = vgg19.activations(tf.constant(content[None]), [l])[l].numpy()[0]
    f = acts.reshape(-1, acts.shape[-1])
    gram = f.T @ f / f.shape[0]
    expected = np.mean((gram - loss.style_grams[l]) ** 2)
    assert np.isclose(at_content["raw"][f"style/{l}"], expected, rtol=1e-4)


def test_batch_param_crops_style():
    inner_var = tf.Variable(np.zeros((1, 4, 6, 3), np.float32))
    from lucid_repro.optvis import param
    inner = param.Param(lambda **_: tf.identity(inner_var), [inner_var])
    content = np.full((4, 6, 3), 0.25, np.float32)
    style_image = np.arange(8 * 9 * 3, dtype=np.float32).reshape(8, 9, 3)
    p = st.batch_param(inner, content, style_image)
    out = p(offset=tf.constant([2, 3], tf.int32)).numpy()
    assert out.shape == (3, 4, 6, 3)
    np.testing.assert_array_equal(out[1], content)
    np.testing.assert_array_equal(out[2], style_image[2:6, 3:9])
    offsets = st.crop_inputs(style_image.shape, 4, 6)(0, np.random.RandomState(0))["offset"]
    assert 0 <= offsets[0] <= 4 and 0 <= offsets[1] <= 3
    assert st.batch_param(inner, content)().shape == (2, 4, 6, 3)


@regression
def test_transfer_regression(vgg19, images):
    content, style_image = images
    r = st.transfer(vgg19, content, style_image, steps=6, seed=0, progress=False)
    assert r.image.shape == content.shape and r.param_kind == "pixel"
    assert r.losses[-1] < r.losses[0]
    # 32 px, 6 Adam steps on pixels, seed 0, no transforms;
    # tolerance: tests/reference/README.md (spread measured across CPU kernel paths)
    check_regression("style_transfer_vgg19_pixel", r.image)


def test_compare_params_and_summary(vgg19, images):
    content, style_image = images
    results = st.compare_params(vgg19, content, style_image, steps=3, progress=False)
    assert set(results) == {"fft", "pixel"}
    record = summary(results, "vgg19", st.style_config(vgg19))
    json.dumps(record)
    assert record["results"]["fft"]["content_loss"] > 0 and "style/relu1_1" in record["weights"]
    assert "fft" in format_summary(record)


def test_inception_v1_mechanics():
    """Lucid's GoogLeNet setup ([generated, content, style crop] + transforms) runs on
    InceptionV1 built with random weights (no download)."""
    from lucid_repro.models import inception_v1 as iv
    model = FeatureModel("inception_v1", iv.build_keras_inception_v1(), iv.layer_depths(),
                         classifier_layers=iv.CLASSIFIER_LAYERS)
    content = np.random.RandomState(0).rand(48, 64, 3).astype(np.float32)
    style_image = st.fit_style(np.random.RandomState(1).rand(80, 80, 3).astype(np.float32), 48, 64)
    r = st.transfer(model, content, style_image, steps=2, seed=0, progress=False)
    assert r.param_kind == "fft" and r.image.shape == (48, 64, 3)
    assert set(r.weights) == {"style/conv2d2", "style/mixed3a", "style/mixed4a", "style/mixed4b",
                              "style/mixed4c", "content/mixed3b"}
    assert r.weights["content/mixed3b"] == 100.0 and np.isfinite(r.final["total"])


def _run(args, tmp_path):
    return run_script("style_transfer", ["--noprogress"] + args, tmp_path)


def test_script_compares_params(tmp_path):
    out = tmp_path / "st.png"
    r = _run(["--size=32", "--steps=2", "--param=both", "--content=bridge", f"--output={out}"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert out.exists() and (tmp_path / "st_pixel.png").exists() and (tmp_path / "st_fft.png").exists()
    record = json.loads((tmp_path / "st.json").read_text())
    assert set(record["results"]) == {"pixel", "fft"} and record["steps"] == 2
    assert "content" in r.stdout and "style" in r.stdout


@pytest.mark.parametrize("args,needle", [
    (["--content=/nonexistent/photo.jpg"], "image not found"),
    (["--style=CORRUPT"], "cannot read image"),
    (["--style_layers=relu1_1,nolayer"], "unknown layer"),
])
def test_script_bad_input(tmp_path, args, needle):
    out = tmp_path / "x.png"
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8 definitely not a jpeg")
    args = [a.replace("CORRUPT", str(corrupt)) for a in args]
    r = _run(["--steps=1", "--size=16", f"--output={out}"] + args, tmp_path)
    assert_refused(r, needle, tmp_path, out, tmp_path / "x.json")
