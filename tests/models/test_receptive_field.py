"""Receptive fields computed from the layers (models/receptive_field.py) equal the input
pixels a unit's gradient reaches, on a linear network of every layer kind it reads."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.models.base import FeatureModel


def linear_net():
    """All-ones kernels, no nonlinearity: a unit's input gradient is non-zero exactly on its
    field. Same and valid padding, strides, a dilation, zero padding, cropping, a branch
    merge of two different fields (as InceptionV1's), pooling."""
    L = tf.keras.layers
    ones = dict(kernel_initializer="ones", bias_initializer="zeros")
    inp = tf.keras.Input((None, None, 1))
    x = L.Lambda(lambda t: t * 2.0, name="scale")(inp)
    a = L.Conv2D(2, 3, padding="same", name="a", **ones)(x)
    b = L.AveragePooling2D(2, name="b")(a)
    c = L.ZeroPadding2D(((1, 2), (2, 0)), name="c")(b)
    d = L.Conv2D(2, 5, strides=2, padding="valid", name="d", **ones)(c)
    e1 = L.Conv2D(2, 3, dilation_rate=2, padding="same", name="e1", **ones)(d)
    e2 = L.Conv2D(1, 1, name="e2", **ones)(d)
    e = L.Concatenate(name="e")([e1, e2])
    f = L.Cropping2D(((1, 0), (0, 1)), name="f")(e)
    g = L.AveragePooling2D(3, strides=2, padding="same", name="g")(f)
    head = L.Dense(3, name="head")(L.GlobalAveragePooling2D(name="gap")(g))
    names = {"a": a, "b": b, "d": d, "e": e, "g": g, "head": head}
    model = tf.keras.Model(inp, names)
    return FeatureModel("linear", model, {n: t.shape[-1] for n, t in names.items()}, channels=1)


def support(model, layer, size, y, x):
    image = tf.constant(np.random.RandomState(0).uniform(0.5, 1.0, (1, size[0], size[1], 1)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(image)
        out = tf.reduce_sum(model.activations(image, [layer])[layer][0, y, x])
    g = np.abs(tape.gradient(out, image).numpy()[0, ..., 0]) > 0
    ys, xs = np.nonzero(g)
    return ys.min(), xs.min(), ys.max() + 1, xs.max() + 1


@pytest.mark.parametrize("size", [(37, 41)])   # odd sides: SAME pads the odd pixel after
def test_field_is_the_gradient_support(size):
    model = linear_net()
    for layer in ("a", "b", "d", "e", "g"):
        rf = model.receptive_field(layer, size)
        out = model.activations(tf.zeros((1,) + size + (1,)), [layer])[layer]
        assert rf.grid == tuple(out.shape[1:3]), layer
        gh, gw = rf.grid
        # a central unit sees exactly its field; a border unit's field is clipped to the
        # image and contains what it sees (padding inside the net may cut a little more)
        assert support(model, layer, size, gh // 2, gw // 2) == rf.clipped_box(gh // 2, gw // 2), layer
        for y, x in ((0, 0), (gh - 1, gw - 1), (0, gw - 1)):
            y0, x0, y1, x1 = support(model, layer, size, y, x)
            b = rf.clipped_box(y, x)
            assert b[0] <= y0 and b[1] <= x0 and y1 <= b[2] and x1 <= b[3], (layer, y, x)
            assert (y0, x0) == b[:2] or (y1, x1) == b[2:], (layer, y, x)
    g = model.receptive_field("g", size)
    assert g.size[0] > model.receptive_field("e", size).size[0] > model.receptive_field("d", size).size[0]


def test_vgg19_fields_grow_with_depth(vgg19):
    sizes = [vgg19.receptive_field(l, 224).size[0] for l in ("conv1_1", "conv1_2", "pool1", "conv2_1", "conv5_4")]
    assert sizes == sorted(sizes) and sizes[:4] == [3, 5, 6, 10]
    assert vgg19.receptive_field("conv5_4", 224).jump == (16, 16)


def test_non_spatial_layer_is_refused_in_one_line():
    with pytest.raises(UserError, match="gap") as e:
        linear_net().receptive_field("head", 32)
    assert "\n" not in str(e.value)
