"""Adversarial images: iterative FGSM until the target wins (tiny classifier and
InceptionV1's architecture with random weights), Sabour et al.'s feature adversary on
VGG19, the script."""
import os

import numpy as np
import pytest
from PIL import Image

from lucid_repro.errors import UserError
from lucid_repro.images import load_image
from lucid_repro.models.base import FeatureModel
from lucid_repro.recipes import adversarial
from regression import check_regression, nudge, regression
from test_class_vis import tiny_classifier
from script_checks import run_script



@pytest.fixture(scope="module")
def photos(package_data):
    load = lambda n: load_image(os.path.join(package_data, "content", n), size=(32, 48))  # noqa: E731
    return nudge(load("bridge.jpg"), "bridge"), nudge(load("zurich.jpg"), "zurich")


def test_fool_tiny_classifier_until_target_wins(photos):
    model = tiny_classifier()
    image = photos[0]
    before = adversarial.logits(model, image, "logits")
    target = int(np.argsort(before)[-2])  # the runner-up
    r = adversarial.fool(model, image, target, epsilon=16 / 255, step_size=1 / 255, max_steps=100,
                         progress=False)
    assert r.scores["original_class"] == int(np.argmax(before)) != target
    assert r.scores["success"] and r.scores["final_class"] == target and r.scores["margin"] > 0
    assert r.steps < 100  # stopped early, as soon as the target won
    assert r.linf <= 16 / 255 + 1e-6 and 0 < r.l2
    assert 0.0 <= r.image.min() and r.image.max() <= 1.0
    # sign steps of one grey level: L-inf grows by at most 1/255 per step
    assert r.linf <= r.steps / 255 + 1e-6
    assert "Linf" in r.summary() and "steps" in r.summary()


def test_fool_respects_budget_when_target_cannot_win(photos):
    model = tiny_classifier()
    before = adversarial.logits(model, photos[0], "logits")
    target = int(np.argmin(before))
    r = adversarial.fool(model, photos[0], target, epsilon=1 / 255, step_size=1 / 255, max_steps=5,
                         progress=False)
    assert r.steps == 5 and r.linf <= 1 / 255 + 1e-6
    assert r.scores["success"] is False and r.scores["margin"] < 0


def test_fool_random_inception_v1():
    from lucid_repro.models import inception_v1 as iv
    import tensorflow as tf
    tf.random.set_seed(1)
    model = FeatureModel("inception_v1", iv.build_keras_inception_v1(), iv.layer_depths(),
                         classifier_layers=iv.CLASSIFIER_LAYERS)
    image = np.random.RandomState(0).uniform(0.3, 0.7, size=(224, 224, 3)).astype(np.float32)
    before = adversarial.logits(model, image, "softmax2_pre_activation")
    target = int(np.argsort(before)[-2])  # the runner-up: a few sign steps make it win
    r = adversarial.fool(model, image, target, epsilon=8 / 255, step_size=1 / 255, max_steps=4,
                         progress=False)
    assert r.scores["target_prob"] > r.scores["target_prob_before"]
    assert r.linf <= 8 / 255 + 1e-6
    assert r.scores["success"] == (r.scores["final_class"] == target)


@regression
def test_feature_adversary_vgg19(vgg19, photos):
    source, guide = photos
    r = adversarial.feature_adversary(vgg19, source, guide, layer="relu4_4", epsilon=10 / 255,
                                      learning_rate=1 / 255, steps=5, progress=False)
    assert r.linf <= 10 / 255 + 1e-6 and r.steps == 5
    assert r.scores["relative_distance"] < 0.97
    assert r.losses[-1] < r.losses[0]
    # 32x48 px, 5 Adam steps of 1/255 from the photo, seed 0;
    # tolerance: tests/reference/README.md (spread measured across CPU kernel paths)
    check_regression("adversarial_feature_vgg19_relu4_4", r.image)


def test_errors(vgg19, photos):
    with pytest.raises(UserError, match="no classifier head"):
        adversarial.fool(vgg19, photos[0], 3, progress=False)
    with pytest.raises(UserError, match="epsilon"):
        adversarial.feature_adversary(vgg19, photos[0], photos[1], epsilon=0, progress=False)
    with pytest.raises(UserError, match="identical"):
        adversarial.feature_adversary(vgg19, photos[0], photos[0], layer="relu1_1", steps=1, progress=False)


def _run(args, tmp_path):
    return run_script("adversarial", ["--noprogress"] + args, tmp_path)


def test_script_feature_adversary(tmp_path, package_data):
    out, pert = tmp_path / "a.png", tmp_path / "p.png"
    r = _run([f"--image={package_data}/content/bridge.jpg", f"--target={package_data}/content/zurich.jpg",
              "--size=40", "--steps=2", "--layer=relu3_1", f"--output={out}", f"--perturbation={pert}"],
             tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Linf" in r.stdout and "relative_distance" in r.stdout
    assert np.asarray(Image.open(out)).shape == (27, 40, 3) and pert.exists()


@pytest.mark.parametrize("args,needle", [
    (["--image=/nonexistent/photo.jpg", "--target=3"], "image not found"),
    (["--target=/nonexistent/guide.jpg"], "image not found"),
    (["--target=3"], "no classifier head"),
    (["--target=GUIDE", "--epsilon=0"], "--epsilon must be positive"),
    ([], "--target is required"),
])
def test_script_bad_input_one_line_exit_2(tmp_path, package_data, args, needle):
    out = tmp_path / "a.png"
    args = [a.replace("GUIDE", f"{package_data}/content/zurich.jpg") for a in args]
    r = _run([f"--image={package_data}/content/bridge.jpg", "--size=32", "--steps=1",
              f"--output={out}"] + args, tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr
    assert not out.exists()


def test_quick_demo_writes_its_figure(vgg19, tmp_path):
    paths = adversarial.demo(vgg19, str(tmp_path), quick=True, progress=False)
    assert paths and os.path.basename(paths[0]) == "adversarial_grid.png" and all(os.path.isfile(p) for p in paths)
