import os

import numpy as np
import pytest
from PIL import Image

from script_checks import run_script



def _run(args, tmp_path):
    return run_script("feature_vis", ["--noprogress"] + args, tmp_path)


def test_script_writes_image(tmp_path):
    out = tmp_path / "fv.png"
    r = _run(["--objective=conv3_1:5", "--size=32", "--steps=3", f"--output={out}"], tmp_path)
    assert r.returncode == 0, r.stderr
    img = np.asarray(Image.open(out))
    assert img.shape == (32, 32, 3) and img.std() > 0


@pytest.mark.parametrize("args,needle", [
    (["--objective=conv4_2:999"], "out of range"),
    (["--objective=nolayer:3"], "unknown layer"),
    (["--objective=conv4_2:abc"], "bad objective"),
    (["--size=-5"], "--size must be positive"),
    (["--model=alexnet"], "unknown model"),
    (["--weights=/nonexistent/w.bin"], "not found"),
    (["--param=wavelet"], "param"),
])
def test_bad_input_one_line_exit_2(tmp_path, args, needle):
    out = tmp_path / "x.png"
    r = _run(["--steps=1", "--size=16", f"--output={out}"] + args, tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists() and not [p for p in os.listdir(tmp_path) if p.startswith(".tmp")]
