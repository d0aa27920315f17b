"""Regression references: arrays the code produced at a tiny size with a fixed seed,
stored under tests/reference/ (see tests/reference/README.md for how the tolerances
were set from the spread measured across CPU kernel paths).

LUCID_REPRO_UPDATE_REFERENCES=1 rewrites the references (say why in the commit);
LUCID_REPRO_REGRESSION_DUMP=<dir> also writes each array the test produced to <dir>,
which `tools/reference_spread.py` uses to measure the spread between kernel paths.
"""
import os

import numpy as np
import pytest

REFERENCE_DIR = os.path.join(os.path.dirname(__file__), "reference")
SPREAD_FILE = os.path.join(REFERENCE_DIR, "spread.json")
KEYS = ("max", "p99", "mean")
# tolerance = MARGIN x the largest difference measured between kernel paths, and at
# least FLOOR (float32 summation order alone moves a [0, 1] image by ~1e-7..1e-6).
MARGIN = 3.0
FLOOR = {"max": 1e-4, "p99": 3e-5, "mean": 3e-6}

# A regression test is marked, so that `make test` can rerun exactly these under
# other oneDNN kernel paths (ONEDNN_MAX_CPU_ISA=AVX2, TF_ENABLE_ONEDNN_OPTS=0).
regression = pytest.mark.regression


def differences(array, reference):
    """max, 99th-percentile and mean absolute difference of two arrays."""
    diff = np.abs(np.asarray(array, np.float64) - np.asarray(reference, np.float64)).ravel()
    return {"max": float(diff.max()), "p99": float(np.quantile(diff, 0.99)), "mean": float(diff.mean())}


def tolerance(spread, key):
    return max(MARGIN * spread.get(key, 0.0), FLOOR[key])


def measured_spread(name):
    import json
    with open(SPREAD_FILE) as f:
        spreads = json.load(f)
    assert name in spreads, f"no measured spread for {name}: run tools/reference_spread.py --write"
    return spreads[name]["spread"]


def check_regression(name, array):
    """Compare `array` with tests/reference/<name>.npy.

    The largest, 99th-percentile and mean element differences must each stay within
    MARGIN x the spread measured between CPU kernel paths (tests/reference/spread.json,
    written by tools/reference_spread.py), and at least FLOOR.
    """
    path = os.path.join(REFERENCE_DIR, name + ".npy")
    array = np.asarray(array, np.float32)
    dump = os.environ.get("LUCID_REPRO_REGRESSION_DUMP")
    if dump:
        os.makedirs(dump, exist_ok=True)
        np.save(os.path.join(dump, name + ".npy"), array)
    if os.environ.get("LUCID_REPRO_UPDATE_REFERENCES") == "1":
        os.makedirs(REFERENCE_DIR, exist_ok=True)
        np.save(path, array)
    assert os.path.exists(path), f"missing reference {path}; run with LUCID_REPRO_UPDATE_REFERENCES=1"
    reference = np.load(path)
    assert array.shape == reference.shape, f"{name}: shape {array.shape} != reference {reference.shape}"
    d = differences(array, reference)
    spread = measured_spread(name)
    for key in KEYS:
        bound = tolerance(spread, key)
        assert d[key] <= bound, (
            f"{name}: {key} |diff| {d[key]:.3g} > {bound} (all: max {d['max']:.3g}, "
            f"p99 {d['p99']:.3g}, mean {d['mean']:.3g})")
