"""The article's toy example (two variables in a double well, independent vs shared)."""
import os

import numpy as np
import pytest

from lucid_repro.errors import UserError
from lucid_repro.optvis import render
from lucid_repro.recipes import toy_basin
from script_checks import run_script

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_double_well_and_params():
    z = np.array([-1.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(toy_basin.double_well(z), [0.0, 1.0, 0.0])
    ind = toy_basin.basin_param(5, shared=False, seed=0)
    sh = toy_basin.basin_param(5, shared=True, seed=0)
    assert ind().shape == sh().shape == (5, 2)
    assert len(ind.trainable_variables) == 1 and len(sh.trainable_variables) == 2
    with pytest.raises(UserError):
        toy_basin.basin_param(0, shared=True)


def test_fractions_statistical(monkeypatch):
    calls = []
    real = render.render

    def spy(*args, **kwargs):
        calls.append(kwargs.get("description"))
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "render", spy)
    n = 1000
    res = toy_basin.compare(trials=n, seed=1)
    # Both runs go through the project's single loop, one batched Param each.
    assert calls == ["independent", "shared"]
    ind, sh = res["independent"]["aligned"], res["shared"]["aligned"]
    # Independent: each of x, y picks a basin by the sign of its own start, so
    # "aligned" is Binomial(n, 1/2): sd = sqrt(.25 / n) = 0.0158; 5 sd = 0.079.
    assert abs(ind - 0.5) < 5 * np.sqrt(0.25 / n)
    # Shared: measured 0.967 (seed 0) with sd 0.1 starts and lr 0.05. Near 0 the
    # symmetric mode x + y grows 3x faster than x - y, so alignment must be far
    # above chance; 0.9 leaves > 5 binomial sd (0.0057) of margin.
    assert sh > 0.9
    for r in res.values():
        assert r["converged"] > 0.99  # every trial reaches a minimum, |z| within 0.1 of 1
        assert r["xy"].shape == (n, 2)


def test_plot_panels():
    res = toy_basin.compare(trials=50, steps=50)
    panels = toy_basin.plot(res, size=64)
    assert len(panels) == 2 and panels[0].shape == (64, 64, 3)
    assert 0.0 <= panels[0].min() and panels[0].max() <= 1.0


def _script(*args, tmp_path=None):
    return run_script("toy_basin", args, ROOT, timeout=300)


def test_script_prints_fractions(tmp_path):
    out = tmp_path / "basin.png"
    r = _script("--trials=300", f"--output={out}")
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if "aligned" in l]
    assert len(lines) == 2 and lines[0].strip().startswith("independent") and "shared" in lines[1]
    assert out.exists() and (tmp_path / "basin.json").exists()


@pytest.mark.parametrize("flag", ["--trials=0", "--steps=-3", "--lr=0"])
def test_script_bad_flags(tmp_path, flag):
    out = tmp_path / "basin.png"
    r = _script(flag, f"--output={out}")
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:"), r.stderr
    assert not out.exists()
