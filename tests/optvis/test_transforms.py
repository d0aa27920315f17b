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


def _lucid_chain(image, o1, scale, angle_deg, o2, pad=12, jitter=8, jitter2=4):
    """Lucid's chain (pad, jitter, scale, rotate, jitter) with given values instead of draws."""
    t = tf.pad(image, [(0, 0), (pad, pad), (pad, pad), (0, 0)], constant_values=0.5)
    n = t.shape[1] - jitter
    t = t[:, o1:o1 + n, o1:o1 + n]
    size = int(round(scale * n))
    t = tf.image.resize(t, (size, size), method="bilinear")
    t = tr.rotate(t, np.radians(angle_deg))
    m = size - jitter2
    return t[:, o2:o2 + m, o2:o2 + m].numpy()


def test_itemwise_transform_is_lucids_chain_as_one_warp():
    rng = np.random.RandomState(0)
    image = tf.constant(rng.uniform(size=(1, 20, 20, 3)).astype(np.float32))
    t = tr.ItemwiseTransforms(1)
    padded = tf.pad(image, [(0, 0), (12, 12), (12, 12), (0, 0)], constant_values=0.5)

    def warp(o1, scale, angle_deg, o2):
        m, (h, w) = t.affine(tf.constant([[o1, scale, np.radians(angle_deg), o2]], tf.float32), 20, 20)
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=padded, transforms=m, output_shape=tf.cast(tf.stack([h, w]), tf.int32), fill_value=0.0,
            interpolation="BILINEAR", fill_mode="CONSTANT").numpy()
    # integer offsets, no scale or rotation: exactly the crops of the chain
    for o1, o2 in [(0, 0), (8, 4), (3, 1)]:
        np.testing.assert_allclose(warp(o1, 1.0, 0, o2), _lucid_chain(image, o1, 1.0, 0, o2), atol=1e-6)
    # a rotation alone: the chain's rotate (one resampling in both)
    np.testing.assert_allclose(warp(5, 1.0, 7, 2), _lucid_chain(image, 5, 1.0, 7, 2), atol=1e-5)
    # scale 1.1: the chain resizes 36 -> 40 px (39.6 rounded) and crops 36; the warp keeps
    # 32 px centred on the same scaled image: ours[x] ~ chain[x + 1.8], within the chain's
    # rounding (1.111 vs 1.1: < 0.2 px drift over the interior). A smooth image, so sub-pixel
    # offsets change values little; the bound is 1/4 of the same comparison one pixel off.
    yy, xx = np.mgrid[0:20, 0:20] / 20.0
    smooth = np.stack([np.sin(3 * xx + 1), np.cos(2 * yy), np.sin(2 * xx + 3 * yy)], -1) * 0.5 + 0.5
    image = tf.constant(smooth[None].astype(np.float32))
    padded = tf.pad(image, [(0, 0), (12, 12), (12, 12), (0, 0)], constant_values=0.5)
    ours, chain = warp(4, 1.1, 0, 2), _lucid_chain(image, 4, 1.1, 0, 2)
    assert ours.shape[1:3] == (32, 32) and chain.shape[1:3] == (36, 36)
    near = np.abs(ours[:, 4:28, 4:28] - chain[:, 6:30, 6:30]).mean()
    off = np.abs(ours[:, 4:28, 4:28] - chain[:, 7:31, 7:31]).mean()
    assert near < 0.25 * off, (near, off)


def test_itemwise_transforms_draw_per_item_from_seed_and_step():
    image = tf.constant(np.random.RandomState(1).uniform(size=(1, 24, 24, 3)).astype(np.float32))
    a, b = tr.ItemwiseTransforms(3), tr.ItemwiseTransforms(2)
    a.reset([11, 22, 33])
    b.reset([44, 22])
    run = tf.function(lambda t, x: t(x))
    for _ in range(3):   # step k of item "22" is the same in both batches, whatever its neighbours
        ya, yb = run(a, tf.tile(image, [3, 1, 1, 1])).numpy(), run(b, tf.tile(image, [2, 1, 1, 1])).numpy()
        assert ya.shape == (3, 36, 36, 3)
        np.testing.assert_array_equal(ya[1], yb[1])
        assert np.abs(ya[0] - ya[1]).max() > 0.05 and np.abs(ya[1] - ya[2]).max() > 0.05
    first = ya.copy()
    a.reset([11, 22, 33])     # a reset restarts the step count: the same draws again
    for _ in range(3):
        ya = run(a, tf.tile(image, [3, 1, 1, 1])).numpy()
    np.testing.assert_array_equal(first, ya)
    # the draws cover Lucid's ranges
    d = np.concatenate([a.draws(tf.constant(k, tf.int64)).numpy() for k in range(200)])
    assert set(d[:, 0]) == set(range(9)) and set(d[:, 3]) == set(range(5))
    assert np.isclose(d[:, 1].min(), 0.9) and np.isclose(d[:, 1].max(), 1.1)
    assert np.isclose(np.degrees(d[:, 2]).min(), -10, atol=1e-4) and np.isclose(np.degrees(d[:, 2]).max(), 10, atol=1e-4)


def test_fused_standard_transforms_are_the_itemwise_warp_at_one_fixed_size():
    """--fused_transforms (issue 29): Lucid's values as one warp, drawn from the loop's
    generator; every step hands the network the same shape (size + 12), where Lucid's chain
    gives 11 sizes; its map is `lucid_affine`, the warp the chain test above checks."""
    image = tf.constant(np.random.RandomState(2).uniform(size=(1, 20, 20, 3)).astype(np.float32))
    fused = tf.function(tr.compose(tr.fused_standard_transforms()))
    chain = tf.function(tr.compose(tr.standard_transforms()))
    rng = tf.random.Generator.from_seed(0)
    shapes = {fused(image, rng).shape[1:3] for _ in range(30)}
    chain_shapes = {tuple(chain(image, rng).shape[1:3]) for _ in range(30)}
    assert shapes == {(32, 32)} and len(chain_shapes) > 3
    # with a scale of 1 and no rotation drawn it is the chain's pad-and-crop exactly
    still = tr.fused_standard_transforms()[0]
    with mock_choice(scale=1.0, angle=0.0):
        out = still(image, tf.random.Generator.from_seed(3)).numpy()
    offsets = [(o1, o2) for o1 in range(9) for o2 in range(5)]
    assert min(np.abs(out - _lucid_chain(image, o1, 1.0, 0, o2)).max() for o1, o2 in offsets) < 1e-6


class mock_choice:
    """Force `transforms._choice` to return the given scale, then the given angle."""

    def __init__(self, scale, angle):
        self.values = [scale, angle]

    def __enter__(self):
        self.saved = tr._choice
        values = iter(self.values)
        tr._choice = lambda table, rng: tf.constant(next(values), tf.float32)

    def __exit__(self, *exc):
        tr._choice = self.saved
