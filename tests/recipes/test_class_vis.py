"""Class visualization: mechanics on a tiny classifier and on InceptionV1's architecture
with random weights (no trained classifier is available offline), the projection/blur
operator, VGG19's refusal, the script."""
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel
from lucid_repro.optvis import objectives, render
from lucid_repro.recipes import class_vis
from lucid_repro.optvis.param import box_pixel_image
from regression import check_regression, regression
from script_checks import run_script



def tiny_classifier(classes=5, seed=1, width=16):
    """conv(3x3, width) -> ReLU -> global mean -> dense(classes): a FeatureModel with a
    classifier head, seeded (seed 1: the bridge photo's runner-up class can win)."""
    init = lambda s: tf.keras.initializers.GlorotUniform(seed=s)  # noqa: E731
    inp = tf.keras.Input((None, None, 3))
    pre = tf.keras.layers.Conv2D(width, 3, padding="same", name="conv", kernel_initializer=init(seed),
                                 bias_initializer=tf.keras.initializers.Constant(0.05))(inp)
    post = tf.keras.layers.ReLU(name="relu")(pre)
    pooled = tf.keras.layers.GlobalAveragePooling2D(name="pool")(post)
    logits = tf.keras.layers.Dense(classes, name="logits", kernel_initializer=init(seed + 1))(pooled)
    keras_model = tf.keras.Model(inp, {"conv": pre, "relu": post, "logits": logits})
    return FeatureModel("tiny", keras_model, {"conv": width, "relu": width, "logits": classes},
                        classifier_layers=("logits",))


@pytest.fixture(scope="module")
def random_inception():
    from lucid_repro.models import inception_v1 as iv
    tf.random.set_seed(0)  # (tf.keras.utils.set_random_seed would also reseed Python's random)
    return FeatureModel("inception_v1", iv.build_keras_inception_v1(), iv.layer_depths(),
                        classifier_layers=iv.CLASSIFIER_LAYERS)


def _logit(model, image, n, layer="logits"):
    return float(model.activations(tf.constant(image), [layer])[layer][0, n])


def test_yosinski_and_fft_raise_the_class_logit():
    # mechanics only: without L2 decay and blur (which trade logit for a natural-looking
    # image) the logit must rise from the first snapshot to the last
    model = tiny_classifier()
    for method in class_vis.METHODS:
        r = class_vis.class_visualization(model, 2, method, size=24, steps=12, progress=False,
                                          thresholds=(1, 12), l2_reg=0, blur_every=0)
        first, last = r.images
        assert last.shape == (1, 24, 24, 3) and 0.0 <= last.min() and last.max() <= 1.0
        assert _logit(model, last, 2) > _logit(model, first, 2), method


def test_inception_v1_random_weights_mechanics(random_inception):
    # InceptionV1's logits only exist at 224x224: the jitter keeps the size; a smaller
    # parameterization goes through fit_to(224).
    assert class_vis.input_size_for(random_inception, ["softmax2_pre_activation"]) == (224, 224)
    assert class_vis.input_size_for(random_inception, ["mixed4c"]) is None
    r = class_vis.class_visualization(random_inception, 7, "yosinski", size=224, steps=3, l2_reg=0,
                                      blur_every=0, progress=False, thresholds=(0, 3))
    layer = "softmax2_pre_activation"
    assert _logit(random_inception, r.images[1], 7, layer) > _logit(random_inception, r.images[0], 7, layer)
    r = class_vis.class_visualization(random_inception, 7, "fft", size=64, steps=1, progress=False)
    assert r.images[-1].shape == (1, 64, 64, 3)
    with pytest.raises(UserError, match="out of range"):
        class_vis.class_visualization(random_inception, 1008, progress=False)


def test_projection_clips_and_blurs_every_n_steps():
    calls = tf.Variable(0)

    def operator(x):
        calls.assign_add(1)
        return x * 0.0 + 0.25  # recognizable
    p = box_pixel_image(np.full((1, 4, 4, 3), 0.5, np.float32), 0.0, 1.0, operator=operator, every=3)
    up = objectives.Objective(lambda T: tf.reduce_sum(T("input")), ["input"])
    r = render.render(None, up, param_f=p, optimizer=tf.keras.optimizers.SGD(1.0), transforms=[],
                      thresholds=(1, 2, 3, 4), progress=False, seed=0)
    # steps 1, 2: clipped to 1; step 3: operator; step 4: 0.25 + 1 clipped to 1 again
    np.testing.assert_allclose([im.max() for im in r.images], [1.0, 1.0, 0.25, 1.0])
    assert int(calls.numpy()) == 1
    assert len(p.trainable_variables) == 1


def test_gaussian_blur_matches_scipy_kernel():
    x = np.zeros((1, 9, 9, 1), np.float32)
    x[0, 4, 4, 0] = 1.0
    out = class_vis.gaussian_blur(tf.constant(x), 0.5).numpy()[0, :, :, 0]
    k = np.exp(-0.5 * (np.arange(-2, 3) / 0.5) ** 2)
    k /= k.sum()
    np.testing.assert_allclose(out[2:7, 2:7], np.outer(k, k), atol=1e-6)
    assert np.isclose(out.sum(), 1.0)


def test_vgg19_is_refused_in_one_line(vgg19):
    with pytest.raises(UserError, match="no classifier head") as e:
        class_vis.class_visualization(vgg19, 1, progress=False)
    assert "\n" not in str(e.value)


@regression
def test_regression_yosinski_on_a_vgg19_channel(vgg19):
    # The same regularized pixel ascent on a channel (VGG19 has no classes): 32 px, seed 0,
    # jitter, clip, and the blur at step 2. Two steps only: each step moves the image by a
    # fixed L2 length along the normalized gradient, and where jitter and max pooling
    # reroute the gradient a 1e-6 nudge of the start moves the image by 0.003 after one
    # step and by 0.1-0.3 after five (tests/reference/README.md).
    r = class_vis.visualize(vgg19, "conv4_2:17", "yosinski", size=32, steps=2, blur_every=2,
                            progress=False, seed=0)
    img = r.images[-1]
    assert 0.0 <= img.min() and img.max() <= 1.0
    check_regression("class_vis_yosinski_vgg19_conv4_2_17", img)


def test_demo_skips_without_classifier(vgg19, tmp_path):
    if class_vis.classifier_for_demo(vgg19)[0] is not None:
        pytest.skip("InceptionV1 weights are cached here")
    from lucid_repro.declaration import SectionSkipped
    with pytest.raises(SectionSkipped, match="no classifier head"):
        class_vis.demo(vgg19, str(tmp_path), quick=True, progress=False)
    assert not os.listdir(tmp_path)


def _run(args, tmp_path):
    return run_script("class_vis", ["--noprogress"] + args, tmp_path)


@pytest.mark.parametrize("args,needle", [
    (["--model=vgg19", "--class=1"], "no classifier head"),
    (["--model=vgg19"], "--class is required"),
    (["--model=vgg19", "--class=1", "--size=0"], "--size must be positive"),
    (["--model=vgg19", "--class=1", "--method=deconv"], "method"),
    (["--model=vgg19", "--class=1", "--blur_sigma=-1"], "non-negative"),
])
def test_script_bad_input_one_line_exit_2(tmp_path, args, needle):
    out = tmp_path / "c.png"
    r = _run([f"--output={out}", "--steps=1"] + args, tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr
    assert not out.exists()
