"""--model=keras:PATH through the scripts' entry points: a small CNN saved to .keras and
exported as a SavedModel directory under tmp_path (no download)."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from script_checks import assert_refused, run_script

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# the checkout under test, whatever copy of the package is installed
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _run(script, args, cwd):
    return run_script(script, ["--noprogress"] + args, cwd, env=ENV)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from tests.models.test_keras import small_cnn
    tf.keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("keras_models")
    net = small_cnn()
    net.save(folder / "cnn.keras")
    net.export(str(folder / "cnn_savedmodel"), verbose=False)
    return folder


def test_feature_vis_on_a_keras_file(saved, tmp_path):
    out = tmp_path / "fv.png"
    r = _run("feature_vis", [f"--model=keras:{saved / 'cnn.keras'}", "--preprocess=none", "--objective=conv2_1:3",
                             "--size=32", "--steps=2", f"--output={out}"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "preprocess=none" in r.stdout and "logits=logits" in r.stdout
    assert np.asarray(Image.open(out)).shape == (32, 32, 3)


def test_style_transfer_records_the_preprocessing(saved, tmp_path):
    out = tmp_path / "st.png"
    r = _run("style_transfer", [f"--model=keras:{saved / 'cnn.keras'}", "--preprocess=torch",
                                "--style_layers=relu1_1,conv2_1", "--content_layers=conv2_1", "--param=pixel",
                                "--batch_mode=fixed", "--size=32", "--steps=2", f"--output={out}"], tmp_path)
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "st.json").read_text())
    info = record["model_info"]
    assert info["preprocess"] == "torch" and not info["preprocess_guessed"]
    assert info["logits_layer"] == "logits" and info["source"].endswith("cnn.keras")


def test_class_vis_saliency_adversarial_on_a_saved_model_dir(saved, tmp_path):
    model = f"--model=keras:{saved / 'cnn_savedmodel'}"
    r = _run("class_vis", [model, "--preprocess=none", "--class=3", "--method=fft", "--size=32", "--steps=2",
                           f"--output={tmp_path / 'cv.png'}"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "logits=output_0_log" in r.stdout
    img = tmp_path / "img.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 40, 3), np.uint8)).save(img)
    r = _run("saliency", [model, "--preprocess=none", f"--image={img}", "--class=3", "--size=40",
                          f"--output={tmp_path / 'sal.png'}"], tmp_path)
    assert r.returncode == 0, r.stderr
    r = _run("adversarial", [f"--model=keras:{saved / 'cnn.keras'}", "--preprocess=none", f"--image={img}",
                             "--target=3", "--steps=2", "--size=40", f"--output={tmp_path / 'adv.png'}"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "adv.png").exists()


def test_unknown_layer_is_refused(saved, tmp_path):
    out = tmp_path / "x.png"
    r = _run("feature_vis", [f"--model=keras:{saved / 'cnn.keras'}", "--preprocess=none", "--objective=conv9_9:1",
                             "--size=16", "--steps=1", f"--output={out}"], tmp_path)
    assert_refused(r, "unknown layer 'conv9_9'", tmp_path, out)


def test_malformed_file_is_refused(tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a zip archive")
    out = tmp_path / "x.png"
    r = _run("feature_vis", [f"--model=keras:{bad}", "--objective=conv1_1:1", "--size=16", "--steps=1",
                             f"--output={out}"], tmp_path)
    assert_refused(r, "cannot load Keras model", tmp_path, out)


def test_lambda_file_is_refused_with_how_to(tmp_path):
    inp = tf.keras.Input((8, 8, 3))
    x = tf.keras.layers.Lambda(lambda t: t * 2.0, name="double")(inp)
    path = tmp_path / "lambda.keras"
    tf.keras.Model(inp, tf.keras.layers.Conv2D(2, 3, name="conv")(x)).save(path)
    out = tmp_path / "x.png"
    r = _run("feature_vis", [f"--model=keras:{path}", "--objective=conv:1", "--size=16", "--steps=1",
                             f"--output={out}"], tmp_path)
    assert_refused(r, "--unsafe_deserialization", tmp_path, out)


def test_a_guessed_preprocessing_warns_on_stdout_and_errors_stay_one_line(tmp_path):
    # a model named like a keras.applications family, no --preprocess: the guess is a
    # warning on stdout; the refusal of the unknown layer is still the only stderr line
    inp = tf.keras.Input((16, 16, 3))
    path = tmp_path / "vgg16.keras"
    tf.keras.Model(inp, tf.keras.layers.Conv2D(2, 3, name="block1_conv1")(inp), name="vgg16").save(path)
    out = tmp_path / "x.png"
    r = _run("feature_vis", [f"--model=keras:{path}", "--objective=conv9_9:1", "--size=16", "--steps=1",
                             f"--output={out}"], tmp_path)
    assert_refused(r, "unknown layer 'conv9_9'", tmp_path, out)
    assert "warning: no preprocessing given for vgg16" in r.stdout, r.stdout
