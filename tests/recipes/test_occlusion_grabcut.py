"""Occlusion (Zeiler & Fergus), GrabCut from a saliency map (Simonyan et al.) and guided
backprop from single units: the computations on tiny models and synthetic images."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel
from lucid_repro.optvis import attribution
from lucid_repro.recipes import grabcut, occlusion
from test_class_vis import tiny_classifier


def corner_classifier(size=16):
    """A linear classifier whose class 0 logit reads only the top-left 6x6 pixels: occluding
    anywhere else cannot change its probability."""
    weights = np.zeros((size, size, 3, 2), np.float32)
    weights[:6, :6, :, 0] = 0.02          # logit about 2: the probability is not saturated
    inp = tf.keras.Input((size, size, 3))
    flat = tf.keras.layers.Flatten(name="flat")(inp)
    dense = tf.keras.layers.Dense(2, name="logits")
    logits = dense(flat)
    dense.set_weights([weights.reshape(-1, 2), np.zeros(2, np.float32)])
    return FeatureModel("corner", tf.keras.Model(inp, {"logits": logits}), {"logits": 2},
                        classifier_layers=("logits",))


def test_occlusion_finds_the_only_region_the_class_reads():
    model = corner_classifier()
    image = np.full((16, 16, 3), 0.9, np.float32)
    r = occlusion.occlude(model, image, patch=4, stride=2, batch_size=7)   # batches of 7: a ragged last one
    assert r.target == "class 0 probability" and r.grid.shape == (7, 7) and r.map.shape == (16, 16)
    assert r.grid[0, 0] > 0.01 and r.grid[1, 1] > 0.01            # patches inside the read corner
    np.testing.assert_array_equal(r.grid[3:, :], 0.0)              # patches that miss it change nothing
    np.testing.assert_array_equal(r.grid[:, 3:], 0.0)
    assert r.map[:6, :6].min() > 0 and np.all(r.map[8:, :] == 0)
    # the batched drops are the drops of each occluded copy run alone
    grey = image.copy()
    grey[2:6, 4:8] = occlusion.GREY
    logits = model.activations(tf.constant(np.stack([image, grey])), ["logits"])["logits"]
    p = tf.nn.softmax(logits)[:, 0].numpy()
    assert r.grid[1, 2] == pytest.approx(p[0] - p[1], rel=1e-5)


def test_occlusion_refusals_and_a_channel_target(vgg19):
    with pytest.raises(UserError, match="no classifier head.*--layer") as e:
        occlusion.occlude(vgg19, np.zeros((32, 32, 3), np.float32))
    assert "\n" not in str(e.value)
    with pytest.raises(UserError, match="larger than the image"):
        occlusion.occlude(tiny_classifier(), np.zeros((8, 8, 3), np.float32), patch=9)
    r = occlusion.occlude(tiny_classifier(), np.random.RandomState(0).uniform(size=(12, 12, 3)).astype("f4"),
                          patch=6, stride=6, layer="relu", channel=3)
    assert r.target == "relu:3 mean activation" and r.grid.shape == (2, 2) and np.any(r.grid != 0)


def test_grabcut_from_a_map_segments_the_object():
    # a red disc on a textured green background; the map is high on the disc's centre
    # only: GrabCut must grow the seeds to the whole disc and not beyond
    rng = np.random.RandomState(0)
    yy, xx = np.mgrid[:48, :48]
    disc = (yy - 22) ** 2 + (xx - 26) ** 2 < 12 ** 2
    image = np.where(disc[..., None], [0.85, 0.15, 0.1], [0.2, 0.6, 0.25]).astype(np.float32)
    image = np.clip(image + rng.normal(0, 0.05, image.shape), 0, 1).astype(np.float32)
    smap = np.exp(-((yy - 22) ** 2 + (xx - 26) ** 2) / 60.0) + rng.uniform(0, 0.05, (48, 48))
    seeds, mask = grabcut.grabcut_from_map(image, smap)
    assert (seeds > 0).sum() == pytest.approx(0.05 * 48 * 48, rel=0.1)
    assert disc[seeds > 0].all()
    iou = (mask & disc).sum() / (mask | disc).sum()
    assert iou > 0.9, iou
    np.testing.assert_array_equal(grabcut.grabcut_from_map(image, smap)[1], mask)   # seeded: same mask
    with pytest.raises(UserError, match="flat"):
        grabcut.grabcut_from_map(image, np.zeros((48, 48)))


def test_segment_with_a_model_map(vgg19, package_data):
    from lucid_repro.images import load_image
    photo = load_image(f"{package_data}/content/bridge.jpg", size=(48, 72))
    s = grabcut.segment(vgg19, photo, layer="relu4_4")
    assert s.mask.shape == (48, 72) and 0.0 < s.foreground_fraction < 1.0
    assert s.target.startswith("relu4_4:") and s.cutout().shape == (48, 72, 3)
    with pytest.raises(UserError, match="--class .*--layer"):
        grabcut.segment(vgg19, photo)


def test_guided_backprop_from_one_unit_per_image():
    model = tiny_classifier()
    rng = np.random.RandomState(1)
    images = rng.uniform(size=(2, 10, 10, 3)).astype(np.float32)
    units = [(3, 2, 5), (7, 8, 8)]           # (channel, y, x) per image
    g = attribution.neuron_gradient(model, images, "relu", units)
    conv = model.keras_model.get_layer("conv")
    pre = conv(tf.constant(images)).numpy()
    kernel = conv.kernel.numpy()
    for b, (c, y, x) in enumerate(units):
        # relu(conv) at one unit: the guided gradient is the unit's 3x3 kernel on its field
        # if the unit is on (pre > 0), else zero; nothing outside the field
        expected = np.zeros((12, 12, 3), np.float32)          # padded by 1
        if pre[b, y, x, c] > 0:
            expected[y:y + 3, x:x + 3] = kernel[..., c]
        np.testing.assert_allclose(g[b], expected[1:11, 1:11], atol=1e-6)
    assert np.abs(g[0]).sum() > 0
    single = attribution.neuron_gradient(model, images[0], "relu", units[0])
    np.testing.assert_allclose(single, g[0], atol=1e-7)
    with pytest.raises(UserError, match="not spatial"):
        attribution.neuron_gradient(model, images, "logits", units)


def test_scripts_on_a_keras_classifier_and_their_refusals(tmp_path, package_data):
    """On a user's classifier, occlusion explains its top class's probability and grabcut
    is seeded by that class's map; bad input fails in one line, writing nothing (VGG19's
    missing classifier: test_occlusion_refusals_and_a_channel_target, in process)."""
    import json
    from PIL import Image
    from script_checks import assert_refused, run_script
    tiny_classifier().keras_model.save(tmp_path / "tiny.keras")
    photo = f"--image={package_data}/content/bridge.jpg"
    out = tmp_path / "occ.png"
    r = run_script("occlusion", ["--noprogress", f"--model=keras:{tmp_path / 'tiny.keras'}", "--preprocess=none", "--logits_layer=logits",
                                 photo, "--size=40", "--patch=12", "--stride=8", f"--output={out}"], tmp_path)
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "occ.json").read_text())
    assert record["target"].startswith("class ") and record["target"].endswith("probability")
    assert np.asarray(record["grid"]).shape == (3, 5) and Image.open(out).size[1] == 27 + 8
    out = tmp_path / "cut.png"
    r = run_script("grabcut", ["--noprogress", f"--model=keras:{tmp_path / 'tiny.keras'}", "--preprocess=none",
                               "--logits_layer=logits", photo, "--size=48", "--iterations=2", f"--output={out}"],
                   tmp_path)
    assert r.returncode == 0, r.stderr
    mask = np.asarray(Image.open(tmp_path / "cut_mask.png"))
    assert mask.shape == (32, 48) and 0 < (mask > 127).mean() < 1
    assert json.loads((tmp_path / "cut.json").read_text())["target"].startswith("class ")
    bad = tmp_path / "bad"
    bad.mkdir()
    r = run_script("occlusion", [photo, "--size=40", "--patch=41", f"--output={bad / 'o.png'}"], bad)
    assert_refused(r, "larger than the image", bad, bad / "o.png", bad / "o.json")
