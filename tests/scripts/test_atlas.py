"""The atlas script (issue 15) on Beam's DirectRunner, in memory, at a tiny size."""
import dataclasses
import json
import os

import numpy as np
import pytest
from PIL import Image

from script_checks import assert_refused, run_script

pytest.importorskip("apache_beam")


def _run(args, cwd):
    # --precision=auto (the default) times its verdict once into this test's own cache (issue 29)
    return run_script("atlas", ["--running_mode=in_memory", "--size=32", "--steps=2"] + args, cwd,
                      env={"LUCID_REPRO_CACHE": str(cwd / "cache")})


def test_atlas_writes_tiles_records_manifest_page_and_resumes(tmp_path):
    out = tmp_path / "atlas"
    args = ["--layers=conv3_1", "--channels=0:2", "--batch=1", f"--output_dir={out}"]
    r = _run(args, tmp_path)
    assert r.returncode == 0, r.stderr
    for ch in (0, 1):
        tile = out / "conv3_1" / f"conv3_1_{ch:04d}.png"
        assert np.asarray(Image.open(tile)).shape == (32, 32, 3)
        rec = json.loads((out / "conv3_1" / f"conv3_1_{ch:04d}.json").read_text())
        assert rec["channel"] == ch and rec["steps_run"] == 2 and np.isfinite(rec["objective"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["units_done"] == 2 and manifest["units_rendered_this_run"] == 2
    choice = manifest["precision_choice"]     # --precision=auto: what it measured, in the JSON and the log
    assert choice["source"] == "measured" and manifest["precision"] == choice["precision"]
    assert f"precision auto -> {choice['precision']}" in r.stdout
    page = (out / "index.html").read_text()
    assert "conv3_1/conv3_1_0001.png" in page and (out / "conv3_1_grid.png").exists()
    assert not [p for p in os.listdir(out / "conv3_1") if p.startswith(".tmp")]
    before = (out / "conv3_1" / "conv3_1_0000.png").read_bytes()
    # resume: done units are skipped; a unit whose tile went missing is rendered again, identically
    os.remove(out / "conv3_1" / "conv3_1_0000.png")
    r = _run(args, tmp_path)
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["units_rendered_this_run"] == 1 and manifest["units_done"] == 2
    assert manifest["precision_choice"]["source"] == "cached"
    assert (out / "conv3_1" / "conv3_1_0000.png").read_bytes() == before
    r = _run(args, tmp_path)
    assert json.loads((out / "manifest.json").read_text())["units_rendered_this_run"] == 0


@pytest.mark.parametrize("args,needle", [
    (["--layers=nolayer"], "unknown layer"),
    (["--layers=conv3_1", "--channels=250:260"], "out of range"),
    (["--size=-4"], "--size must be positive"),
    (["--batch=0"], "--batch must be positive"),
    (["--channels=5:2"], "--channels"),
    (["--runner=NoRunner"], "--runner"),
])
def test_bad_flags_one_line_exit_2_nothing_written(tmp_path, args, needle):
    out = tmp_path / "atlas"
    r = _run([f"--output_dir={out}"] + args, tmp_path)
    assert_refused(r, needle, tmp_path, out)


def test_atlas_of_a_four_band_keras_model_shows_false_colour_and_keeps_every_band(tmp_path):
    """Issue 25: a user's 4-band keras: model, rebuilt in the Beam worker from the config's
    plain data; tiles are the --bands false colour, every band in <tile>.npy; a --bands
    naming a band the model lacks is one line."""
    from any_models import band_cnn
    from lucid_repro.images import to_uint8
    from lucid_repro.recipes import atlas
    band_cnn(4).save(tmp_path / "bands.keras")
    out = tmp_path / "atlas"
    model = [f"--model=keras:{tmp_path / 'bands.keras'}", "--preprocess=none", "--layers=conv2",
             "--channels=0,1", "--batch=2", "--size=20", "--precision=float32", f"--output_dir={out}"]
    r = _run(model + ["--bands=0,1,7"], tmp_path)
    assert_refused(r, "--bands must be three band indices in 0..3", tmp_path, out)
    r = _run(model + ["--bands=3,2,1"], tmp_path)
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["units_done"] == 2 and manifest["bands"] == [3, 2, 1]
    assert manifest["model_kwargs"]["preprocess"] == "none"
    for unit in manifest["units"]:
        tile = np.asarray(Image.open(out / unit["tile"]))
        bands = np.load(out / unit["npy"])
        assert tile.shape == (20, 20, 3) and bands.shape == (20, 20, 4) and bands.std() > 0
        np.testing.assert_array_equal(tile, to_uint8(bands[..., [3, 2, 1]]))
    assert np.asarray(Image.open(out / "conv2_grid.png")).shape[-1] == 3
    assert "bands 3,2,1" in (out / "index.html").read_text()
    # a unit whose band file went missing is not done (a later run renders it again)
    config = atlas.AtlasConfig(**{f.name: manifest[f.name] for f in dataclasses.fields(atlas.AtlasConfig)})
    assert atlas.read_done(config, "conv2", 1) is not None
    os.remove(out / manifest["units"][1]["npy"])
    assert atlas.read_done(config, "conv2", 1) is None


def test_tiles_of_gray_and_rgb_models_are_plain_pngs(tmp_path):
    from lucid_repro.recipes import atlas
    rng = np.random.default_rng(0)
    for channels, mode in ((1, "L"), (3, "RGB")):
        path = str(tmp_path / f"t{channels}.png")
        assert atlas.write_tile(path, rng.random((8, 8, channels), dtype=np.float32)) is None
        assert Image.open(path).mode == mode and not os.path.exists(path + ".npy")
