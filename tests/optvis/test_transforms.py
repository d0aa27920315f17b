import numpy as np
import tensorflow as tf

from lucid_repro.optvis import transforms as tr


def _img(h=16, w=16):
    return tf.constant(np.random.RandomState(0).rand(1, h, w, 3).astype(np.float32))


def test_pad_and_jitter_shapes():
    rng = tf.random.Generator.from_seed(0)
    x = _img()
    assert tr.pad(3)(x, rng).shape == (1, 22, 22, 3)
    padded = tr.pad(2, constant_value=0.5)(x, rng).numpy()
    assert np.all(padded[:, :2] == 0.5)
    u = tr.pad(2, constant_value="uniform")(x, rng).numpy()
    assert np.all(u[:, 0] == u[0, 0, 0, 0]) and 0 <= u[0, 0, 0, 0] <= 1
    j = tr.jitter(4)(x, rng)
    assert tuple(j.shape) == (1, 12, 12, 3)


def test_jitter_is_random_per_call_inside_tf_function():
    rng = tf.random.Generator.from_seed(1)
    x = _img()
    f = tf.function(lambda: tr.jitter(6)(x, rng))
    outs = [f().numpy() for _ in range(8)]
    assert any(not np.array_equal(outs[0], o) for o in outs[1:])


def test_random_scale_and_rotate():
    rng = tf.random.Generator.from_seed(2)
    x = _img(20, 20)
    sizes = {tuple(tr.random_scale([0.5, 1.0, 1.5])(x, rng).shape[1:3]) for _ in range(20)}
    assert sizes <= {(10, 10), (20, 20), (30, 30)} and len(sizes) > 1
    np.testing.assert_allclose(tr.rotate(x, tf.constant(0.0)).numpy(), x.numpy(), atol=1e-5)
    r90 = tr.rotate(x, tf.constant(np.pi / 2)).numpy()
    np.testing.assert_allclose(r90[0, 2:-2, 2:-2], np.rot90(x.numpy()[0], k=1)[2:-2, 2:-2], atol=1e-4)


def test_transforms_pass_gradients():
    rng = tf.random.Generator.from_seed(3)
    x = tf.Variable(_img())
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tr.compose(tr.standard_transforms())(x, rng))
    g = tape.gradient(y, x)
    assert g is not None and float(tf.reduce_sum(tf.abs(g))) > 0


def test_standard_transforms_match_lucid():
    ts = tr.standard_transforms()
    assert len(ts) == 5
    rng = tf.random.Generator.from_seed(4)
    out = tr.compose(ts)(_img(64, 64), rng)
    # pad 12 -> 88, jitter 8 -> 80, scale 0.9..1.1 -> 72..88, rotate keeps, jitter 4
    assert 68 <= out.shape[1] <= 84
