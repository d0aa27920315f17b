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


@pytest.fixture(scope="module")
def kernel():
    """One Python kernel per test process, shared by the notebooks it runs: a kernel start
    and TensorFlow's import are paid once, not per notebook. Each notebook starts with
    `%reset -f` (an empty namespace: it must import what it uses, as alone on Colab) in
    its own working directory."""
    from jupyter_client.manager import KernelManager
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=dict(os.environ, LUCID_REPRO_QUICK="1", TF_CPP_MIN_LOG_LEVEL="2"))
    yield km
    km.shutdown_kernel(now=True)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, kernel):
    nb = nbformat.read(path, as_version=4)
    n_cells = len(nb.cells)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"%reset -f\nimport os\nos.chdir({str(tmp_path)!r})\ndel os"))
    client = NotebookClient(nb, km=kernel, timeout=600, kernel_name="python3")
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    assert len(nb.cells) == n_cells + 1 and all(
        c.get("execution_count") for c in nb.cells if c.cell_type == "code" and c.source.strip())
