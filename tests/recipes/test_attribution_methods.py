"""SmoothGrad, Integrated Gradients, Grad-CAM, deletion/insertion curves and Adebayo et
al.'s cascading randomization (optvis.attribution, recipes.saliency), on VGG19 at 32 x 48."""
import os

import numpy as np
import pytest

from lucid_repro.images import load_image
from lucid_repro.optvis import attribution, objectives
from lucid_repro.recipes import saliency
from lucid_repro.errors import UserError


@pytest.fixture(scope="module")
def photo(package_data):
    return load_image(os.path.join(package_data, "content", "bridge.jpg"), size=(32, 48))


def test_integrated_gradients_completeness_and_gradcam_of_own_layer(vgg19, photo):
    obj = objectives.channel("relu2_1", attribution.most_active_channel(vgg19, photo, "relu2_1"))
    ig = attribution.integrated_gradients(vgg19, photo, obj, steps=16)
    f = attribution.objective_values(vgg19, np.stack([photo, np.zeros_like(photo)]), obj)
    # completeness: the attributions add up to f(x) - f(black)
    assert abs(ig.sum() - (f[0] - f[1])) < 0.1 * abs(f[0] - f[1])
    # Grad-CAM on the channel's own layer: weights one-hot on the channel -> its activation map
    cam = attribution.gradcam(vgg19, photo, obj)
    act = vgg19.activations(photo[None], ["relu2_1"])["relu2_1"].numpy()[0, ..., obj.channels[0][1]]
    assert cam.shape == photo.shape[:2]
    small = cam[::2, ::2]    # relu2_1 is at half resolution
    assert np.corrcoef(small.ravel(), act.ravel())[0, 1] > 0.9
    sg = attribution.smoothgrad_gradient(vgg19, photo, obj, samples=4)
    vg = attribution.input_gradient(vgg19, photo, obj)
    assert sg.shape == vg.shape and not np.allclose(sg, vg)
    assert np.corrcoef(np.abs(sg).ravel(), np.abs(vg).ravel())[0, 1] > 0.2


def test_deletion_insertion_curves(vgg19, photo):
    obj = objectives.channel("relu3_1", 7)
    smap = saliency.compute(vgg19, photo, "gradcam", layer="relu3_1", channel=7).map
    c = saliency.deletion_insertion(vgg19, photo, obj, smap, fractions=4)
    assert c["x"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert c["deletion"][0] == pytest.approx(1.0) and c["insertion"][-1] == pytest.approx(1.0)
    # all pixels deleted = nothing inserted: both the blurred baseline's score
    assert c["deletion"][-1] == pytest.approx(c["insertion"][0], rel=1e-5)
    assert c["deletion_auc"] == pytest.approx(attribution.area(c["x"], c["deletion"]))


def test_cascading_randomization_changes_the_map(vgg19, photo):
    obj = objectives.channel("relu2_1", 3)
    scores, maps = saliency.sanity_check(vgg19, photo, obj, ["vanilla", "gradcam"], steps=2)
    assert [s[0] for s in scores["vanilla"]] == [["conv2_1"], ["conv2_1", "conv1_2"]]
    for method in ("vanilla", "gradcam"):
        assert len(maps[method]) == 3 and scores[method][-1][1] < 0.5, scores
    net = attribution.randomized_model(vgg19, ["conv2_1"])
    assert net.keras_model.get_layer("conv1_1") is vgg19.keras_model.get_layer("conv1_1")   # shared
    a = net.keras_model.get_layer("conv2_1").get_weights()[0]
    assert not np.allclose(a, vgg19.keras_model.get_layer("conv2_1").get_weights()[0])
    np.testing.assert_array_equal(a, attribution.randomized_model(vgg19, ["conv2_1"]).keras_model
                                  .get_layer("conv2_1").get_weights()[0])   # seeded


def test_gradcam_refuses_a_non_spatial_layer():
    # (the script's --method=gradcam run: tests/recipes/test_saliency.py, its one happy path)
    with pytest.raises(UserError, match="spatial layer"):
        attribution.gradcam_layer(_TokenlessModel(), objectives.channel("relu3_1", 0), layer="dense")


class _TokenlessModel:
    """Stands for a model whose layer "dense" is [B, C] (Grad-CAM refuses it)."""
    class keras_model:
        output = {"dense": type("T", (), {"shape": (None, 4)})()}

    @staticmethod
    def check_layer(layer):
        return layer
