"""Write a Colab notebook from a Python file whose cells are separated by
lines '# %%' (code) or '# %% [markdown]' (markdown, each line prefixed '# ').

    python tools/make_notebook.py colab/src/feature_vis.py colab/feature_vis.ipynb
"""
import sys

import nbformat


def cells_from_source(text):
    cells, kind, lines = [], None, []

    def flush():
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(l[2:] if l.startswith("# ") else l.lstrip("#") for l in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body:
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    flush()
    return cells


def main(src, dst):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells_from_source(open(src).read())
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["colab"] = {"provenance": []}
    nbformat.write(nb, dst)


if __name__ == "__main__":
    main(*sys.argv[1:3])
