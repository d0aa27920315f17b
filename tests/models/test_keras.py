"""keras: models -- a user's Keras model as a FeatureModel (models.from_keras,
models.load("keras:PATH")). Every model is built here with weights=None (no download)
and, where a file is needed, saved under tmp_path."""
import logging

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro import models
from lucid_repro.errors import UserError
from lucid_repro.models import keras_model as km
from lucid_repro.optvis import attribution
from lucid_repro.recipes import adversarial, class_vis, feature_vis, saliency
from lucid_repro.recipes import style_transfer as st

keras = tf.keras
CLASSES = 10


def small_cnn(name="small_cnn"):
    """A classifier the way a user writes one: Sequential, Flatten head, Softmax layer."""
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Conv2D(8, 3, padding="same", name="conv1_1"),
        keras.layers.ReLU(name="relu1_1"),
        keras.layers.MaxPool2D(name="pool1"),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2_1"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(CLASSES, name="logits"),
        keras.layers.Softmax(name="probs"),
    ], name=name)


# keras.applications, one per family, tiny and untrained: (builder, a feature layer, size)
APPLICATIONS = {
    "mobilenetv2": (lambda: keras.applications.MobileNetV2(input_shape=(32, 32, 3), weights=None,
                                                           classes=CLASSES), "block_3_expand_relu", 32),
    "resnet50": (lambda: keras.applications.ResNet50(input_shape=(32, 32, 3), weights=None,
                                                     classes=CLASSES), "conv2_block1_out", 32),
    "inception_v3": (lambda: keras.applications.InceptionV3(input_shape=(75, 75, 3), weights=None,
                                                            classes=CLASSES), "mixed0", 80),
}


@pytest.fixture(scope="module", params=sorted(APPLICATIONS))
def application(request):
    build, layer, size = APPLICATIONS[request.param]
    keras.utils.set_random_seed(0)
    net = build()
    return request.param, models.from_keras(net, preprocess=km.family_preprocessing(net.name)[0]), layer, size


def _photo(size, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 0.8, (size, size, 3)).astype(np.float32)


# ---------------------------------------------------------------- layers, logits, preprocessing

def test_layers_and_logits_of_a_sequential_classifier():
    m = models.from_keras(small_cnn(), preprocess="none")
    assert m.layer_names[:4] == ["conv1_1", "relu1_1", "pool1", "conv2_1"]
    assert m.classifier_layers == ("logits",)      # the Dense feeding the Softmax layer
    assert m.layer_depth("conv2_1") == 16 and m.layer_depth("logits") == CLASSES
    assert m.check_channel("conv1_1", 7) == 7
    with pytest.raises(UserError, match="out of range"):
        m.check_channel("conv1_1", 8)
    with pytest.raises(UserError, match="unknown layer 'conv9'"):
        m.check_layer("conv9")
    # a Flatten head runs at its own size only: other sizes are resized to it
    assert m.info["input_size"] == [32, 32]
    acts = m.activations(tf.zeros((1, 48, 40, 3)), ["logits", "conv1_1"])
    assert acts["logits"].shape == (1, CLASSES) and acts["conv1_1"].shape == (1, 32, 32, 8)


def test_same_function_as_the_keras_model():
    net = small_cnn()
    m = models.from_keras(net, preprocess="none")
    x = _photo(32)[None]
    probs = net(x).numpy()
    logits = m.activations(tf.constant(x), ["logits"])["logits"].numpy()
    np.testing.assert_allclose(tf.nn.softmax(logits).numpy(), probs, rtol=1e-5, atol=1e-6)


def test_dense_softmax_is_split_into_its_pre_activation(application):
    name, m, layer, size = application
    assert m.classifier_layers == ("predictions_logits",)
    assert "predictions" in m.layer_names and m.layer_depth("predictions_logits") == CLASSES
    x = tf.constant(_photo(size)[None])
    acts = m.activations(x, ["predictions", "predictions_logits"])
    np.testing.assert_allclose(tf.nn.softmax(acts["predictions_logits"]).numpy(), acts["predictions"].numpy(),
                               rtol=1e-4, atol=1e-6)
    assert m.info["input_size"] is None      # global pooling: any size runs as is


@pytest.mark.parametrize("preset,expected", [
    ("caffe", lambda x: x[..., ::-1] * 255 - np.array(km.CAFFE_BGR_MEAN)),
    ("tf", lambda x: 2 * x - 1),
    ("torch", lambda x: (x - np.array(km.IMAGENET_MEAN)) / np.array(km.IMAGENET_STD)),
    ("none", lambda x: x),
])
def test_preprocessing_presets(preset, expected):
    x = _photo(4)[None]
    fn, record = km.resolve_preprocessing("mine", preset)
    np.testing.assert_allclose(fn(tf.constant(x)).numpy(), expected(x), rtol=1e-5, atol=1e-4)
    assert record["preprocess"] == preset and not record["preprocess_guessed"]


def test_callable_preprocessing_gets_input_range():
    fn, record = km.resolve_preprocessing("mine", lambda x: x - 100.0, input_range=(0, 255))
    np.testing.assert_allclose(fn(tf.ones((1, 2, 2, 3))).numpy(), 155.0)
    assert record["input_range"] == [0.0, 255.0]
    with pytest.raises(UserError, match="input_range applies"):
        km.resolve_preprocessing("mine", "caffe", input_range=(0, 255))
    with pytest.raises(UserError, match="unknown preprocessing"):
        km.resolve_preprocessing("mine", "bgr")


@pytest.mark.parametrize("name,family", [
    ("vgg16", "caffe"), ("resnet50", "caffe"), ("resnet101v2", "tf"), ("inception_v3", "tf"),
    ("mobilenetv2_1.00_224", "tf"), ("xception", "tf"), ("densenet121", "torch"),
    ("efficientnetb0", "none"), ("my_net", None)])
def test_families(name, family):
    got = km.family_preprocessing(name)
    assert (got[0] if got else None) == family


def test_missing_or_wrong_preprocessing_warns_one_line(caplog):
    with caplog.at_level(logging.WARNING, logger=km.__name__):
        _, record = km.resolve_preprocessing("resnet50", None)
        assert record["preprocess"] == "caffe" and record["preprocess_guessed"]
        km.resolve_preprocessing("inception_v3", "caffe")
        km.resolve_preprocessing("inception_v3", "tf")          # right: no warning
        km.resolve_preprocessing("my_net", None)                # unknown: nothing to say
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and all("\n" not in m for m in messages)
    assert "'caffe'" in messages[0] and "expects preprocess='tf'" in messages[1]


def test_logits_layer_by_name_and_errors():
    m = models.from_keras(small_cnn(), preprocess="none", logits_layer="logits", layers=["conv1_1"])
    assert m.layer_names == ["conv1_1", "logits"] and m.classifier_layers == ("logits",)
    with pytest.raises(UserError, match="not \\[batch, classes\\]"):
        models.from_keras(small_cnn(), preprocess="none", logits_layer="conv1_1")
    with pytest.raises(UserError, match="unknown layer 'nope'"):
        models.from_keras(small_cnn(), preprocess="none", layers=["nope"])
    with pytest.raises(UserError, match="class 10 out of range"):
        attribution.class_score(m, 10)


@pytest.mark.parametrize("form", ["functional", "sequential"])
def test_nested_application_is_walked_into(form):
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), weights=None, include_top=False,
                                          alpha=0.35)
    gap = keras.layers.GlobalAveragePooling2D(name="gap")
    head = keras.layers.Dense(3, activation="softmax", name="head")
    if form == "functional":     # the transfer-learning idiom: base(x, training=False)
        inp = keras.Input((32, 32, 3))
        net = keras.Model(inp, head(gap(base(inp, training=False))), name="transfer")
    else:
        net = keras.Sequential([keras.Input((32, 32, 3)), base, gap, head], name="transfer")
    m = models.from_keras(net, preprocess="tf")
    assert "block_1_expand_relu" in m.layer_names and "gap" in m.layer_names
    assert m.classifier_layers == ("head_logits",)
    x = tf.constant(_photo(32)[None])
    np.testing.assert_allclose(m.activations(x, ["head"])["head"].numpy(), net(x * 2 - 1).numpy(),
                               rtol=1e-4, atol=1e-5)


def test_too_small_image_is_one_line():
    net = keras.applications.InceptionV3(input_shape=(75, 75, 3), weights=None, classes=CLASSES)
    m = models.from_keras(net, preprocess="tf")
    with pytest.raises(UserError, match="built for 75x75"):
        m.activations(tf.zeros((1, 32, 32, 3)), ["predictions_logits"])


# ---------------------------------------------------------------- files

def test_keras_file_round_trip(tmp_path):
    path = tmp_path / "cnn.keras"
    small_cnn().save(path)
    m = models.load(f"keras:{path}", preprocess="none")
    assert m.classifier_layers == ("logits",) and m.info["source"] == f"keras:{path}"
    h5 = tmp_path / "cnn.h5"
    small_cnn().save(h5)
    assert models.load(f"keras:{h5}", preprocess="none").classifier_layers == ("logits",)


def test_lambda_needs_unsafe_deserialization(tmp_path):
    inp = keras.Input((8, 8, 3))
    out = keras.layers.Conv2D(2, 3, name="conv")(keras.layers.Lambda(lambda t: t * 2.0, name="double")(inp))
    path = tmp_path / "lambda.keras"
    keras.Model(inp, out).save(path)
    with pytest.raises(UserError, match="--unsafe_deserialization") as e:
        models.load(f"keras:{path}")
    assert "\n" not in str(e.value) and "safe mode" in str(e.value)
    m = models.load(f"keras:{path}", safe_mode=False, preprocess="none")
    assert m.layer_names == ["double", "conv"]


@pytest.mark.parametrize("content,needle", [
    (None, "not found"), (b"not a zip", "cannot load Keras model"), ("dir", "not a SavedModel"),
    ("txt", ".keras or .h5")])
def test_bad_files_are_one_line(tmp_path, content, needle):
    path = tmp_path / ("model.txt" if content == "txt" else "model.keras")
    if content == "dir":
        path.mkdir()
    elif content == "txt":
        path.write_text("x")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=needle) as e:
        models.load(f"keras:{path}")
    assert "\n" not in str(e.value)


def test_custom_objects_only_from_a_named_module(tmp_path):
    with pytest.raises(UserError, match="cannot import"):
        km.parse_custom_objects("no_such_module_xyz:Layer")
    with pytest.raises(UserError, match="module:attr"):
        km.parse_custom_objects("justaname")
    assert km.parse_custom_objects("keras.layers:Conv2D") == {"Conv2D": keras.layers.Conv2D}


def test_saved_model_directory(tmp_path):
    path = tmp_path / "exported"
    small_cnn().export(str(path), verbose=False)
    m = models.load(f"keras:{path}", preprocess="none")
    # a SavedModel is opaque: its signature's outputs are the layers; probabilities get a log
    assert m.classifier_layers == ("output_0_log",) and m.info["input_size"] == [32, 32]
    acts = m.activations(tf.constant(_photo(40)[None]), ["output_0", "output_0_log"])
    np.testing.assert_allclose(np.exp(acts["output_0_log"].numpy()), acts["output_0"].numpy(), rtol=1e-4)


# ---------------------------------------------------------------- every technique, three families

def test_every_technique_runs(application):
    name, m, layer, size = application
    obj = f"{layer}:{m.layer_depth(layer) - 1}"
    fv = feature_vis.visualize(m, obj, size=size, steps=2, progress=False)
    assert fv.images[-1].shape == (1, size, size, 3) and np.isfinite(fv.losses).all()

    config = st.style_config(m, style_layers=[layer], content_layers=[layer], batch_mode="fixed")
    tr = st.transfer(m, _photo(size), _photo(size, 1), config, steps=2, progress=False)
    assert tr.image.shape == (size, size, 3) and np.isfinite(tr.final["total"])

    cv = class_vis.visualize(m, attribution.class_score(m, 3), "fft", size=size, steps=2, progress=False)
    assert cv.images[-1].shape == (1, size, size, 3)

    sal = saliency.compute(m, _photo(size), "vanilla", class_index=3)
    assert sal.map.shape == (size, size) and np.isfinite(sal.map).all() and sal.map.max() > 0

    fool = adversarial.fool(m, _photo(size), 3, max_steps=2, progress=False)
    assert fool.linf <= adversarial.EPSILON + 1e-6 and fool.steps <= 2
