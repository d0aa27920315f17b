"""One module per technique (`lucid_repro.sections.<name>`): its declaration `SECTION`
(`base.Section`: title, claim, settings table with sources, figures, report numbers),
`demo()` (what `make demo` runs) and the writers of its files. `registry()` lists them in
the report's order; `scripts/demo.py` and the report iterate it. `write_json` here (JSON
records of settings and results; lucid_repro.images writes the images).

The recipes in `lucid_repro.recipes` only compute; they never import this package. A
section module imports its recipe inside functions, so that reading `SECTION` (the
scripts' flag defaults) does not load TensorFlow.

(Called `outputs` before issue 23; `outputs/` is only the demo's data folder now.)"""
import importlib
import json
import os

from lucid_repro.images import atomic_path
from lucid_repro.sections.base import ROWS, Section  # noqa: F401

# The article's order, then the classic toolbox (the report's order and `make demo`'s).
NAMES = (
    "aligned_interpolation", "style_transfer", "cppn", "transparency", "feature_vis_3d",
    "style_transfer_3d", "feature_vis", "texture_synthesis", "random_vgg", "saliency", "class_vis",
    "deepdream", "feature_inversion", "adversarial", "toy_basin", "atlas",
)


def get(name):
    """The declaration of section `name`."""
    if name not in NAMES:
        raise KeyError(f"unknown section {name!r}; sections: {', '.join(NAMES)}")
    return importlib.import_module(f"lucid_repro.sections.{name}").SECTION


def registry():
    """Every section's declaration, in order."""
    return [get(n) for n in NAMES]


def demo_sections():
    """The sections `make demo` runs (some are shown by the report only)."""
    return [s for s in registry() if s.runs]


class SectionSkipped(Exception):
    """Raised by a section's demo() that cannot run here (e.g. no classifier weights);
    the message is the reason, which `make demo` prints and the report lists."""


def write_json(path, record):
    """Write a JSON record atomically (temp file + rename)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1, sort_keys=False)
            f.write("\n")
    return os.fspath(path)
