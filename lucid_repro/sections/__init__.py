"""One module per technique (`lucid_repro.sections.<name>`): its declaration `SECTION`
(`base.Section`: title, claim, settings table with sources, figures, report numbers),
`demo()` (what `make demo` runs) and the writers of its files. `registry()` finds them
(every module of this package with a SECTION; adding a technique edits no list) in the
order they declare (`Section.order`); `scripts/demo.py` and the report iterate it.
`write_json` here (JSON records of settings and results; lucid_repro.images writes the
images).

The recipes in `lucid_repro.recipes` only compute; they never import this package. A
section module imports its recipe inside functions, so that reading `SECTION` (the
scripts' flag defaults) does not load TensorFlow.

(Called `outputs` before issue 23; `outputs/` is only the demo's data folder now.)"""
import functools
import importlib
import json
import os
import pkgutil

from lucid_repro.images import atomic_path
from lucid_repro.sections.base import ROWS, Section  # noqa: F401

_NOT_SECTIONS = ("base",)


@functools.lru_cache(maxsize=None)
def _declarations():
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_SECTIONS:
            continue
        section = getattr(importlib.import_module(f"{__name__}.{info.name}"), "SECTION", None)
        if isinstance(section, Section):
            if section.name != info.name:
                raise ValueError(f"sections/{info.name}.py declares a section named {section.name!r}")
            found.append(section)
    # the article's sections, then the classic toolbox, each in its declared order
    return tuple(sorted(found, key=lambda s: (s.part != "article", s.order, s.name)))


def registry():
    """Every section's declaration, in order (the report's and `make demo`'s)."""
    return list(_declarations())


def names():
    return [s.name for s in _declarations()]


def get(name):
    """The declaration of section `name`."""
    for s in _declarations():
        if s.name == name:
            return s
    raise KeyError(f"unknown section {name!r}; sections: {', '.join(names())}")


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
