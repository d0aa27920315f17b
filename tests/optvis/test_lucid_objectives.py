"""Lucid's remaining objectives (direction_neuron, tensor_direction, blur_alpha_each_step,
penalize_boundary_complexity, input_diff) and the Laplacian pyramid parameterization."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.optvis import objectives as obj
from lucid_repro.optvis import param


def _T(values):
    return lambda name: values[name]


def test_direction_objectives_by_hand():
    rng = np.random.RandomState(0)
    acts = rng.normal(size=(1, 5, 6, 4)).astype(np.float32)
    vec = rng.normal(size=4).astype(np.float32)
    T = _T({"l": tf.constant(acts)})
    # centre (rows 5 // 2, columns 6 // 2), dot product
    assert float(obj.direction_neuron("l", vec)(T)) == pytest.approx(acts[0, 2, 3] @ vec, rel=1e-5)
    assert float(obj.direction_neuron("l", vec, x=1, y=4)(T)) == pytest.approx(acts[0, 1, 4] @ vec, rel=1e-5)
    a, v = acts[0, 2, 3], vec
    cos = max(0.1, a @ v / (1e-4 + np.linalg.norm(a)) / (1e-4 + np.linalg.norm(v)))
    assert float(obj.direction_neuron("l", vec, cossim_pow=2)(T)) == pytest.approx(a @ v * cos ** 2, rel=1e-4)
    tvec = rng.normal(size=(3, 2, 4)).astype(np.float32)
    crop = acts[0, 1:4, 2:4]
    assert float(obj.tensor_direction("l", tvec)(T)) == pytest.approx(np.mean(np.sum(crop * tvec, -1)), rel=1e-5)
    with pytest.raises(UserError):
        obj.tensor_direction("l", vec)


def test_image_penalties_by_hand():
    rng = np.random.RandomState(1)
    img = rng.uniform(size=(1, 8, 8, 4)).astype(np.float32)
    T = _T({"input": tf.constant(img)})
    # Lucid's blur: flat images are fixed points; input_diff is an RMS
    flat = tf.fill((1, 6, 6, 1), 0.3)
    np.testing.assert_allclose(obj.lucid_blur(flat).numpy(), 0.3, rtol=1e-6)
    assert float(obj.blur_alpha_each_step()(_T({"input": tf.concat([tf.zeros((1, 6, 6, 3)), flat], -1)}))) \
        == pytest.approx(0.0, abs=1e-9)
    assert float(obj.blur_alpha_each_step()(T)) > 0
    ref = rng.uniform(size=img.shape).astype(np.float32)
    assert float(obj.input_diff(ref)(T)) == pytest.approx(np.sqrt(np.mean((img - ref) ** 2)), rel=1e-5)
    # boundary penalty: only the border (w = 2) counts; a grey (C) border whose blur window
    # (5 x 5) sees no other colour costs nothing, whatever the interior
    pen = obj.penalize_boundary_complexity((1, 12, 12, 3), w=2)
    grey = np.full((1, 12, 12, 3), 0.5, np.float32)
    grey[:, 4:-4, 4:-4] = rng.uniform(size=(1, 4, 4, 3))
    assert float(pen(_T({"input": tf.constant(grey)}))) == pytest.approx(0.0, abs=1e-6)
    grey[:, 0, 0] = 1.0
    assert float(pen(_T({"input": tf.constant(grey)}))) < -0.2


def test_laplacian_pyramid():
    p = param.laplacian_pyramid((1, 16, 12, 3), n_levels=4, seed=0)
    shapes = [tuple(v.shape) for v in p.trainable_variables]
    assert shapes == [(1, 16, 12, 3), (1, 8, 6, 3), (1, 4, 3, 3), (1, 2, 1, 3)]
    for v in p.trainable_variables:
        v.assign(tf.zeros_like(v))
    p.trainable_variables[-1].assign(tf.ones_like(p.trainable_variables[-1]))
    np.testing.assert_allclose(p().numpy(), 1.0, rtol=1e-6)     # a constant coarse level is constant
    img = param.image_of_kind("laplacian", 16, seed=0)
    out = img().numpy()
    assert out.shape == (1, 16, 16, 3) and 0 < out.min() and out.max() < 1
    np.testing.assert_array_equal(out, param.image_of_kind("laplacian", 16, seed=0)().numpy())
