"""--preset: run a script at one row of its section's settings table
(`lucid_repro.recipes.<name>.SECTION.settings`, see `lucid_repro.declaration`).

    library  the script's flag defaults (the default preset; `--help` shows these values)
    demo     what `make demo` runs
    quick    `make demo --quick` (tiny sizes)
    article  the article's / Lucid's exact settings (VGG19 stand-ins where the article used
             GoogLeNet; Lucid's own numbers with --model=inception_v1)
    paper    the original paper's settings, where the section has them

Flags given on the command line win over the preset (absl's `FLAGS[name].present`); a row's
values that are not flags of the script (e.g. the demo's list of units) are not applied.
`record()` is what the run's JSON stores: the preset's name and every resolved value.

The declarations are plain data (`lucid_repro.declaration`), read while the flags are defined.
"""
from absl import flags

FLAGS = flags.FLAGS
# The flags this module's functions define belong to the script that calls them, so that
# the script's --help lists them with their defaults (absl attributes a flag to its caller).
flags.disclaim_key_flags()
DEFAULT_PRESET = "library"
_applied = {}


def define(section, default=DEFAULT_PRESET):
    """--preset over the rows `section` has."""
    flags.DEFINE_enum("preset", default, list(section.rows),
                      "row of the settings table to run (explicit flags win): "
                      + "; ".join(f"{r} = {_describe(section, r)}" for r in section.rows))


def _describe(section, row):
    return {"library": "these flags' defaults", "demo": "make demo's settings",
            "quick": "make demo --quick (tiny)", "article": "the article's exact settings",
            "paper": "the original paper's settings"}.get(row, row) + \
        (f" ({section.sources[row]})" if row in ("article", "paper") and row in section.sources else "") + \
        (_per_model(section) if row == "library" else "")


def _per_model(section):
    """The library row's per-family defaults, so --help says what a plain run on that model uses."""
    by_model = section.settings["library"].get("by_model", {})
    return "".join(f"; with --model={family}: " + ", ".join(f"--{k}={v}" for k, v in values.items())
                   for family, values in by_model.items())


def apply(section, preset=None, model_name=None, flag_values=None):
    """Set every flag of the preset row that was not given on the command line. Returns the
    record: {"name": preset, "section", "values": {flag: value in use}, "overridden": [flags given]}."""
    fv = flag_values if flag_values is not None else FLAGS
    preset = preset or fv.preset
    model_name = model_name if model_name is not None else (fv["model"].value if "model" in fv else None)
    values = {k: v for k, v in section.row(preset, model_name).items() if k in fv}
    overridden = []
    for name, value in values.items():
        if fv[name].present:
            overridden.append(name)
        else:
            fv[name].value = list(value) if isinstance(value, tuple) else value
    _applied.clear()
    _applied.update(name=preset, section=section.name, values={n: _plain(fv[n].value) for n in values},
                    overridden=sorted(overridden))
    return record()


def record():
    """The preset in use (after `apply`), JSON-ready."""
    return {k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
            for k, v in _applied.items()}


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value
