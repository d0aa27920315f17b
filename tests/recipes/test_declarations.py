"""One place per technique (issue 23): each section's declaration (`SECTION`) is the only
source of its settings, and everything else reads it. Checked here:

* every script's flag defaults are its section's "library" row (what `--help` shows is what
  a plain run uses), and every value of the library / article rows is a flag of the script;
* `make demo` and the report iterate the one registry; the report's settings sentence is
  the declaration's, filled from its demo row;
* the registry finds every recipe that declares a SECTION; a script imports TensorFlow (its
  recipe does) before parsing flags, and a bad input still prints one `error:` line;
* no model-name string tests outside `lucid_repro/models/` (model knowledge is on the
  model's family, `lucid_repro.models.families`).
"""
import glob
import json
import os
import re
import subprocess
import sys

import pytest

from lucid_repro import recipes
from lucid_repro.declaration import ROWS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
# script -> the section whose declaration it reads (found in the scripts' own imports: a
# new technique's script is checked without being listed here)
SCRIPTS = {}
for _path in sorted(glob.glob(os.path.join(ROOT, "lucid_repro", "scripts", "*.py"))):
    _m = re.search(r"^from lucid_repro\.recipes\.(\w+) import SECTION$", open(_path).read(), re.M)
    if _m:
        SCRIPTS[os.path.basename(_path)[:-3]] = _m.group(1)

# One fresh interpreter (what `python -m lucid_repro.scripts.X` starts as) imports the
# scripts package (TensorFlow, quietly) and the recipes once, with its stderr captured, then
# forks a child per script: the child imports the script (absl defines its flags: each
# script needs its own process) and sends back the flags' defaults. One more child runs a
# script with a bad input, as `python -m` would. A fresh interpreter per script would pay
# TensorFlow's import (about 5 s) each time.
_SCRIPT_RUNS = """
import importlib, json, os, runpy, sys, tempfile
from absl import flags
tmp = tempfile.mkdtemp()

def fork(child):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 1
        try:
            with os.fdopen(w, "w") as f:
                json.dump(child(), f, default=str)
            code = 0
        except BaseException:
            import traceback
            traceback.print_exc()
        os._exit(code)
    os.close(w)
    with os.fdopen(r) as f:
        text = f.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit("a child failed")
    return json.loads(text)

def redirected(fd, path):
    saved = os.dup(fd)
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out, fd)
    os.close(out)
    return saved

sys.stderr.flush()
saved = redirected(2, os.path.join(tmp, "import_stderr"))
import lucid_repro.scripts
from lucid_repro import recipes
recipes.registry()
sys.stderr.flush()
os.dup2(saved, 2)
found = {"import_stderr": open(os.path.join(tmp, "import_stderr")).read(), "flags": {}}

def flags_of(script):
    importlib.import_module("lucid_repro.scripts." + script)
    return {"own": {n: flags.FLAGS[n].default for n in flags.FLAGS}, "all": sorted(flags.FLAGS)}

for script in sys.argv[2:]:
    found["flags"][script] = fork(lambda: flags_of(script))

def bad_run():
    module, *args = json.loads(sys.argv[1])
    for fd in (1, 2):
        redirected(fd, os.path.join(tmp, str(fd)))
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as e:
        code = e.code
    sys.stdout.flush(), sys.stderr.flush()
    return {"returncode": code, "stdout": open(os.path.join(tmp, "1")).read(),
            "stderr": open(os.path.join(tmp, "2")).read()}

found["bad_run"] = fork(bad_run)
print(json.dumps(found))
"""
BAD_RUN = ["lucid_repro.scripts.style_transfer_3d", "--style_batch=content", "--texture_size=0",
           "--output_dir=/nonexistent/never-written"]


@pytest.fixture(scope="module")
def script_runs():
    r = subprocess.run([sys.executable, "-c", _SCRIPT_RUNS, json.dumps(BAD_RUN), *SCRIPTS], capture_output=True,
                       text=True, env=ENV, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def script_flags(script_runs):
    return script_runs["flags"]


def test_registry_is_complete_and_ordered():
    names = [s.name for s in recipes.registry()]
    assert names == recipes.names() and len(set(names)) == len(names)
    assert names[:6] == ["aligned_interpolation", "style_transfer", "cppn", "transparency", "feature_vis_3d",
                         "style_transfer_3d"]           # the article's order first
    folder = os.path.dirname(recipes.__file__)      # every recipe that declares a SECTION, found by its text
    assert set(names) == {f[:-3] for f in os.listdir(folder) if f.endswith(".py")
                          and re.search(r"^SECTION = Section\(", open(os.path.join(folder, f)).read(), re.M)}
    for s in recipes.registry():
        assert s.title and s.claim and s.part in ("article", "classic")
        assert set(s.rows) <= set(ROWS) and set(s.sources) == set(s.settings), s.name
        if s.runs:
            assert {"demo", "quick"} <= set(s.rows), s.name
        if s.in_report:
            assert s.figures and s.numbers is not None and s.settings_text()
            assert "?" not in s.settings_text(), (s.name, s.settings_text())   # every {key} is in the demo row


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_script_defaults_are_the_library_row(script, script_flags):
    declared = recipes.get(SCRIPTS[script])
    info = script_flags[script]
    library = declared.row("library")
    own = info["own"]
    for key, value in library.items():
        assert key in info["all"], f"{script}: library row key {key!r} is not a flag"
        if key in own:
            default = own[key]
            assert default == value or (isinstance(value, list) and default == list(value)), (script, key)
    for row in ("article", "paper"):
        if row in declared.settings:
            missing = set(declared.row(row)) - set(info["all"])
            assert not missing, f"{script}: --preset={row} sets {missing}, which are not flags"
    if len(declared.rows) > 1 and "preset" in info["all"]:
        assert own.get("preset") == "library"


def test_report_settings_text_is_the_declarations(tmp_path):
    from lucid_repro import report
    page = open(report.write_report(str(tmp_path)), encoding="utf-8").read()
    import html
    for s in recipes.registry():
        if s.in_report:
            assert html.escape(s.settings_text(), quote=True) in page, s.name


def test_demo_iterates_the_registry():
    from lucid_repro.scripts import demo
    assert not hasattr(demo, "SECTIONS") and not hasattr(demo, "EXPECTED_SECONDS")
    assert demo.time_left(["cppn"], ["toy_basin"], 104.0) == pytest.approx(
        recipes.get("toy_basin").expected_seconds)


def test_demo_rows_are_what_demo_runs(monkeypatch):
    # a section's demo() reads its row: change the row, the demo follows (no second copy)
    from lucid_repro.recipes import toy_basin
    seen = {}

    def fake_compare(trials, steps, lr, sd, progress):
        seen.update(trials=trials, steps=steps, lr=lr, sd=sd)
        raise RuntimeError("stop")
    monkeypatch.setattr(toy_basin, "compare", fake_compare)
    with pytest.raises(RuntimeError):
        toy_basin.demo(None, "unused", quick=True, progress=False)
    assert seen == toy_basin.SECTION.row("quick")


def test_no_model_name_tests_outside_models():
    zoo = r"""["'](vgg|ranvgg|inception|hub:|keras:)"""
    pattern = re.compile(r"(==|!=|\bin\s*\(|startswith\(\(?)\s*" + zoo + "|" + zoo + r"[^\n]*\s(==|!=)\s")
    hits = []
    for folder in ("lucid_repro", "colab/src"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            if os.sep + "models" in dirpath:
                continue
            for f in files:
                if f.endswith(".py"):
                    path = os.path.join(dirpath, f)
                    for i, line in enumerate(open(path, encoding="utf-8"), 1):
                        if pattern.search(line):
                            hits.append(f"{os.path.relpath(path, ROOT)}:{i}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_scripts_import_tensorflow_quietly(script_runs):
    # a fresh interpreter importing the scripts package and every recipe (TensorFlow with
    # them) writes nothing on stderr: a script's bad input stays one `error:` line
    assert script_runs["import_stderr"] == ""


def test_deprecated_style_batch_flag_warns_and_works(script_runs):
    r = script_runs["bad_run"]            # BAD_RUN, run as `python -m` runs it
    assert r["returncode"] == 2
    assert "warning: --style_batch is deprecated; use --batch_mode" in r["stdout"]
    lines = [l for l in r["stderr"].strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "--texture_size" in lines[0], r["stderr"]


def test_scripts_define_only_the_flag_groups_they_use(script_flags):
    has = {s: set(info["all"]) for s, info in script_flags.items()}
    for script, names in has.items():
        meshes = script.endswith("_3d")
        assert ("max_mesh_faces" in names) == meshes, script
        assert ("mesh" in names) == meshes, script
        # saliency has no loop; the toy basin is numpy gradient descent, no render loop; the
        # activation techniques (issue 26) and the attention maps run forward passes only
        no_loop = ("saliency", "toy_basin", "filters", "activation_maps", "nearest_neighbors", "embedding",
                   "occlusion", "grabcut", "top_patches", "attention_maps")
        assert ("checkpoint_every" in names) == (script not in no_loop), script
        assert "max_memory_gb" in names, script          # every script checks its sizes' memory
    for script in ("feature_vis", "cppn", "transparency", "aligned_interpolation", "class_vis", "toy_basin",
                   "filters"):
        assert "max_image_pixels" not in has[script], script     # reads no image
    for script in ("style_transfer", "texture_synthesis", "feature_inversion"):
        assert {"pooling", "stacked"} <= has[script]
    assert "stacked" not in has["feature_vis"] and "preset" not in has["saliency"]


def test_family_constants_match_the_models():
    from lucid_repro.models import families, inception_v1
    assert families.INCEPTION_V1.head_size == inception_v1.IMAGE_SHAPE[:2]
    assert families.family_of("ranvgg19_stacked") is families.RANVGG19
    assert families.family_of("vgg19") is families.VGG19 and families.family_of("hub:x") is families.GENERIC
    assert families.pick({"vgg19": 1}, "vgg19_avgpool") == 1 and families.pick({"vgg19": 1}, "hub_x", 2) == 2
