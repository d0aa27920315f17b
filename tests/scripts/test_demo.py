"""`make demo` end to end at tiny size: every section runs and writes its files."""
import json
import os
import re

from lucid_repro.recipes import demo_sections
from script_checks import run_script

SECTIONS = [s.name for s in demo_sections()]


def test_demo_quick_all_sections(tmp_path):
    out = tmp_path / "out"
    r = run_script("demo", ["--quick", "--noprogress", f"--output_dir={out}"], tmp_path, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    n = len(SECTIONS)
    for k, name in enumerate(SECTIONS, 1):
        # one progress line per section: k/N, its time, elapsed, an estimate of what is left
        assert re.search(rf"^\[{k}/{n}\] \[{name}\] (done|skipped) in \d+ s; elapsed \d+:\d\d, "
                         rf"about \d+:\d\d left$", r.stdout, re.M), \
            f"section {name} did not finish:\n{r.stdout[-2000:]}"
    written = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs]
    assert len(written) >= len(SECTIONS)
    assert not [p for p in written if os.path.basename(p).startswith(".tmp")]
    manifest = json.loads((out / "demo.json").read_text())
    assert set(manifest["sections"]) == set(SECTIONS)
    for name, rec in manifest["sections"].items():
        assert rec["status"] in ("done", "skipped") and rec["seconds"] >= 0
        assert rec["status"] == "done" or rec["reason"]
        for f in rec["files"]:
            assert (out / f).is_file(), f
    # every textured mesh is also a .glb; the report is written and named at the end
    objs = [p for p in written if p.endswith("_mesh.obj")]
    assert objs and all(os.path.isfile(p[:-4] + ".glb") for p in objs)
    assert (out / "index.html").is_file()
    assert r.stdout.rstrip().splitlines()[-1] == f"open it: file://{out / 'index.html'}"


def test_demo_rejects_unknown_section(tmp_path):
    r = run_script("demo", ["--sections=nope", f"--output_dir={tmp_path}"], tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error: unknown section")
