"""`make demo` end to end at tiny size: every section runs and writes its files."""
import os
import subprocess
import sys

from lucid_repro.scripts.demo import SECTIONS


def test_demo_quick_all_sections(tmp_path):
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "lucid_repro.scripts.demo", "--quick", "--noprogress",
                        f"--output_dir={out}"], capture_output=True, text=True, timeout=1800,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert r.returncode == 0, r.stderr[-3000:]
    for name, _ in SECTIONS:
        assert f"[{name}] done" in r.stdout, f"section {name} did not finish:\n{r.stdout[-2000:]}"
    written = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs]
    assert len(written) >= len(SECTIONS)
    assert not [p for p in written if os.path.basename(p).startswith(".tmp")]


def test_demo_rejects_unknown_section(tmp_path):
    r = subprocess.run([sys.executable, "-m", "lucid_repro.scripts.demo", "--sections=nope",
                        f"--output_dir={tmp_path}"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error: unknown section")
