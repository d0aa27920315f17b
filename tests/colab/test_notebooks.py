"""Execute every notebook in colab/ headless at a tiny size (LUCID_REPRO_QUICK=1)."""
import glob
import os

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "colab", "*.ipynb")))


def test_every_notebook_has_a_source():
    assert NOTEBOOKS, "no notebooks in colab/"
    for nb in NOTEBOOKS:
        src = os.path.join(ROOT, "colab", "src", os.path.basename(nb)[:-6] + ".py")
        assert os.path.exists(src), f"{nb} has no source {src}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("LUCID_REPRO_QUICK", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
