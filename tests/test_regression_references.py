"""The machinery behind the regression references (tests/regression.py): every reference
has both spreads measured, the perturbation is what it says, and tolerances come from the
larger spread."""
import json
import os

import numpy as np
import pytest

import regression
from lucid_repro.optvis import param, render


def test_every_reference_has_both_spreads_measured():
    with open(regression.SPREAD_FILE) as f:
        spreads = json.load(f)
    names = sorted(n[:-4] for n in os.listdir(regression.REFERENCE_DIR) if n.endswith(".npy"))
    assert names and sorted(spreads) == names
    for name in names:
        entry = spreads[name]
        assert len(entry["kernel_settings"]) >= 3, name
        assert set(entry["perturbation"]) == {"1e-06", "1e-05"}, name
        assert entry["perturbation_runs"] >= 8, name


def test_tolerance_follows_the_larger_spread():
    entry = {"kernels": {"max": 1e-3, "p99": 1e-6, "mean": 0.0},
             "perturbation": {"1e-06": {"max": 2e-3, "p99": 1e-7, "mean": 0.0},
                              "1e-05": {"max": 5e-4, "p99": 2e-5, "mean": 0.0}}}
    spread = regression.governing_spread(entry)
    assert spread == {"max": 2e-3, "p99": 2e-5, "mean": 0.0}
    assert regression.tolerance(spread, "max") == pytest.approx(6e-3)
    assert regression.tolerance(spread, "p99") == pytest.approx(6e-5)
    assert regression.tolerance(spread, "mean") == regression.FLOOR["mean"]


def test_perturbation_is_relative_seeded_and_off_by_default(monkeypatch):
    x = np.random.default_rng(0).random((64, 64, 3)).astype(np.float32) + 0.5
    monkeypatch.delenv(regression.PERTURB_ENV, raising=False)
    assert regression.perturb_array(x, "a") is x and regression.nudge(x, "a") is x
    monkeypatch.setenv(regression.PERTURB_ENV, "1e-5:3")
    a, b, c = (regression.perturb_array(x, k) for k in ("a", "a", "b"))
    np.testing.assert_array_equal(a, b)                # same key, same noise
    assert not np.array_equal(a, c)                    # another key, other noise
    rel = (a.astype(np.float64) - x) / x
    assert 0.8e-5 < rel.std() < 1.2e-5 and abs(rel.mean()) < 1e-6
    monkeypatch.setenv(regression.PERTURB_ENV, "1e-5:4")
    assert not np.array_equal(regression.perturb_array(x, "a"), a)   # another seed
    n = regression.nudge(np.ones((8, 8, 3), np.float32), "edge")
    assert n.max() <= 1.0 and n.min() < 1.0           # stays a valid image


def test_render_starts_from_perturbed_values(monkeypatch):
    def start():
        return render.render(None, "input", param_f=lambda: param.image(8, fft=False, decorrelate=False),
                             transforms=[], thresholds=(0,), seed=0, progress=False).images[0]
    monkeypatch.delenv(regression.PERTURB_ENV, raising=False)
    plain = start()
    monkeypatch.setenv(regression.PERTURB_ENV, "1e-3:0")
    regression.perturb_render_params(monkeypatch)
    moved = start()
    assert 0 < np.abs(moved - plain).max() < 1e-2
