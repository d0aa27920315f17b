"""Aligned interpolation: shared parameterization, objectives, metrics, script."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import param
from lucid_repro.recipes import aligned_interpolation as ai
from regression import check_regression, regression
from script_checks import assert_refused, run_script

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_resize_bilinear_nd_is_tf1_legacy():
    # Lucid resizes with TF1's resize_bilinear (no half-pixel centres): output i
    # samples input i * in / out, clamped at the last element.
    t = tf.constant(np.array([0.0, 3.0], np.float32).reshape(2, 1, 1, 1))
    out = param.resize_bilinear_nd(t, (6, 1, 1, 1)).numpy().ravel()
    np.testing.assert_allclose(out, [0, 1, 2, 3, 3, 3], atol=1e-6)
    t = tf.constant(np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1))
    out = param.resize_bilinear_nd(t, (1, 4, 4, 1)).numpy()[0, ..., 0]
    np.testing.assert_allclose(out[0], [0, 0.5, 1, 1])
    np.testing.assert_allclose(out[:, 0], [0, 1, 2, 2])


def test_aligned_image_structure():
    p = param.aligned_image(16, 4, shared=True, seed=0)
    assert p().shape == (4, 16, 16, 3)
    variables = p.trainable_variables
    shapes = sorted(tuple(v.shape) for v in variables)
    # unique spectrum + Lucid's six shared tensors: (1,8),(1,4),(1,2),(2,2),(1,1),(2,1)
    assert len(variables) == 7
    assert (1, 8, 8, 3) in shapes and (2, 1, 1, 3) in shapes and (2, 2, 2, 3) in shapes
    # With the unique part and the frame-interpolated (batch 2) parts zeroed, every
    # frame is the same image: the shared parts are shared.
    for v in variables:
        if v.shape[0] == 2 or v.name.startswith("spectrum"):
            v.assign(tf.zeros_like(v))
        else:
            v.assign(tf.random.normal(v.shape, seed=1))
    frames = p().numpy()
    assert frames.std() > 0.05
    for f in frames[1:]:
        np.testing.assert_allclose(f, frames[0], atol=1e-6)
    ind = param.aligned_image(16, 4, shared=False, seed=0)
    assert len(ind.trainable_variables) == 1
    with pytest.raises(UserError):
        param.aligned_image(0, 4)


def test_channel_interpolate_weights():
    acts = {"a": tf.ones((3, 2, 2, 4)) * tf.constant([1.0, 2.0, 3.0, 4.0]),
            "b": tf.ones((3, 2, 2, 4)) * 10.0}
    obj = ai.channel_interpolate("a", 1, "b", 3)
    # frames weighted (1, 0), (.5, .5), (0, 1): 2 + (1 + 5) + 10
    assert np.isclose(float(obj(lambda n: acts[n])), 18.0)
    assert set(obj.layers) == {"a", "b"}
    with pytest.raises(UserError):
        ai.parse_unit("conv4_2")


def test_alignment_layers_and_similarity(vgg19):
    assert ai.default_alignment_layers(vgg19, "conv4_2") == ["relu3_4", "relu4_2"]
    assert ai.default_alignment_layers(vgg19, "conv1_1") == ["relu1_1"]
    frames = np.random.RandomState(0).uniform(size=(3, 32, 32, 3)).astype(np.float32)
    same = ai.adjacent_similarity(np.stack([frames[0]] * 3))
    assert np.isclose(same["ssim"], 1.0, atol=1e-4) and np.isclose(same["corr"], 1.0)
    assert ai.adjacent_similarity(frames)["corr"] < 0.1


def test_shared_frames_are_aligned(vgg19):
    # 4 frames of 32 px, 12 steps on conv3_1: independent frames have unrelated
    # layouts (measured adjacent SSIM 0.19, pixel correlation -0.01); shared ones keep
    # them (0.79, 0.93) (demo size, 6 x 64 px,
    # 160 steps on conv4_2: see BUILD_NOTES).
    common = dict(frames=4, size=32, steps=12, seed=0, progress=False)
    _, ind, m_ind = ai.interpolate(vgg19, "conv3_1:5", "conv3_1:9", shared=False, **common)
    _, sh, m_sh = ai.interpolate(vgg19, "conv3_1:5", "conv3_1:9", shared=True, **common)
    assert ind.shape == sh.shape == (4, 32, 32, 3)
    assert m_sh["ssim"] > m_ind["ssim"] + 0.2
    assert m_sh["corr"] > m_ind["corr"] + 0.2
    assert m_ind["alignment"] == 0.0 and m_sh["alignment"] == ai.ALIGNMENT_WEIGHT_VGG


@regression
def test_regression_shared(vgg19):
    # 3 frames, 32 px, 4 steps, seed 0, standard transforms;
    # tolerance: tests/reference/README.md (spread measured across CPU kernel paths)
    _, frames, _ = ai.interpolate(vgg19, "conv3_1:5", "conv3_1:9", frames=3, size=32, steps=4,
                                  shared=True, seed=0, progress=False)
    check_regression("aligned_interpolation_vgg19_conv3_1_shared", frames)


def test_bad_inputs(vgg19):
    with pytest.raises(UserError, match="at least 2"):
        ai.interpolate(vgg19, "conv3_1:5", "conv3_1:9", frames=1)
    with pytest.raises(UserError, match="out of range"):
        ai.interpolate(vgg19, "conv3_1:5", "conv3_1:999", frames=3)
    with pytest.raises(UserError, match="unknown layer"):
        ai.interpolate(vgg19, "conv3_1:5", "conv3_1:9", frames=3, alignment_layers=["nope"])


def _script(*args):
    return run_script("aligned_interpolation", args, ROOT)


def test_script_writes_strip_gif_mp4(tmp_path):
    out = tmp_path / "strip.png"
    r = _script("--from=conv2_1:3", "--to=conv2_1:7", "--frames=3", "--size=32", "--steps=2",
                "--no_shared", "--noprogress", f"--output={out}")
    assert r.returncode == 0, r.stderr
    for name in ("strip.png", "strip.gif", "strip.mp4", "strip.json"):
        assert (tmp_path / name).exists(), name
    metrics = json.loads((tmp_path / "strip.json").read_text())
    assert metrics["shared"] is False and metrics["frames"] == 3 and -1 <= metrics["ssim"] <= 1


@pytest.mark.parametrize("args", [["--frames=1"], ["--size=0"], ["--to=conv4_2:9999"]],
                         ids=["frames", "size", "channel"])
def test_script_bad_flags(tmp_path, args):
    out = tmp_path / "strip.png"
    r = _script("--frames=3", "--size=32", "--steps=1", *args, f"--output={out}")
    assert_refused(r, "", tmp_path, out)
    assert not any(tmp_path.iterdir())
