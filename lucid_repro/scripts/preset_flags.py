"""--preset for the scripts of the article's sections: "demo" (the default: small, fast
settings, the scripts' defaults), "article" (the article's / Lucid's exact settings,
mapped to VGG19 where the article used GoogLeNet, and Lucid's own numbers with
--model=inception_v1) or "paper" (the Gram family and feature inversion: the settings of
the papers they reproduce, Gatys et al. on VGG19 and He, Wang & Hopcroft on the random
VGG19: L-BFGS, 256 px, 2000 iterations, white-noise start in [0, 1], average pooling).

Each section's recipe holds its table as plain data, `RUN_PRESETS = {"article": {...},
"demo": {...}}`: flag name -> value, plus an optional "by_model" dict (model family ->
flag values that replace the common ones for that model). Flags given on the command
line win over the preset (absl's `FLAGS[name].present`). `record()` is what the run's
JSON stores: the preset's name and every resolved value.

No TensorFlow here: the preset is applied before the scripts' cheap checks, so the
tables are literals that `table_of` reads from the recipe's source (`ast.literal_eval`)
without importing the recipe (tests check it equals the imported `RUN_PRESETS`).
"""
import ast
import os

from absl import flags

FLAGS = flags.FLAGS
PRESET_NAMES = ("demo", "article", "paper")
_applied = {}


def define(default="demo", names=("demo", "article")):
    """`names`: the presets of the script's section (its recipe's RUN_PRESETS keys)."""
    about = {"demo": "demo = small, fast settings", "article": "article = the article's exact settings "
             "(sizes, steps, learning rates, transforms, layers)", "paper": "paper = the papers' settings "
             "(Gatys et al. / He et al.: L-BFGS, sizes, iterations, layers, weights, white-noise start)"}
    flags.DEFINE_enum("preset", default, [n for n in PRESET_NAMES if n in names],
                      "; ".join(about[n] for n in PRESET_NAMES if n in names) + "; explicit flags win")


def table_of(section):
    """The RUN_PRESETS literal of recipes/<section>.py, without importing the module."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "recipes",
                        section + ".py")
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "RUN_PRESETS"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(f"recipes/{section}.py has no RUN_PRESETS")


def model_family(model_name):
    """'vgg19', 'ranvgg19', 'inception_v1' (or the name itself) for a --model value."""
    name = str(model_name or "")
    for family in ("ranvgg19", "vgg19", "inception_v1"):
        if name == family or name.startswith(family + "_"):
            return family
    return name


def resolve(table, preset, model_name=None):
    """The flag values of `preset` in `table` for `model_name` (by_model entries applied)."""
    if preset not in table:
        raise KeyError(f"no preset {preset!r}; known: {', '.join(table)}")
    values = {k: v for k, v in table[preset].items() if k != "by_model"}
    values.update(table[preset].get("by_model", {}).get(model_family(model_name), {}))
    return values


def apply(table, preset=None, model_name=None, flag_values=None):
    """Set every flag of the preset that was not given on the command line. `table`: a
    RUN_PRESETS dict or a section name (see `table_of`). Returns the record: {"name":
    preset, "section", "values": {flag: value in use}, "overridden": [flags given]}."""
    fv = flag_values if flag_values is not None else FLAGS
    preset = preset or fv.preset
    section = table if isinstance(table, str) else None
    table = table_of(table) if isinstance(table, str) else table
    model_name = model_name if model_name is not None else getattr(fv, "model", None)
    values = resolve(table, preset, model_name)
    overridden = []
    for name, value in values.items():
        if fv[name].present:
            overridden.append(name)
        else:
            fv[name].value = list(value) if isinstance(value, tuple) else value
    _applied.clear()
    _applied.update(name=preset, section=section, values={n: _plain(fv[n].value) for n in values},
                    overridden=sorted(overridden))
    return record()


def record():
    """The preset in use (after `apply`), JSON-ready."""
    return {k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
            for k, v in _applied.items()}


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value
