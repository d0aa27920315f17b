"""The image collection (issue 26): a folder walked recursively in order, bad files
skipped with one warning and counted, clear errors for unusable folders, streaming
batches, a fingerprint that follows the files, and the offline default collection."""
import logging
import os

import numpy as np
import pytest
from PIL import Image

from lucid_repro import collection as coll
from lucid_repro.collection import ImageCollection
from lucid_repro.errors import UserError


def _photo(path, w=40, h=30, seed=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.random.RandomState(seed).randint(0, 256, (h, w, 3), np.uint8)).save(path)
    return str(path)


@pytest.fixture
def folder(tmp_path):
    """3 good images (one in a subfolder, one PNG), 2 corrupt ones, 1 non-image file."""
    d = tmp_path / "imgs"
    _photo(d / "b.jpg", seed=1)
    _photo(d / "sub" / "a.png", seed=2)
    _photo(d / "c.JPEG", w=30, h=50, seed=3)
    (d / "bad.jpg").write_bytes(b"not an image at all")
    good = open(d / "b.jpg", "rb").read()
    (d / "sub" / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (d / "notes.txt").write_text("hello")
    return d


def test_folder_walk_skips_and_counts_corrupt_files_with_one_warning(folder, caplog):
    with caplog.at_level(logging.WARNING, logger="lucid_repro"):
        c = ImageCollection.from_dir(folder)
    assert [os.path.relpath(p, folder) for p in c.paths] == ["b.jpg", "c.JPEG", os.path.join("sub", "a.png")]
    assert len(c) == 3
    assert sorted(os.path.basename(p) for p, _ in c.skipped) == ["bad.jpg", "truncated.jpg"]
    warnings = [r for r in caplog.records if r.name == "lucid_repro"]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()
    assert "skipped 2" in warnings[0].getMessage() and "bad.jpg" in warnings[0].getMessage()
    # bounded: the first images in order (a corrupt one is not counted towards the bound)
    assert [os.path.basename(p) for p in ImageCollection.from_dir(folder, max_images=2).paths] == ["b.jpg", "c.JPEG"]


def test_unusable_folders_are_one_line_errors(tmp_path):
    cases = {"missing": (tmp_path / "nope", "not found")}
    empty = tmp_path / "empty"
    empty.mkdir()
    cases["empty"] = (empty, "is empty")
    text = tmp_path / "text"
    text.mkdir()
    (text / "readme.md").write_text("x")
    cases["no image"] = (text, "no JPEG/PNG image")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.png").write_bytes(b"\x89PNG garbage")
    cases["only corrupt"] = (broken, "no readable image")
    for name, (path, needle) in cases.items():
        with pytest.raises(UserError, match=needle) as e:
            ImageCollection.from_dir(path)
        assert "\n" not in str(e.value), name
    with pytest.raises(UserError, match="max_images"):
        ImageCollection.from_dir(tmp_path, max_images=0)


def test_load_crops_and_batches_stream(folder, monkeypatch):
    c = ImageCollection.from_dir(folder)
    full = c.load(1)
    assert full.shape == (50, 30, 3) and full.dtype == np.float32 and 0 <= full.min() and full.max() <= 1
    assert c.load(1, size=16).shape == (16, 16, 3)
    loads = []
    real = coll.load_square
    monkeypatch.setattr(coll, "load_square", lambda p, s=None: loads.append(p) or real(p, s))
    it = c.batches(8, batch_size=2)
    indices, batch = next(it)
    assert indices == [0, 1] and batch.shape == (2, 8, 8, 3) and batch.dtype == np.float32
    assert len(loads) == 2          # only the first batch has been read
    assert [i for i, _ in it] == [[2]]


def test_fingerprint_follows_the_files(folder):
    c = ImageCollection.from_dir(folder)
    first = c.fingerprint()
    assert ImageCollection.from_dir(folder).fingerprint() == first
    os.utime(c.paths[0], ns=(0, 10 ** 18))
    assert c.fingerprint() != first
    assert ImageCollection.from_dir(folder, max_images=2).fingerprint() != c.fingerprint()


def test_default_collection_is_offline_and_credited(package_data):
    c = ImageCollection.default()
    names = [os.path.basename(p) for p in c.paths]
    assert names[:2] == ["bridge.jpg", "zurich.jpg"] and not c.skipped
    assert set(coll.SKIMAGE_FILES) <= set(names), "scikit-image's bundled images should all be there"
    notice = open(os.path.join(package_data, "NOTICE"), encoding="utf-8").read()
    assert all(name in notice for name in coll.SKIMAGE_FILES)
    assert len(ImageCollection.default(max_images=5)) == 5
    assert c.load(len(c) - 1, size=24).shape == (24, 24, 3)      # grayscale files come as RGB
