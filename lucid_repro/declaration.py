"""A technique's declaration: `Section`, written once at the top of its recipe
(`lucid_repro/recipes/<name>.py`, `SECTION = Section(...)`) and read by everything that
needs its data: the script's flag defaults and `--preset` (`scripts/preset_flags.py`),
`make demo` (`scripts/demo.py`, through `lucid_repro.recipes.registry`), the notebooks
(`colab/src/<name>.py`), and the HTML report (its title, claim, figures, numbers and
settings sentence). Also here: what the declarations and their `demo()`s share
(`write_json`, `SectionSkipped`, and `read_json` / `fmt` / `dig` for the report numbers).

No TensorFlow here (the recipe that holds a declaration imports it; this module does not).

The settings table, `settings`: row name -> {name: value}, plus an optional "by_model"
dict (model family, `lucid_repro.models.families`, -> values that replace the common ones
for that family). Rows, where a section has them:

* "library": what the script runs with no flags (its flag defaults);
* "demo": what `make demo` runs (`--preset=demo` runs the script at those settings);
* "quick": `make demo --quick`, the notebooks' LUCID_REPRO_QUICK=1 and the smoke tests;
* "article": the article's / Lucid's notebook's exact settings (VGG19 stand-ins where the
  article used GoogLeNet, Lucid's own numbers under by_model "inception_v1");
* "paper": the original paper's settings (where the technique comes from a paper).

`sources`: row name -> where that row's numbers come from (a notebook, a paper, "ours").
"""
import dataclasses
import glob
import json
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from lucid_repro.files import atomic_path

ROWS = ("library", "demo", "quick", "article", "paper")
NO_NUMBER = "none given (the article shows this qualitatively)"

Row = Tuple[str, str, str]          # a report row: (quantity, ours, article)


@dataclasses.dataclass(frozen=True)
class Section:
    name: str                       # the recipe module, the demo's folder, the report's anchor
    title: str
    part: str                       # "article" | "classic": where the report puts it
    claim: str                      # one sentence, the report's "Claim."
    settings: Dict[str, Dict[str, Any]]
    sources: Dict[str, str]
    figures: Tuple[Tuple[str, str], ...] = ()   # (glob under the output dir, caption)
    numbers: Optional[Callable[[str], List[Row]]] = None   # report rows from an output dir
    describe: str = ""              # the report's settings sentence; {key} = the demo row's value
    note: str = ""
    order: int = 100                # place in the report and `make demo` (within its part)
    expected_seconds: int = 60      # one `make demo` on the 2-core build machine
    runs: bool = True               # False: shown by the report only (ran inside `folder`)
    in_report: bool = True          # False: `make demo` runs it, the report has its own card
    folder: Optional[str] = None    # the demo folder whose status/time it shows (default: name)

    def __post_init__(self):
        unknown = set(self.settings) - set(ROWS)
        if unknown:
            raise ValueError(f"{self.name}: unknown settings rows {sorted(unknown)}; rows: {ROWS}")
        if self.part not in ("article", "classic"):
            raise ValueError(f"{self.name}: part must be 'article' or 'classic'")

    @property
    def module(self):
        return f"lucid_repro.recipes.{self.name}"

    @property
    def demo_folder(self):
        return self.folder or self.name

    @property
    def rows(self):
        """The rows this section has, in the order of ROWS (the --preset choices)."""
        return tuple(r for r in ROWS if r in self.settings)

    def row(self, name, model=None):
        """The values of row `name` for `model` (a FeatureModel, a model name, a family name
        or None): the common values with the family's "by_model" entries applied."""
        if name not in self.settings:
            raise KeyError(f"section {self.name} has no settings row {name!r}; rows: {', '.join(self.rows)}")
        from lucid_repro.models.families import family_name
        table = self.settings[name]
        values = {k: _copy(v) for k, v in table.items() if k != "by_model"}
        family = family_name(model) if model is not None else None
        values.update({k: _copy(v) for k, v in table.get("by_model", {}).get(family, {}).items()})
        return values

    def get(self, row, key, model=None):
        return self.row(row, model)[key]

    def demo_row(self, quick=False, model=None):
        """The row `make demo` runs: "quick" with --quick, else "demo"."""
        return self.row("quick" if quick else "demo", model)

    def settings_text(self, row="demo"):
        """The report's settings sentence: `describe` filled with the row's values."""
        if not self.describe:
            return ""
        values = {k: _text(v) for k, v in self.row(row).items()} if row in self.settings else {}
        return self.describe.format_map(_Blank(values))

    def run_demo(self, model, output_dir, quick=False, progress=True):
        """`make demo`'s part: the recipe's demo()."""
        import importlib
        return importlib.import_module(self.module).demo(model, output_dir, quick=quick, progress=progress)


def _copy(value):
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _text(value):
    if isinstance(value, (list, tuple)):
        return ("×" if all(isinstance(v, int) for v in value) else ", ").join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return value


class _Blank(dict):
    def __missing__(self, key):
        return "?"


# ----------------------------------------------------------------------------- reading an output dir
# (the sections' `numbers` functions read the JSON their demo wrote)

def read_json(out, pattern):
    """The first JSON file matching `pattern` under `out` (parsed), or None."""
    for path in sorted(glob.glob(os.path.join(out, pattern))):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    return None


def fmt(x, digits=3):
    """A number as the report shows it ("—" for missing)."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, float)):
        if x != x:
            return "nan"
        if x != 0 and (abs(x) >= 1e5 or abs(x) < 10 ** -digits):
            return f"{x:.{digits}g}"
        return f"{x:.{digits}f}" if abs(x) < 100 else f"{x:.0f}"
    return str(x)


def dig(d, *keys):
    """d[k1][k2]... or None where a key is missing."""
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


# ----------------------------------------------------------------------------- writing an output dir

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
