"""The atlas script (issue 15) on Beam's DirectRunner, in memory, at a tiny size."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from script_checks import assert_refused, run_script

pytest.importorskip("apache_beam")


def _run(args, cwd):
    return run_script("atlas", ["--running_mode=in_memory", "--size=32", "--steps=2"] + args, cwd)


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
