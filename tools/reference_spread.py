"""Measure how far the regression tests' arrays move: between CPU kernel paths, and
between runs whose initial values were perturbed.

Runs `pytest -m regression` once per setting, each writing the arrays it produced
(LUCID_REPRO_REGRESSION_DUMP), then prints, per reference, the largest max /
99th-percentile / mean absolute difference between any two runs of a family:

- kernels: the default path and five other oneDNN / Eigen paths of this machine;
- perturbation at size s: the unperturbed default run and K runs with every initial value
  (parameterization variables, input images) multiplied by 1 + s x N(0, 1) noise, seeds
  0..K-1 (LUCID_REPRO_PERTURB, tests/regression.py). This spread is a property of the
  computation, the same on every CPU; a kernel path of another machine is one more
  rounding-level nudge of the same computation.

The tests take their tolerances from the larger of the two (tests/regression.py); the
table goes into tests/reference/README.md.

    .venv/bin/python tools/reference_spread.py [--families kernels perturbation] [--write]
        [--runs K] [--sizes 1e-6 1e-5] [--out DIR] [--reuse] [-- PYTEST ARGS, e.g. -k cppn]
"""
import argparse
import itertools
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from regression import (KEYS, PERTURB_ENV, REFERENCE_DIR, SPREAD_FILE, differences,  # noqa: E402
                        governing_spread, tolerance)

KERNEL_SETTINGS = {
    "default": {},
    "avx512_core_bf16": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"},   # Zen 4's ISA, no AMX
    "avx512_core": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},             # Skylake-X
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},                           # Zen 3
    "sse41": {"ONEDNN_MAX_CPU_ISA": "SSE41"},
    "no_onednn": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}
SIZES = ("1e-06", "1e-05")
RUNS = 8


def perturbed_settings(sizes, runs):
    return {f"perturb_{s}_{k}": {PERTURB_ENV: f"{s}:{k}"} for s in sizes for k in range(runs)}


def run_setting(name, env_extra, out, pytest_args):
    env = dict(os.environ, LUCID_REPRO_REGRESSION_DUMP=os.path.join(out, name), **env_extra)
    env.pop("LUCID_REPRO_UPDATE_REFERENCES", None)
    if PERTURB_ENV not in env_extra:
        env.pop(PERTURB_ENV, None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "regression",
           os.path.join(ROOT, "tests")] + pytest_args
    print(f"[{name}] {' '.join(f'{k}={v}' for k, v in env_extra.items()) or '(defaults)'}", flush=True)
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    print("   ", (r.stdout.strip().splitlines() or ["?"])[-1], flush=True)


def worst(ds):
    return {k: max(d[k] for d in ds) for k in KEYS} if ds else None


def pairwise_spread(arrays):
    ds = [differences(arrays[a], arrays[b]) for a, b in itertools.combinations(arrays, 2)
          if arrays[a].shape == arrays[b].shape]
    return worst(ds)


def fmt(d):
    return " / ".join(f"{d[k]:.2g}" for k in KEYS) if d else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/lucid_repro_spread")
    ap.add_argument("--families", nargs="*", default=["kernels", "perturbation"],
                    choices=["kernels", "perturbation"])
    ap.add_argument("--kernel_settings", nargs="*", default=list(KERNEL_SETTINGS))
    ap.add_argument("--sizes", nargs="*", default=list(SIZES))
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--reuse", action="store_true", help="do not rerun; compare what is in --out")
    ap.add_argument("--write", action="store_true",
                    help=f"write the measured spreads to {os.path.relpath(SPREAD_FILE, ROOT)} "
                         "(the tests derive their tolerances from it)")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()
    sizes = [f"{float(s):.0e}" for s in args.sizes]
    settings = {"default": {}}
    if "kernels" in args.families:
        settings.update({k: KERNEL_SETTINGS[k] for k in args.kernel_settings})
    if "perturbation" in args.families:
        settings.update(perturbed_settings(sizes, args.runs))
    if not args.reuse:
        for name, env_extra in settings.items():
            run_setting(name, env_extra, args.out, args.pytest_args)
    with open(SPREAD_FILE) as f:
        stored_spreads = json.load(f)
    names = sorted(f[:-4] for f in os.listdir(REFERENCE_DIR) if f.endswith(".npy"))
    measured = {}
    print("\n| reference | kernel paths: max / p99 / mean | "
          + " | ".join(f"perturbation {s}: max / p99 / mean" for s in sizes)
          + " | tolerance: max / p99 / mean | stored reference vs each run: max / p99 / mean |")
    print("|---|---|" + "---|" * len(sizes) + "---|---|")
    for ref in names:
        arrays = {}
        for s in settings:
            path = os.path.join(args.out, s, ref + ".npy")
            if os.path.exists(path):
                arrays[s] = np.load(path)
        if not arrays:
            continue
        entry = dict(stored_spreads.get(ref, {}))
        if "kernels" in args.families:
            kernel_arrays = {s: a for s, a in arrays.items() if s in KERNEL_SETTINGS}
            if len(kernel_arrays) > 1:
                entry["kernels"] = pairwise_spread(kernel_arrays)
                entry["kernel_settings"] = sorted(kernel_arrays)
        if "perturbation" in args.families and "default" in arrays:
            entry.setdefault("perturbation", {})
            for s in sizes:
                runs = {k: a for k, a in arrays.items() if k.startswith(f"perturb_{s}_")}
                if runs:
                    entry["perturbation"][s] = pairwise_spread({"default": arrays["default"], **runs})
                    entry["perturbation_runs"] = len(runs)
        measured[ref] = entry
        stored = np.load(os.path.join(REFERENCE_DIR, ref + ".npy"))
        vs_ref = worst([differences(a, stored) for a in arrays.values() if a.shape == stored.shape])
        tol = ({k: tolerance(governing_spread(entry), k) for k in KEYS}
               if "kernels" in entry else None)
        pert = entry.get("perturbation", {})
        print(f"| {ref} | {fmt(entry.get('kernels'))} | "
              + " | ".join(fmt(pert.get(s)) for s in sizes) + f" | {fmt(tol)} | {fmt(vs_ref)} |")
    if args.write:
        # references not measured in this run (e.g. `-- -k cppn`) keep their stored spread
        with open(SPREAD_FILE, "w") as f:
            json.dump({**stored_spreads, **measured}, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"wrote {SPREAD_FILE}")


if __name__ == "__main__":
    main()
