"""One page to see everything: `<output_dir>/index.html`, built from what `make demo` (or
the scripts) left in an output folder.

One section per article section, then per classic technique, in the article's order: the
figures (animations play inline), the claim in one sentence, our numbers (read from the
section's JSON files) beside the article's, the settings and model, the run time (from
`demo.json`, written by `scripts/demo.py`), links to every file; the textured meshes in
orbitable `<model-viewer>`s; the sections that were skipped or not run, with the reason.

The page works offline from file://: CSS and the page's script are inlined; model-viewer
(lucid_repro/report_static/, see its NOTICE) is copied to `report_files/` and loaded as a
classic script; each .glb is also copied there as a small script holding it in base64,
because Chromium refuses fetch() of file:// URLs. Built with the standard library only
(string templates and html.escape).
"""
import base64
import dataclasses
import glob
import html
import json
import os
import re
import shutil
import time
from typing import Callable, List, Optional, Tuple

from lucid_repro.images import atomic_path

STATIC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "report_static")
MODEL_VIEWER = "model-viewer-umd.min.js"
MODEL_VIEWER_VERSION = "4.4.0"
MANIFEST = "demo.json"
FILES_DIR = "report_files"
PAGE = "index.html"
ARTICLE = "https://distill.pub/2018/differentiable-parameterizations/"
NO_NUMBER = "none given (the article shows this qualitatively)"

Row = Tuple[str, str, str]          # (quantity, ours, article)


@dataclasses.dataclass
class Entry:
    key: str                        # anchor; also the demo section unless `section` says
    title: str
    part: str                       # "article" | "classic"
    claim: str
    figures: List[Tuple[str, str]]  # (glob relative to the output dir, caption); first match each
    numbers: Callable[[str], List[Row]]
    settings: str                   # the demo preset in words
    section: Optional[str] = None   # demo section whose time/status this entry shows
    note: str = ""


# ----------------------------------------------------------------------------- numbers

def _json(out, pattern):
    """The first JSON file matching `pattern` under `out` (parsed), or None."""
    for path in sorted(glob.glob(os.path.join(out, pattern))):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    return None


def _f(x, digits=3):
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, float)):
        if x != x:
            return "nan"
        if x != 0 and (abs(x) >= 1e5 or abs(x) < 10 ** -digits):
            return f"{x:.{digits}g}"
        return f"{x:.{digits}f}" if abs(x) < 100 else f"{x:.0f}"
    return str(x)


def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def numbers_aligned(out):
    rows = []
    for kind in ("independent", "shared"):
        m = _json(out, f"aligned_interpolation/aligned_interpolation_{kind}.json")
        rows.append((f"adjacent-frame SSIM / pixel correlation, {kind} frames",
                     f"{_f(_get(m, 'ssim'))} / {_f(_get(m, 'corr'))}",
                     "none given (figure: shared frames keep features in place)"))
    return rows


def numbers_style(out):
    r = _json(out, "style_transfer/style_transfer_*.json")
    rows = []
    for kind in ("pixel", "fft"):
        x = _get(r, "results", kind)
        rows.append((f"final content / style loss, {'pixel' if kind == 'pixel' else 'Fourier + decorrelated'}"
                     f" ({_get(r, 'model') or '?'})",
                     f"{_f(_get(x, 'content_loss'))} / {_f(_get(x, 'style_loss'))}",
                     "none given (figure: decorrelated works on non-VGG nets, pixel does not)"))
    return rows


def numbers_cppn(out):
    r = _json(out, "cppn/cppn.json")
    rows = [(f"objective {u}, step 1 → last", f"{_f(v['first'])} → {_f(v['last'])}", NO_NUMBER)
            for u, v in (_get(r, "objective") or {}).items()]
    if r:
        rows.append(("rendered at (trained at) px", f"{r.get('render_size')} ({r.get('size')})",
                     "any size (the CPPN is resolution-free)"))
    return rows or [("objective", "—", NO_NUMBER)]


def numbers_transparency(out):
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "transparency", "transparency_*.json"))):
        with open(path) as f:
            m = json.load(f)
        unit = m.get("objective", os.path.basename(path))
        rows.append((f"{unit}: mean alpha", _f(m.get("mean_alpha")), NO_NUMBER))
        rows.append((f"{unit}: corr(alpha, attribution), 8×8 blocks / pixels",
                     f"{_f(m.get('alpha_attribution_corr'))} / {_f(m.get('alpha_attribution_corr_pixel'))}",
                     "none given (alpha 'works like' an attribution map)"))
    return rows or [("mean alpha", "—", NO_NUMBER)]


def numbers_3d(prefix):
    def rows_of(out):
        rows = []
        for method, suffix in (("render-based", ""), ("naive (flat texture)", "_naive")):
            m = _json(out, f"{prefix}/{prefix}{suffix}_metrics.json")
            if m is None:
                continue
            rows.append((f"seam visibility, {method} (0 = invisible, 1 = unrelated sides)",
                         _f(_get(m, "seam", "seam_visibility")),
                         "none given (figure: render-based has no visible seams)"))
            if "spread" in m:
                rows.append((f"style loss over {m['spread'].get('views')} random views, {method}: "
                             "mean (coefficient of variation)",
                             f"{_f(m['spread'].get('style_mean'))} ({_f(m['spread'].get('style_cv'))})",
                             NO_NUMBER))
            if "final_objective" in m:
                rows.append((f"objective, mean of the last 50 steps, {method}",
                             _f(m.get("mean_objective_last_50")), NO_NUMBER))
            if "gl_fraction" in m:
                rows.append((f"optimization time (OpenGL share), {method}",
                             f"{_f(m.get('seconds'), 1)} s ({_f(100 * m['gl_fraction'], 0)} %)", "—"))
        return rows or [("seam visibility", "—", NO_NUMBER)]
    return rows_of


def numbers_feature_vis(out):
    r = _json(out, "feature_vis/feature_vis.json")
    return [(f"objective {u}: pixel / Fourier + decorrelated", f"{_f(v.get('pixel'))} / {_f(v.get('fft'))}",
             NO_NUMBER) for u, v in (_get(r, "objective") or {}).items()] or [("objective", "—", NO_NUMBER)]


def numbers_texture(out, models=("vgg19", "ranvgg19")):
    r = _json(out, "texture_synthesis/texture_*.json")
    rows = []
    for name in models:
        x = _get(r, "results", name)
        if x:
            errs = x.get("relative_errors") or {}
            rows.append((f"relative Gram error per layer, {name} ({', '.join(errs)})",
                         " / ".join(_f(v) for v in errs.values()),
                         "none given (Gatys: visually; He et al.: random VGG also works)"))
    return rows or [("relative Gram error", "—", NO_NUMBER)]


def numbers_inversion(out, models=None):
    r = _json(out, "feature_inversion/feature_inversion.json")
    losses = _get(r, "losses") or {}
    by_model = {}
    for key, v in losses.items():
        name, layer = key.split("/", 1)
        by_model.setdefault(name, []).append((layer, v))
    return [(f"relative inversion loss, {name} ({', '.join(l for l, _ in lv)})",
             " / ".join(_f(v, 4) for _, v in lv), NO_NUMBER)
            for name, lv in by_model.items() if models is None or name in models] or \
        [("inversion loss", "—", NO_NUMBER)]


def numbers_random_vgg(out):
    return numbers_texture(out, ("ranvgg19",)) + numbers_inversion(out, ("ranvgg19",))


def numbers_saliency(out):
    r = _json(out, "saliency/saliency.json")
    return [(f"{m['image']} {m['method']} ({m['objective']}): top-5% mass / edge correlation",
             f"{_f(m['top5_mass'], 2)} / {_f(m['edge_correlation'], 2)}",
             "none given (guided maps are sharper)") for m in (_get(r, "maps") or [])] or \
        [("top-5% mass", "—", NO_NUMBER)]


def numbers_class_vis(out):
    r = _json(out, "class_vis/class_vis.json")
    return [("classes × methods", f"{len(r.get('classes', []))} × {', '.join(r.get('methods', []))}", "—")] \
        if r else [("classes", "—", NO_NUMBER)]


def numbers_deepdream(out):
    r = _json(out, "deepdream/deepdream.json")
    return [(f"{layer}: mean f² gain / mean |change| (grey levels)",
             f"×{_f(v['energy_gain'], 1)} / {_f(v['mean_abs_change_grey_levels'], 1)}", NO_NUMBER)
            for layer, v in (_get(r, "layers") or {}).items()] or [("energy gain", "—", NO_NUMBER)]


def numbers_adversarial(out):
    r = _json(out, "adversarial/adversarial.json")
    if not r:
        return [("perturbation", "—", NO_NUMBER)]
    s = r.get("scores", {})
    return [("L∞ perturbation (of 1) / L2", f"{_f(r.get('linf'), 4)} / {_f(r.get('l2'))}",
             "none given (imperceptible changes)"),
            (f"feature distance to the guide, relative to the start ({s.get('layer', '?')})",
             _f(s.get("relative_distance")), "none given (features match the guide)")]


def numbers_toy(out):
    r = _json(out, "toy_basin/toy_basin.json")
    rows = [(f"fraction of trials ending aligned, {k} ({_get(r, 'trials')} trials)",
             _f(_get(r, k, "aligned")), "none given (figure: shared variables fall in one basin)")
            for k in ("independent", "shared")]
    return rows


# ----------------------------------------------------------------------------- sections

ENTRIES = [
    Entry("aligned_interpolation", "Aligned interpolation (shared parameterization)", "article",
          "Giving the frames of an interpolation between two neurons a shared low-resolution "
          "parameterization keeps each feature in the same place from frame to frame, where "
          "independently optimized frames put it anywhere.",
          [("aligned_interpolation/aligned_interpolation.png", "rows: independent frames, shared frames"),
           ("aligned_interpolation/aligned_interpolation_independent.gif", "independent (animation)"),
           ("aligned_interpolation/aligned_interpolation_shared.gif", "shared (animation)")],
          numbers_aligned, "VGG19, two object-like conv5_1 units (see Recorded), 6 frames × 64 px, 128 steps "
          "(Lucid: 128 px, 512)"),
    Entry("style_transfer", "Style transfer: pixel vs decorrelated parameterization", "article",
          "A Fourier-space, colour-decorrelated image parameterization lets style transfer work on "
          "networks where optimizing pixels fails; on VGG both parameterizations do.",
          [("style_transfer/style_transfer_*.png", "content, style, pixel result, decorrelated result"),
           ("style_transfer/style_transfer_*_pixel.png", "pixel"),
           ("style_transfer/style_transfer_*_fft.png", "Fourier + decorrelated")],
          numbers_style, "zurich × Starry Night, 160 px, 200 steps per parameterization (the classic "
          "Gatys style transfer is this run's pixel column)",
          note="The article's point needs a non-VGG network (InceptionV1, not reachable offline): "
               "run scripts.style_transfer --model=inception_v1 --param=both where it is."),
    Entry("cppn", "CPPN parameterization", "article",
          "A compositional pattern-producing network (a small MLP from (x, y) to colour) is a "
          "resolution-free parameterization: its visualizations are smooth, render at any size, "
          "and morph smoothly when its weights are interpolated.",
          [("cppn/cppn.png", "the two CPPNs and two morph frames"),
           ("cppn/cppn_*_training.mp4", "training {unit} (video)"),
           ("cppn/cppn_morph.gif", "morph between the two (weights interpolated)"),
           ("cppn/cppn_*_*_*.png", "{unit} rendered at 4×")],
          numbers_cppn, "VGG19, two object-like conv5_1 units; 96 px, 320 steps, Adam 0.005, saturation "
          "penalty 0.02; 24 morph frames"),
    Entry("transparency", "Semi-transparent patterns (RGBA)", "article",
          "Optimizing an RGBA image over random backgrounds with a reward for transparency leaves "
          "opaque only what the neuron needs, so alpha acts like an attribution map.",
          [("transparency/transparency.png", "rows: units; checkerboard, black, white, alpha"),
           ("transparency/transparency_*_*_*[0-9].png", "{unit} RGBA")],
          numbers_transparency, "VGG19, two object-like conv5_1 units; 192 px, crop 112, 300 steps "
          "(Lucid: 320, 160, 1000)"),
    Entry("feature_vis_3d", "3D feature visualization", "article",
          "Parameterizing a mesh's texture and optimizing its rendered views from random angles gives "
          "a feature visualization that wraps the object without visible UV seams; optimizing the "
          "flat texture (naive) leaves seams.",
          [("feature_vis_3d/feature_vis_3d_sheet.png", "rows: render-based, naive; 4 azimuths"),
           ("feature_vis_3d/feature_vis_3d_turntable.gif", "render-based turntable"),
           ("feature_vis_3d/feature_vis_3d_naive_turntable.gif", "naive turntable"),
           ("feature_vis_3d/feature_vis_3d_texture.png", "the optimized texture (UV atlas)")],
          numbers_3d("feature_vis_3d"), "bunny, texture 256², views 128 px, 100 steps"),
    Entry("style_transfer_3d", "3D style transfer", "article",
          "Style transfer through random rendered views restyles the whole object while the content "
          "term keeps its layout, with strokes running across UV seams.",
          [("style_transfer_3d/style_transfer_3d_sheet.png", "rows: original texture, restyled; 4 azimuths"),
           ("style_transfer_3d/style_transfer_3d_turntable.gif", "restyled turntable"),
           ("style_transfer_3d/style_transfer_3d_texture.png", "the restyled texture (UV atlas)")],
          numbers_3d("style_transfer_3d"), "bunny × Starry Night, texture 256², views 128 px, 100 steps"),
    Entry("feature_vis", "Feature visualization", "classic",
          "Optimizing an image to excite one channel shows what it responds to; a Fourier, "
          "decorrelated parameterization with transformation robustness gives clearer pictures than "
          "raw pixels in the same number of steps.",
          [("feature_vis/feature_vis_grid.png", "rows: units; pixel, Fourier + decorrelated")],
          numbers_feature_vis, "VGG19, 128 px, 160 steps"),
    Entry("texture_synthesis", "Texture synthesis (Gatys et al.)", "classic",
          "Matching the Gram matrices of a texture's VGG features from noise synthesizes new samples "
          "of that texture.",
          [("texture_synthesis/texture_*.png", "original crop, VGG19, random-weight VGG19")],
          lambda out: numbers_texture(out, ("vgg19",)), "Starry Night, 128 px, 160 steps, average pooling"),
    Entry("random_vgg", "Random-weight VGG19 (He et al.)", "classic",
          "A VGG19 with random weights still synthesizes textures and inverts shallow features, so "
          "much of what these methods show comes from the architecture.",
          [("texture_synthesis/texture_*_ranvgg19.png", "texture from the random-weight VGG19"),
           ("feature_inversion/feature_inversion.png", "inversions: trained (top), random (bottom)")],
          numbers_random_vgg, "as texture synthesis and feature inversion (seed 0)",
          section="texture_synthesis",
          note="Run inside the texture synthesis and feature inversion sections; the time shown is "
               "texture synthesis's."),
    Entry("saliency", "Saliency and guided backpropagation", "classic",
          "The gradient of a unit with respect to the input marks the pixels that matter; guided "
          "backpropagation gives sharper, edge-aligned maps.",
          [("saliency/saliency_grid.png", "photo, vanilla, guided, guided gradient, overlay")],
          numbers_saliency, "VGG19, 224×336 photos"),
    Entry("class_vis", "Class visualization", "classic",
          "Maximizing a class logit under regularizers (blur, jitter, L2; or a Fourier "
          "parameterization) draws what the classifier takes the class to look like.",
          [("class_vis/class_vis_grid.png", "rows: classes; Yosinski, Fourier")],
          numbers_class_vis, "224 px; needs a classifier (InceptionV1 weights)"),
    Entry("deepdream", "DeepDream", "classic",
          "Amplifying whatever a layer already sees in a photo, over octaves, paints that layer's "
          "features into it.",
          [("deepdream/deepdream_grid.png", "photo, dreamed at two depths")],
          numbers_deepdream, "VGG19 relu4_2 and relu5_2, 256 px"),
    Entry("feature_inversion", "Feature inversion", "classic",
          "Reconstructing an image from one layer's features shows what the layer keeps: shallow "
          "layers keep the photo, deep ones keep objects and lose exact colours and positions.",
          [("feature_inversion/feature_inversion.png", "target, then relu2_1 … relu5_1; rows: VGG19, random")],
          lambda out: numbers_inversion(out, ("vgg19",)), "zurich, 128 px, 150 steps"),
    Entry("adversarial", "Adversarial images (feature adversary)", "classic",
          "A perturbation too small to see can make an image's internal features match those of a "
          "different image.",
          [("adversarial/adversarial_grid.png", "source, guide, adversary, perturbation ×10")],
          numbers_adversarial, "VGG19, 128×192"),
    Entry("toy_basin", "Toy basin: why shared parameterization aligns", "classic",
          "In a toy problem with two symmetric optima per variable, variables with a shared "
          "component fall into the same basin far more often than independent ones.",
          [("toy_basin/toy_basin.png", "starting points coloured by outcome")],
          numbers_toy, "1000 trials, plain gradient descent lr 0.05, 200 steps; no network"),
]

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
        data = _json(out, os.path.relpath(path, out)) or {}
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
    sec_name = entry.section or entry.key
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
    rows = entry.numbers(out) if figs else []
    nums = "".join(f'<tr><td>{_e(q)}</td><td class="num">{_e(o)}</td><td>{_e(a)}</td></tr>' for q, o, a in rows)
    table = (f'<table class="nums"><tr><th>quantity</th><th>ours</th><th>article</th></tr>{nums}</table>'
             if rows else "")
    files = sorted(os.path.relpath(p, out) for p in glob.glob(os.path.join(out, sec_name, "*"))
                   if os.path.isfile(p))
    file_list = "".join(f'<li><a href="{_href(f)}">{_e(f)}</a></li>' for f in files)
    model = rec.get("model") or manifest.get("model") or "?"
    preset = "quick (tiny sizes)" if rec.get("quick", manifest.get("quick")) else "demo"
    recorded = _recorded_settings(out, sec_name)
    badge = "" if status == "done" else f'<span class="badge skip">{_e(status)}</span>'
    reason = f'<p class="note"><b>Skipped:</b> {_e(rec.get("reason"))}</p>' if rec.get("reason") else ""
    note = f'<p class="note">{_e(entry.note)}</p>' if entry.note else ""
    body = (f'<div class="figs">{"".join(figs)}</div>' if figs else
            '<p class="note">No figures in this folder (see the list of skipped sections).</p>')
    return f"""
<section class="card" id="{_e(entry.key)}">
<h2>{index}. {_e(entry.title)}<span class="badge">{_e(entry.part)}</span>{badge}</h2>
<p class="claim"><b>Claim.</b> {_e(entry.claim)}</p>
{reason}{body}
<div class="cols"><div>{table}{note}</div>
<div class="meta"><p><b>Settings</b> ({_e(preset)}): {_e(entry.settings)}<br>
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
    for i, entry in enumerate(ENTRIES, 1):
        if entry.part != part:
            part = entry.part
            sections.append(f'<h2 class="part">{"The article: Differentiable Image Parameterizations" if part == "article" else "Classic CNN visualization"}</h2>')
        sections.append(_section_html(entry, out, manifest, i))
        rec = (manifest.get("sections") or {}).get(entry.section or entry.key, {})
        has_figs = any(_first(out, p) for p, _ in entry.figures)
        if rec.get("status") == "skipped":
            skipped.append((entry, rec.get("reason") or "skipped"))
        elif not has_figs:
            skipped.append((entry, "not run into this folder (e.g. left out with --sections), "
                                   "or its files were removed"))
        cls = ' class="skipped"' if not has_figs else ""
        toc.append(f'<a href="#{_e(entry.key)}"{cls}>{i}. {_e(entry.title.split(" (")[0].split(":")[0])}</a>')
        if entry.key == "style_transfer_3d" and viewer_html:
            sections.append(viewer_html)
            toc.append('<a href="#viewer3d">3D viewer</a>')
    atlas_html = _atlas_html(out)
    if atlas_html:
        toc.append('<a href="#atlas">Unit atlas</a>')
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
        f'<li><a href="#{_e(e.key)}">{_e(e.title)}</a>: {_e(reason)}</li>' for e, reason in skipped) + "</ul>"
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
