"""One module per technique (an article section or a classic technique), each read top to
bottom: its declaration `SECTION` (`lucid_repro.declaration.Section`: title, claim, the
settings table with sources, figures, report numbers), its computation (a thin recipe on
`lucid_repro.optvis`, and `lucid_repro.gl` for 3D: none has its own loop, and the compute
functions write no file), then `demo()` (what `make demo` runs) and the writers of its
files.

`registry()` finds the techniques (every module of this package with a SECTION: adding one
edits no list) in the order they declare (`Section.order`); `scripts/demo.py` and the
report iterate it. It imports every recipe, so TensorFlow, on first use."""
import functools
import importlib
import pkgutil

from lucid_repro.declaration import Section


@functools.lru_cache(maxsize=None)
def _declarations():
    found = []
    for info in pkgutil.iter_modules(__path__):
        section = getattr(importlib.import_module(f"{__name__}.{info.name}"), "SECTION", None)
        if isinstance(section, Section):
            if section.name != info.name:
                raise ValueError(f"recipes/{info.name}.py declares a section named {section.name!r}")
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
