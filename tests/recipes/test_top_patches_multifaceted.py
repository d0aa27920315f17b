"""Top patches (receptive-field crops + guided backprop of their unit) and multifaceted
feature visualization (k-means facets started from mean images), on small synthetic
collections at tiny sizes; the two scripts once each, with their bad input."""
import json

import numpy as np
import pytest
from PIL import Image

from lucid_repro.collection import ImageCollection
from lucid_repro.errors import UserError
from lucid_repro.optvis import attribution
from lucid_repro.recipes import multifaceted, top_patches
from script_checks import assert_refused, run_script


def write_images(folder, arrays):
    folder.mkdir(exist_ok=True)
    for i, a in enumerate(arrays):
        Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8)).save(folder / f"img{i}.png")
    return ImageCollection.from_dir(folder)


@pytest.fixture(scope="module")
def textures(tmp_path_factory):
    rng = np.random.RandomState(0)
    return write_images(tmp_path_factory.mktemp("textures"), [rng.uniform(size=(40, 40, 3)) for _ in range(4)])


def test_top_patches_are_the_strongest_units_cut_at_their_field(vgg19, textures, tmp_path):
    layer, size = "conv2_1", 32
    result = top_patches.top_patches(vgg19, layer, textures, [0, 5], k=3, size=size, cache_dir=tmp_path,
                                     progress=False)
    rf = vgg19.receptive_field(layer, size)
    maps = vgg19.activations(np.stack([textures.load(i, size) for i in range(len(textures))]), [layer])[layer].numpy()
    for c, patches in result.items():
        strongest = maps[..., c].reshape(len(textures), -1).max(axis=1)
        assert [p.image_index for p in patches] == list(np.argsort(-strongest)[:3])   # k distinct images, best first
        for p in patches:
            image = textures.load(p.image_index, size)
            assert p.activation == pytest.approx(maps[p.image_index, p.y, p.x, c], rel=1e-4)
            assert p.activation == pytest.approx(strongest[p.image_index], rel=1e-4)
            assert p.box == rf.box(p.y, p.x) and p.patch.shape == rf.size + (3,) == p.guided.shape
            y0, x0, y1, x1 = rf.clipped_box(p.y, p.x)
            np.testing.assert_array_equal(p.patch[y0 - p.box[0]:y1 - p.box[0], x0 - p.box[1]:x1 - p.box[1]],
                                          image[y0:y1, x0:x1])
            # the unit's guided map lies inside its field: the crop holds all of it
            full = attribution.neuron_gradient(vgg19, image, layer, (c, p.y, p.x))
            assert np.abs(p.guided).sum() == pytest.approx(np.abs(full).sum(), rel=1e-5) and np.abs(full).sum() > 0
    assert len(top_patches.sheet_rows(result)) == 2 and len(top_patches.sheet_rows(result)[0]) == 6
    with pytest.raises(UserError, match="larger than the collection"):
        top_patches.top_patches(vgg19, layer, textures, [0], k=5, size=size, cache_dir=tmp_path, progress=False)


def test_facets_are_the_kinds_of_image_and_start_from_their_means(vgg19, tmp_path):
    # three reddish and three bluish noise images: two clusters must be the two kinds
    rng = np.random.RandomState(1)
    tint = lambda rgb: np.clip(np.asarray(rgb) + rng.uniform(-0.2, 0.2, (32, 32, 3)), 0, 1)   # noqa: E731
    collection = write_images(tmp_path / "kinds", [tint((0.8, 0.2, 0.2)) for _ in range(3)]
                              + [tint((0.2, 0.2, 0.8)) for _ in range(3)])
    facets = multifaceted.cluster_top_images(vgg19, "conv2_1", 7, collection, top=6, clusters=2, size=32,
                                             cache_dir=tmp_path, progress=False)
    kinds = [sorted(int(i) // 3 for i in g) for g in facets.groups]
    assert sorted(map(tuple, kinds)) == [(0, 0, 0), (1, 1, 1)]
    for g, mean in zip(facets.groups, facets.means):
        np.testing.assert_allclose(mean, np.mean([collection.load(int(i), 32) for i in g], axis=0), atol=1e-6)
    lr = 0.01
    multifaceted.visualize(vgg19, "conv2_1", facets, steps=2, lr=lr, progress=False)
    assert facets.images.shape == (2, 32, 32, 3) and facets.activations.shape == (2,)
    # Adam moves a pixel by about lr per step: two steps stay next to the mean images
    assert np.abs(facets.images - facets.means).max() <= 2 * lr * 1.01
    assert np.abs(facets.images - facets.means).max() > 0
    with pytest.raises(UserError, match="--clusters=7 is larger than --top=6"):
        multifaceted.cluster_top_images(vgg19, "conv2_1", 7, collection, top=6, clusters=7, size=32,
                                        cache_dir=tmp_path, progress=False)


def test_scripts_write_their_sheets_and_refuse_bad_input(textures, tmp_path):
    env = {"LUCID_REPRO_CACHE": str(tmp_path / "cache")}
    folder = textures.paths[0].rsplit("/", 1)[0]
    out = tmp_path / "tp.png"
    r = run_script("top_patches", ["--noprogress", f"--images={folder}", "--layer=conv2_1", "--channels=0:2",
                                   "--k=2", "--size=32", f"--output={out}"], tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "tp.json").read_text())
    assert record["receptive_field"] == [10, 10] and [c["channel"] for c in record["channels"]] == [0, 1]
    assert Image.open(out).size == (4 * (10 + 4) + 4, 2 * (10 + 4) + 4)
    out = tmp_path / "mf.png"
    r = run_script("multifaceted", ["--noprogress", f"--images={folder}", "--layer=conv2_1", "--top=3",
                                    "--clusters=2", "--size=24", "--steps=2", f"--output={out}"], tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert len(json.loads((tmp_path / "mf.json").read_text())["facets"]) == 2 and out.exists()
    bad = tmp_path / "bad"
    (bad / "empty").mkdir(parents=True)
    for script, args, needle in [("top_patches", [f"--images={folder}", "--k=5"], "larger than the collection"),
                                 ("top_patches", [f"--images={bad / 'empty'}"], "is empty"),
                                 ("multifaceted", [f"--images={folder}", "--top=2", "--clusters=3"],
                                  "--clusters=3 is larger than --top=2")]:
        r = run_script(script, args + [f"--output={bad / 'o.png'}"], bad, env=env)
        assert_refused(r, needle, bad, bad / "o.png", bad / "o.json")
