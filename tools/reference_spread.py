"""Measure how far the regression tests' arrays move between CPU kernel paths.

Runs `pytest -m regression` once per kernel setting, each writing the arrays it
produced (LUCID_REPRO_REGRESSION_DUMP), then prints, per reference, the largest
max / 99th-percentile / mean absolute difference between any two settings and
between each setting and the stored reference. The table goes into
tests/reference/README.md and the tolerances in the tests are set from it.

    .venv/bin/python tools/reference_spread.py [--out DIR] [--only NAME ...]
"""
import argparse
import json
import itertools
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from regression import KEYS, REFERENCE_DIR, SPREAD_FILE, differences, tolerance  # noqa: E402

SETTINGS = {
    "default": {},
    "avx512_core_bf16": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"},   # Zen 4's ISA, no AMX
    "avx512_core": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},             # Skylake-X
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},                           # Zen 3
    "sse41": {"ONEDNN_MAX_CPU_ISA": "SSE41"},
    "no_onednn": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}


def run_setting(name, env_extra, out, pytest_args):
    env = dict(os.environ, LUCID_REPRO_REGRESSION_DUMP=os.path.join(out, name), **env_extra)
    env.pop("LUCID_REPRO_UPDATE_REFERENCES", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "regression",
           os.path.join(ROOT, "tests")] + pytest_args
    print(f"[{name}] {' '.join(f'{k}={v}' for k, v in env_extra.items()) or '(defaults)'}", flush=True)
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    print("   ", (r.stdout.strip().splitlines() or ["?"])[-1], flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/lucid_repro_spread")
    ap.add_argument("--settings", nargs="*", default=list(SETTINGS))
    ap.add_argument("--reuse", action="store_true", help="do not rerun; compare what is in --out")
    ap.add_argument("--write", action="store_true",
                    help=f"write the measured spreads to {os.path.relpath(SPREAD_FILE, ROOT)} "
                         "(the tests derive their tolerances from it)")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()
    if not args.reuse:
        for name in args.settings:
            run_setting(name, SETTINGS[name], args.out, args.pytest_args)
    names = sorted(f[:-4] for f in os.listdir(REFERENCE_DIR) if f.endswith(".npy"))
    spreads = {}
    print("\n| reference | spread between kernel paths: max / p99 / mean | tolerance: max / p99 / mean "
          "| stored reference vs each path: max / p99 / mean |")
    print("|---|---|---|---|")
    for ref in names:
        arrays = {}
        for s in args.settings:
            path = os.path.join(args.out, s, ref + ".npy")
            if os.path.exists(path):
                arrays[s] = np.load(path)
        if not arrays:
            continue
        stored = np.load(os.path.join(REFERENCE_DIR, ref + ".npy"))
        between = [differences(arrays[a], arrays[b]) for a, b in itertools.combinations(arrays, 2)
                   if arrays[a].shape == arrays[b].shape]
        vs_ref = [differences(a, stored) for a in arrays.values() if a.shape == stored.shape]

        def worst(ds):
            return {k: max(d[k] for d in ds) for k in KEYS} if ds else None

        def fmt(d):
            return " / ".join(f"{d[k]:.2g}" for k in KEYS) if d else "n/a"
        spread = worst(between)
        if spread is not None:
            spreads[ref] = {"spread": spread, "settings": sorted(arrays)}
        tol = {k: tolerance(spread or {}, k) for k in KEYS}
        print(f"| {ref} | {fmt(spread)} | {fmt(tol)} | {fmt(worst(vs_ref))} |")
    if args.write:
        # references not measured in this run (e.g. `-- -k cppn`) keep their stored spread
        if os.path.exists(SPREAD_FILE):
            with open(SPREAD_FILE) as f:
                spreads = {**json.load(f), **spreads}
        with open(SPREAD_FILE, "w") as f:
            json.dump(spreads, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"wrote {SPREAD_FILE}")


if __name__ == "__main__":
    main()
