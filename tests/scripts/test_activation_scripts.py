"""The collection scripts of issue 26 end to end: --images with a corrupt file among good
ones (a warning and a count), and an unusable folder (one line, exit 2, nothing written;
the other unusable folders are checked in-process in tests/test_collection.py)."""
import numpy as np
from PIL import Image

from script_checks import assert_refused, run_script


def test_nearest_neighbors_skips_a_corrupt_file_and_writes_its_sheet(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.RandomState(0)
    for i in range(4):
        Image.fromarray(rng.randint(0, 256, (40, 48, 3), np.uint8)).save(folder / f"{i}.jpg")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "nn.png"
    r = run_script("nearest_neighbors", ["--noprogress", f"--images={folder}", "--size=32", "--pixel_size=8",
                                         "--k=2", "--queries=0,3", f"--output={out}"], tmp_path,
                   env={"LUCID_REPRO_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr
    assert "warning: skipped 1 unreadable image file" in r.stdout and "broken.png" in r.stdout
    assert "(1 skipped)" in r.stdout
    sheet = np.asarray(Image.open(out))
    assert sheet.shape == (2 * (64 + 4) + 4, 7 * (64 + 4) + 4, 3)   # 2 queries: query + 2, gap, query + 2 (64 px)
    assert list((tmp_path / "cache" / "activations").glob("*.npy"))



def test_embedding_refuses_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "e.png"
    r = run_script("embedding", [f"--images={tmp_path / 'empty'}", f"--output={out}"], tmp_path)
    assert_refused(r, "is empty", tmp_path, out, tmp_path / "e.json")
