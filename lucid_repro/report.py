"""One page to see everything: `<output_dir>/index.html`, built from what `make demo` (or
the scripts) left in an output folder.

The page only lays out what the sections declare (`lucid_repro.recipes.registry()`, one
`Section` per technique, in the article's order, then the classic toolbox): the figures
(animations play inline), the claim in one sentence, the section's numbers (its `numbers`
reads its own JSON files) beside the article's, its settings sentence (filled from its
settings table), the model, the run time (from `demo.json`, written by `scripts/demo.py`),
links to every file; the textured meshes in orbitable `<model-viewer>`s; the sections that
were skipped or not run, with the reason.

The page works offline from file://: CSS and the page's script are inlined; model-viewer
(lucid_repro/report_static/, see its NOTICE) is copied to `report_files/` and loaded as a
classic script; each .glb is also copied there as a small script holding it in base64,
because Chromium refuses fetch() of file:// URLs. Built with the standard library only
(string templates and html.escape).
"""
import base64
import glob
import html
import json
import os
import re
import shutil
import time

from lucid_repro.files import atomic_path
from lucid_repro.declaration import read_json
from lucid_repro.recipes import registry

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report_static")
MODEL_VIEWER = "model-viewer-umd.min.js"
MODEL_VIEWER_VERSION = "4.4.0"
MANIFEST = "demo.json"
FILES_DIR = "report_files"
PAGE = "index.html"
ARTICLE = "https://distill.pub/2018/differentiable-parameterizations/"
# Meshes for the side-by-side viewers: (glob under the output dir, caption).
MESHES = [("style_transfer_3d/style_transfer_3d_original_mesh.glb", "original texture"),
          ("feature_vis_3d/feature_vis_3d_mesh.glb", "feature visualization (render-based)"),
          ("style_transfer_3d/style_transfer_3d_mesh.glb", "style transfer (Starry Night)"),
          ("feature_vis_3d/feature_vis_3d_naive_mesh.glb", "feature visualization, naive (seams)")]


# ----------------------------------------------------------------------------- page

def read_manifest(output_dir):
    try:
        with open(os.path.join(output_dir, MANIFEST)) as f:
            record = json.load(f)
        return record if isinstance(record, dict) else {}
    except (OSError, ValueError):
        return {}


def _e(s):
    return html.escape(str(s), quote=True)


def _href(rel):
    return "/".join(_e(p) for p in rel.split(os.sep))


def _all(out, pattern):
    return [os.path.relpath(p, out) for p in sorted(glob.glob(os.path.join(out, pattern)))]


def _unit_of(rel):
    """'conv5_1:15' from a file name holding conv5_1_15; else the file's stem."""
    stem = os.path.splitext(os.path.basename(rel))[0]
    m = re.search(r"((?:conv|relu|pool|mixed)[0-9a-z]*_\d+)_(\d+)", stem)
    return f"{m.group(1)}:{m.group(2)}" if m else stem


def _first(out, pattern):
    """The file matching `pattern` with the shortest name (a section's contact sheet
    `x.png` before its parts `x_pixel.png`), or None."""
    hits = sorted(glob.glob(os.path.join(out, pattern)), key=lambda p: (len(p), p))
    return os.path.relpath(hits[0], out) if hits else None


def _clock(seconds):
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _figure(rel, caption, out):
    full = os.path.join(out, rel)
    if rel.lower().endswith(".mp4"):
        return (f'<figure><video src="{_href(rel)}" autoplay muted loop playsinline controls preload="auto" '
                f'class="pixel" style="max-width: 480px"></video><figcaption>{_e(caption)} · '
                f'<a href="{_href(rel)}">{_e(os.path.basename(rel))}</a></figcaption></figure>')
    try:
        from PIL import Image
        with Image.open(full) as im:
            w, h = im.size
    except Exception:
        w = h = None
    # small images are scaled up (pixelated) at most 4x; wide contact sheets span the row
    size = f' width="{w}" height="{h}" style="max-width: min(100%, {4 * w}px)"' if w else ""
    pixel = ' class="pixel"' if w and w < 200 else ""
    span = ' class="span"' if w and w >= 1.6 * h and w >= 300 else ""
    stats = _stats_text(full)
    return (f'<figure{span}><a href="{_href(rel)}"><img src="{_href(rel)}" alt="{_e(caption)}"{size}{pixel}></a>'
            f'<figcaption>{_e(caption)} · <a href="{_href(rel)}">{_e(os.path.basename(rel))}</a>'
            f'{f"<br><small>{_e(stats)}</small>" if stats else ""}</figcaption></figure>')


def _stats_text(path):
    """The image statistics of a PNG (`lucid_repro.image_stats`: spectral slope, clipped
    fraction, mean HSV saturation; the article's interpolation figure: -1.75, ~1 %, 0.34)."""
    if not path.lower().endswith(".png"):
        return ""
    try:
        from lucid_repro.image_stats import file_stats
        st = file_stats(path)
    except Exception:
        return ""
    return f"slope {st['slope']:.2f} · clipped {100 * st['clipped']:.1f} % · saturation {st['saturation']:.2f}"


RECORDED_KEYS = ("model", "size", "steps", "texture_size", "view_size", "frames", "objective", "units", "from", "to",
                 "lr", "style_decay", "gram_average")


def _recorded_settings(out, section):
    """'key value' pairs the section's JSON files recorded (first value of each key): the
    settings the run really used, beside the entry's description."""
    found = {}
    for path in sorted(glob.glob(os.path.join(out, section, "*.json"))):
        data = read_json(out, os.path.relpath(path, out)) or {}
        if not isinstance(data, dict):
            continue
        for key in RECORDED_KEYS:
            value = data.get(key)
            if key not in found and isinstance(value, (str, int, float, list)) and not isinstance(value, bool):
                found[key] = ", ".join(map(str, value)) if isinstance(value, list) else value
        preset = data.get("preset")
        if "preset" not in found and isinstance(preset, dict) and preset.get("name"):
            found["preset"] = preset["name"]
    return " · ".join(f"{k} {v}" for k, v in found.items())


def _section_html(entry, out, manifest, index):
    sec_name = entry.demo_folder
    rec = (manifest.get("sections") or {}).get(sec_name, {})
    figs, seen = [], set()
    for pattern, caption in entry.figures:
        # a caption with "{unit}" shows every match, the unit read from the file name
        # (cppn_conv5_1_15_training.mp4 -> conv5_1:15); others the first match only
        rels = _all(out, pattern) if "{unit}" in caption else [_first(out, pattern)]
        for rel in rels:
            if rel and rel not in seen:
                seen.add(rel)
                figs.append(_figure(rel, caption.format(unit=_unit_of(rel)), out))
    status = rec.get("status") or ("done" if figs else "not run")
    rows = entry.numbers(out) if figs and entry.numbers else []
    nums = "".join(f'<tr><td>{_e(q)}</td><td class="num">{_e(o)}</td><td>{_e(a)}</td></tr>' for q, o, a in rows)
    table = (f'<table class="nums"><tr><th>quantity</th><th>ours</th><th>article</th></tr>{nums}</table>'
             if rows else "")
    files = sorted(os.path.relpath(p, out) for p in glob.glob(os.path.join(out, sec_name, "*"))
                   if os.path.isfile(p))
    file_list = "".join(f'<li><a href="{_href(f)}">{_e(f)}</a></li>' for f in files)
    model = rec.get("model") or manifest.get("model") or "?"
    quick = rec.get("quick", manifest.get("quick"))
    preset = "quick (tiny sizes)" if quick else "demo"
    settings = entry.settings_text("quick" if quick and "quick" in entry.settings else "demo")
    recorded = _recorded_settings(out, sec_name)
    badge = "" if status == "done" else f'<span class="badge skip">{_e(status)}</span>'
    reason = f'<p class="note"><b>Skipped:</b> {_e(rec.get("reason"))}</p>' if rec.get("reason") else ""
    note = f'<p class="note">{_e(entry.note)}</p>' if entry.note else ""
    body = (f'<div class="figs">{"".join(figs)}</div>' if figs else
            '<p class="note">No figures in this folder (see the list of skipped sections).</p>')
    return f"""
<section class="card" id="{_e(entry.name)}">
<h2>{index}. {_e(entry.title)}<span class="badge">{_e(entry.part)}</span>{badge}</h2>
<p class="claim"><b>Claim.</b> {_e(entry.claim)}</p>
{reason}{body}
<div class="cols"><div>{table}{note}</div>
<div class="meta"><p><b>Settings</b> ({_e(preset)}): {_e(settings)}<br>
{f'<b>Recorded</b>: {_e(recorded)}<br>' if recorded else ''}
<b>Model</b>: {_e(model)} · <b>Run time</b>: {_e(_clock(rec.get("seconds")))}</p></div></div>
{f'<details><summary>All {len(files)} files of this section</summary><ul>{file_list}</ul></details>' if files else ''}
</section>"""


def _viewers_html(out, files_dir):
    blocks, scripts = [], []
    for pattern, caption in MESHES:
        rel = _first(out, pattern)
        if not rel:
            continue
        ident = re.sub(r"[^A-Za-z0-9_]", "_", os.path.splitext(rel)[0])
        with open(os.path.join(out, rel), "rb") as f:
            b64 = base64.b64encode(f.read()).decode("ascii")
        script = f"{ident}.glb.js"
        _write_text(os.path.join(files_dir, script),
                    f'(window.LUCID_GLB = window.LUCID_GLB || {{}})["{ident}"] = "{b64}";\n')
        scripts.append(f'<script src="{FILES_DIR}/{script}"></script>')
        blocks.append(f'<figure><model-viewer data-glb="{ident}" alt="{_e(caption)}" camera-controls '
                      f'interaction-prompt="none" camera-orbit="0deg 75deg auto" shadow-intensity="0" '
                      f'exposure="1" environment-image="neutral" touch-action="pan-y"></model-viewer>'
                      f'<figcaption>{_e(caption)} · <a href="{_href(rel)}">{_e(os.path.basename(rel))}</a>'
                      f'</figcaption></figure>')
    if not blocks:
        return "", ""
    html_block = f"""
<section class="card" id="viewer3d">
<h2>The bunny in 3D<span class="badge">interactive</span></h2>
<p class="claim">Drag to orbit, scroll or pinch to zoom. Each mesh is the .glb (binary glTF, texture
embedded) written next to its OBJ; open it in any glTF viewer.</p>
<div class="viewers">{"".join(blocks)}</div>
</section>"""
    return html_block, "\n".join(scripts)


def _atlas_html(out):
    """A card linking each unit atlas found under `out` (a folder whose manifest.json says
    kind "atlas", written by `lucid_repro.scripts.atlas`); "" if none."""
    blocks = []
    for path in sorted(glob.glob(os.path.join(out, "*", "manifest.json")) + glob.glob(os.path.join(out, "manifest.json"))):
        try:
            with open(path) as f:
                m = json.load(f)
        except (OSError, ValueError):
            continue
        if not isinstance(m, dict) or m.get("kind") != "atlas":
            continue
        rel = os.path.relpath(os.path.dirname(path), out)
        page = "index.html" if rel == "." else f"{rel}/index.html"
        grids = [os.path.join(rel, s["grid"]) if rel != "." else s["grid"]
                 for s in (m.get("layers_summary") or {}).values() if s.get("grid")]
        figs = "".join(_figure(g, f"unit atlas grid: {os.path.basename(g)}", out) for g in grids[:2])
        blocks.append(f'<p><a href="{_href(page)}">{_e(rel if rel != "." else "atlas")}/index.html</a>: '
                      f'{_e(m.get("model"))}, layers {_e(", ".join(m.get("layers") or []))}, '
                      f'{_e(m.get("units_done"))} of {_e(m.get("units_total"))} units, {_e(m.get("size"))} px, '
                      f'{_e(m.get("steps"))} steps, {_e(m.get("precision"))}</p><div class="figs">{figs}</div>')
    if not blocks:
        return ""
    return f"""
<section class="card" id="atlas">
<h2>Unit atlas<span class="badge">classic</span></h2>
<p class="claim">Every channel of a layer, one feature visualization each (python -m lucid_repro.scripts.atlas).</p>
{"".join(blocks)}
</section>"""


PARAM_COMPARISON_DIR = "param_comparison"
PARAM_COMPARISON_COMMITTED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                          "benchmarks", "experiments", "results")


def _param_comparison_html(out, committed_dir=PARAM_COMPARISON_COMMITTED):
    """A card with the parameterization comparison (issue 28; `benchmarks/param_comparison.py`):
    the JSON files `<out>/param_comparison/*.json` (a benchmark run's `--json`, copied or
    written there), else the committed `param_comparison_issue28*.json` of the repository;
    one table per file (`lucid_repro.param_table`); "" if none."""
    from lucid_repro import param_table
    paths = sorted(glob.glob(os.path.join(out, PARAM_COMPARISON_DIR, "*.json")))
    where = f"{PARAM_COMPARISON_DIR}/ in this folder"
    if not paths and committed_dir:
        paths = sorted(glob.glob(os.path.join(committed_dir, "param_comparison_issue28*.json")))
        where = "the repository's committed run (benchmarks/experiments/results/)"
    blocks = []
    for path in paths:
        try:
            settings, rows = param_table.load(path)
            summary = param_table.summarize(rows)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if not summary:
            continue
        head = "".join(f"<th>{_e(name)}</th>" for name in ("model", "layer", "param", "units")) + \
            "".join(f"<th>{_e(name)}</th>" for name, _ in param_table.COLUMNS)
        body = "".join(
            f"<tr><td>{_e(e['model'])}</td><td>{_e(e['layer'])}</td><td>{_e(e['param'])}</td>"
            f'<td class="num">{e["units"]}</td>'
            + "".join(f'<td class="num">{_e(param_table.cell(e[key]))}</td>' for _, key in param_table.COLUMNS)
            + "</tr>" for e in summary)
        said = ", ".join(f"{k} {settings[k]}" for k in ("size", "steps", "seed") if k in settings)
        blocks.append(f'<p><b>{_e(os.path.basename(path))}</b>{": " + _e(said) if said else ""}</p>'
                      f'<div style="overflow-x:auto"><table class="nums"><tr>{head}</tr>{body}</table></div>')
    if not blocks:
        return ""
    return f"""
<section class="card" id="param_comparison">
<h2>Parameterizations compared<span class="badge">benchmark</span></h2>
<p class="claim">Pixel, Fourier + decorrelated (Lucid's fft) and MaCo on the same units, seed, steps
and transforms (benchmarks/param_comparison.py; from {_e(where)}). Median [range] over the units;
the objective and the objective per second of compute as ratios to fft's on the same unit, within
one run; the unit's strongest activation on the visualization over its strongest on any image of
the default collection; spectral slope (natural images about -2) and mean HSV saturation.</p>
{"".join(blocks)}
</section>"""


def _write_text(path, text):
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    return path


def _static(name):
    with open(os.path.join(STATIC_DIR, name), encoding="utf-8") as f:
        return f.read()


EARLY_SCRIPT = """window.__reportErrors = [];
window.addEventListener("error", function (e) {
  var t = e.target, src = t && t !== window && (t.currentSrc || t.src || t.href);
  window.__reportErrors.push(src ? "failed to load " + src : String(e.message));
}, true);
window.addEventListener("unhandledrejection", function (e) {
  window.__reportErrors.push("unhandled rejection: " + (e.reason && e.reason.message || e.reason));
});
(function () { var ce = console.error; console.error = function () {
  window.__reportErrors.push(Array.prototype.map.call(arguments, String).join(" "));
  return ce.apply(console, arguments); }; })();"""


def write_report(output_dir):
    """Write `<output_dir>/index.html` (and `report_files/`) from the files found there.
    Returns the page's path."""
    out = os.fspath(output_dir)
    manifest = read_manifest(out)
    files_dir = os.path.join(out, FILES_DIR)
    os.makedirs(files_dir, exist_ok=True)
    viewer_html, glb_scripts = _viewers_html(out, files_dir)
    if viewer_html:
        shutil.copyfile(os.path.join(STATIC_DIR, MODEL_VIEWER), os.path.join(files_dir, MODEL_VIEWER))
        shutil.copyfile(os.path.join(STATIC_DIR, "NOTICE"), os.path.join(files_dir, "NOTICE"))
        shutil.copyfile(os.path.join(STATIC_DIR, "LICENSE.model-viewer"),
                        os.path.join(files_dir, "LICENSE.model-viewer"))
    sections, toc, skipped = [], [], []
    part = None
    for i, entry in enumerate([s for s in registry() if s.in_report], 1):
        if entry.part != part:
            part = entry.part
            sections.append(f'<h2 class="part">{"The article: Differentiable Image Parameterizations" if part == "article" else "Classic CNN visualization"}</h2>')
        sections.append(_section_html(entry, out, manifest, i))
        rec = (manifest.get("sections") or {}).get(entry.demo_folder, {})
        has_figs = any(_first(out, p) for p, _ in entry.figures)
        if rec.get("status") == "skipped":
            skipped.append((entry, rec.get("reason") or "skipped"))
        elif not has_figs:
            skipped.append((entry, "not run into this folder (e.g. left out with --sections), "
                                   "or its files were removed"))
        cls = ' class="skipped"' if not has_figs else ""
        toc.append(f'<a href="#{_e(entry.name)}"{cls}>{i}. {_e(entry.title.split(" (")[0].split(":")[0])}</a>')
        if entry.name == "style_transfer_3d" and viewer_html:
            sections.append(viewer_html)
            toc.append('<a href="#viewer3d">3D viewer</a>')
    atlas_html = _atlas_html(out)
    if atlas_html:
        toc.append('<a href="#atlas">Unit atlas</a>')
    comparison_html = _param_comparison_html(out)
    if comparison_html:
        toc.append('<a href="#param_comparison">Parameterizations compared</a>')
    done = sum(1 for r in (manifest.get("sections") or {}).values() if r.get("status") == "done")
    total = manifest.get("total_seconds")
    records = (manifest.get("sections") or {}).items()
    has_cpu = any("cpu_seconds" in r for _, r in records)
    times = "".join(f'<tr><td><a href="#{_e(n)}">{_e(n)}</a></td><td>{_e(r.get("status", "?"))}</td>'
                    f'<td class="num">{_e(_clock(r.get("seconds")))}</td>'
                    + (f'<td class="num">{_e(_clock(r.get("cpu_seconds")))}</td>' if has_cpu else "")
                    + "</tr>" for n, r in records)
    cpu_head = "<th>CPU time (all cores)</th>" if has_cpu else ""
    skipped_html = ("<ul class=\"skipped\">" + "".join(
        f'<li><a href="#{_e(e.name)}">{_e(e.title)}</a>: {_e(reason)}</li>' for e, reason in skipped) + "</ul>"
        if skipped else "<p>None: every section ran.</p>")
    run = (f"model {_e(manifest.get('model', '?'))} · "
           f"{'quick preset (tiny sizes)' if manifest.get('quick') else 'demo preset'} · "
           f"started {_e(manifest.get('started', '?'))} · total {_e(_clock(total))} · "
           f"{done} section(s) run") if manifest else "no demo.json here: numbers and figures only"
    viewer_script = f'<script src="{FILES_DIR}/{MODEL_VIEWER}"></script>' if viewer_html else ""
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lucid_repro report</title>
<script>{EARLY_SCRIPT}</script>
<style>{_static("report.css")}</style>
</head>
<body>
<header class="top">
<h1>Differentiable Image Parameterizations, reproduced</h1>
<p class="sub">lucid_repro (TensorFlow 2 / Keras 3) · <a href="{ARTICLE}">the Distill article</a> ·
{run} · written {_e(time.strftime("%Y-%m-%d %H:%M"))}</p>
<nav class="toc">{"".join(toc)}</nav>
</header>
<main>
{"".join(sections)}
{atlas_html}
{comparison_html}
<section class="card" id="skipped">
<h2>Skipped sections</h2>
{skipped_html}
<details open><summary>Run time of each section</summary>
<table class="nums"><tr><th>section</th><th>status</th><th>wall time</th>{cpu_head}</tr>{times}</table></details>
</section>
</main>
<footer>Article numbers: the article reports its findings as figures, not tables; where it gives
no number the "article" column says so. Under each PNG: its spectral slope, clipped fraction
(channel values within 2/255 of black or white) and mean HSV saturation
(<code>lucid_repro.image_stats</code>; the article's interpolation figure: about -1.75, 1 %,
0.34; contact sheets count their white borders as clipped). Interactive viewer: @google/model-viewer
{MODEL_VIEWER_VERSION} (Apache-2.0; see {FILES_DIR}/NOTICE), shipped with the report, nothing is
fetched from the network.</footer>
{viewer_script}
{glb_scripts}
<script>{_static("report.js")}</script>
</body>
</html>
"""
    return _write_text(os.path.join(out, PAGE), page)
