"""Regression references: arrays the code produced at a tiny size with a fixed seed,
stored under tests/reference/ (see tests/reference/README.md for how the tolerances
were set from the spread measured across CPU kernel paths).

LUCID_REPRO_UPDATE_REFERENCES=1 rewrites the references (say why in the commit);
LUCID_REPRO_REGRESSION_DUMP=<dir> also writes each array the test produced to <dir>,
which `tools/reference_spread.py` uses to measure the spread between kernel paths.

LUCID_REPRO_PERTURB=<relative size>:<seed> (e.g. 1e-6:1000) runs the regression tests
with their initial values nudged: every parameterization's variables as `render` creates
them (tests/conftest.py) and every input image the tests pass through `nudge` are
multiplied by 1 + size * N(0, 1) noise drawn from <seed>. How far that moves a result is
a property of the computation (its conditioning), the same on every CPU, unlike the
rounding of one machine's kernels; the tolerances below are taken from it.
"""
import os
import zlib

import numpy as np
import pytest

REFERENCE_DIR = os.path.join(os.path.dirname(__file__), "reference")
SPREAD_FILE = os.path.join(REFERENCE_DIR, "spread.json")
KEYS = ("max", "p99", "mean")
# tolerance = MARGIN x the largest difference measured between kernel paths or between
# runs from perturbed initial values (tests/reference/README.md), and at least FLOOR
# (float32 summation order alone moves a [0, 1] image by ~1e-7..1e-6).
MARGIN = 3.0
FLOOR = {"max": 1e-4, "p99": 3e-5, "mean": 3e-6}

# A regression test is marked, so that `make test` can rerun exactly these under
# other oneDNN kernel paths (ONEDNN_MAX_CPU_ISA=AVX2, TF_ENABLE_ONEDNN_OPTS=0).
regression = pytest.mark.regression

PERTURB_ENV = "LUCID_REPRO_PERTURB"


def perturbation():
    """(relative size, seed) from LUCID_REPRO_PERTURB, or None when unset."""
    value = os.environ.get(PERTURB_ENV)
    if not value:
        return None
    size, _, seed = value.partition(":")
    return float(size), int(seed or 0)


def perturb_array(array, key):
    """`array` x (1 + size x N(0, 1)) under LUCID_REPRO_PERTURB; unchanged otherwise.
    `key` (a string or int) picks the noise, so that a given array gets the same noise
    whatever order the tests run in."""
    p = perturbation()
    if p is None:
        return array
    size, seed = p
    key = zlib.crc32(key.encode()) if isinstance(key, str) else int(key)
    noise = np.random.default_rng([seed, key]).standard_normal(np.shape(array))
    return (np.asarray(array) * (1.0 + size * noise)).astype(np.asarray(array).dtype)


def perturb_render_params(monkeypatch):
    """Make `render` start every parameterization it builds from its initial values x
    (1 + size x noise), the k-th of a test from noise key k (the fixture in conftest.py
    calls this under LUCID_REPRO_PERTURB)."""
    from lucid_repro.optvis import render
    make_param, count = render._make_param, [0]

    def perturbed(param_f, seed, *args, **kwargs):
        param = make_param(param_f, seed, *args, **kwargs)
        for v in param.trainable_variables:
            v.assign(perturb_array(v.numpy(), count[0]))
            count[0] += 1
        return param
    monkeypatch.setattr(render, "_make_param", perturbed)


def nudge(image, name):
    """An input image of a regression test, perturbed under LUCID_REPRO_PERTURB (and
    kept in [0, 1])."""
    if perturbation() is None:
        return image
    return np.clip(perturb_array(image, "image/" + name), 0.0, 1.0).astype(image.dtype)


def differences(array, reference):
    """max, 99th-percentile and mean absolute difference of two arrays."""
    diff = np.abs(np.asarray(array, np.float64) - np.asarray(reference, np.float64)).ravel()
    return {"max": float(diff.max()), "p99": float(np.quantile(diff, 0.99)), "mean": float(diff.mean())}


def tolerance(spread, key):
    return max(MARGIN * spread.get(key, 0.0), FLOOR[key])


def governing_spread(entry):
    """The spread a reference's tolerance comes from: per key, the larger of the spread
    between kernel paths and the spread between perturbed runs (any size measured)."""
    spreads = [entry["kernels"]] + list(entry.get("perturbation", {}).values())
    return {k: max(s.get(k, 0.0) for s in spreads) for k in KEYS}


def measured_spread(name):
    import json
    with open(SPREAD_FILE) as f:
        spreads = json.load(f)
    assert name in spreads, f"no measured spread for {name}: run tools/reference_spread.py --write"
    entry = spreads[name]
    assert entry.get("perturbation"), (f"{name}: no perturbation spread measured: run "
                                       "tools/reference_spread.py --write")
    return governing_spread(entry)


def check_regression(name, array):
    """Compare `array` with tests/reference/<name>.npy.

    The largest, 99th-percentile and mean element differences must each stay within
    MARGIN x the larger of the spread measured between CPU kernel paths and the spread
    between runs from perturbed initial values (tests/reference/spread.json, written by
    tools/reference_spread.py), and at least FLOOR.
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
