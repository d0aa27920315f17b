"""The parameterization comparison's table (issue 28): the rows written by
`benchmarks/param_comparison.py` (one per model, layer, unit and parameterization) summarized
per model, layer and parameterization as the median and range over the units. The objective
and the objective per second are ratios to fft's on the same unit, within the run. Used by
the benchmark (its printed markdown) and the report's card. No TensorFlow here.

The benchmark's JSON: {"settings": {...}, "rows": [...]} (a bare list of rows is read too).
"""
import json
import statistics

COLUMNS = (("objective / fft's", "objective_ratio"), ("obj/s / fft's", "speed_ratio"),
           ("act. / top natural patch", "rel_top"), ("spectral slope", "slope"),
           ("saturation", "saturation"))


def load(path):
    """(settings, rows) from a benchmark JSON file."""
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, list):
        return {}, data
    return dict(data.get("settings") or {}), list(data.get("rows") or [])


def summarize(rows):
    """One dict per (model, layer, param), in the rows' order: model, layer, param, units
    (how many: those every parameterization of the layer finished), and for each column key of COLUMNS a (median, low, high) over the units."""
    keys = []
    for r in rows:
        k = (r["model"], r["layer"], r["param"])
        if k not in keys:
            keys.append(k)
    kinds = {}
    for model, layer, kind in keys:
        kinds.setdefault((model, layer), []).append(kind)
    out = []
    for model, layer, kind in keys:
        # only the units every parameterization finished (a run cut short ends mid-unit)
        done = set.intersection(*({r["unit"] for r in rows if (r["model"], r["layer"], r["param"]) == (model, layer, k)}
                                  for k in kinds[(model, layer)]))
        sel = [r for r in rows if (r["model"], r["layer"], r["param"]) == (model, layer, kind) and r["unit"] in done]
        ref = {r["unit"]: r for r in rows if (r["model"], r["layer"], r["param"]) == (model, layer, "fft")}
        values = {
            "objective_ratio": [r["objective"] / ref[r["unit"]]["objective"] for r in sel
                                if r["unit"] in ref and ref[r["unit"]]["objective"]],
            "speed_ratio": [r["obj_per_s"] / ref[r["unit"]]["obj_per_s"] for r in sel
                            if r["unit"] in ref and ref[r["unit"]]["obj_per_s"]],
        }
        for key in ("rel_top", "slope", "saturation"):
            values[key] = [r[key] for r in sel if r.get(key) is not None and r[key] == r[key]]
        entry = dict(model=model, layer=layer, param=kind, units=len(sel))
        for key, v in values.items():
            entry[key] = (statistics.median(v), min(v), max(v)) if v else None
        out.append(entry)
    return out


def cell(value):
    """'1.22 [0.80, 1.50]' from (median, low, high); '—' for None."""
    if value is None:
        return "—"
    med, lo, hi = (f"{x:.2f}".replace("-", "\u2212") for x in value)
    return f"{med} [{lo}, {hi}]"


def markdown(rows):
    """The summary as a markdown table."""
    head = "| model | layer | param | units | " + " | ".join(name for name, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (4 + len(COLUMNS))]
    for e in summarize(rows):
        lines.append(f"| {e['model']} | {e['layer']} | {e['param']} | {e['units']} | "
                     + " | ".join(cell(e[key]) for _, key in COLUMNS) + " |")
    return "\n".join(lines)
