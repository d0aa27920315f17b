"""3D style transfer (the article's section on 3D): its declaration, its `make demo` part and
its files (`lucid_repro.recipes.style_transfer_3d` keeps the computation)."""
import os
import time

import numpy as np

from lucid_repro import assets
from lucid_repro.errors import UserError
from lucid_repro.sections.base import Section
from lucid_repro.sections.feature_vis_3d import numbers_3d

_STYLE = dict(mesh="bunny", style="starry_night", style_decay=0.95)

SECTION = Section(
    name="style_transfer_3d", part="article", order=60, title="3D style transfer",
    claim="Style transfer through random rendered views restyles the whole object while the content "
          "term keeps its layout, with strokes running across UV seams.",
    settings={
        "library": dict(texture_size=512, view_size=224, steps=300, lr=0.05, frames=24, spread_views=16,
                        gram_average="first", batch_mode="lucid", **_STYLE),
        "demo": dict(texture_size=256, view_size=128, steps=100, lr=0.05, frames=12, spread_views=16,
                     gram_average="first", batch_mode="lucid", **_STYLE),
        "quick": dict(texture_size=64, view_size=48, steps=4, lr=0.05, frames=4, spread_views=2,
                      gram_average="first", batch_mode="lucid", **_STYLE),
        "article": dict(texture_size=1024, view_size=512, steps=400, lr=0.05, gram_average="lucid",
                        batch_mode="content", **_STYLE),
    },
    sources={
        "library": "Lucid style_transfer_3d.ipynb's Adam 0.05 and Gram decay 0.95 at CPU sizes (Lucid: 1024 "
                   "texture, 512 renders, 400 steps); Grams averaged from the first view, style in the batch",
        "demo": "ours: make demo's budget",
        "quick": "ours: smoke tests",
        "article": "Lucid style_transfer_3d.ipynb: 1024 texture, 512 renders, 400 steps, Adam 0.05, decay 0.95 "
                   "(TF1 EMA), style Grams once from the whole style image ([current, content] batch)",
    },
    figures=(("style_transfer_3d/style_transfer_3d_sheet.png", "rows: original texture, restyled; 4 azimuths"),
             ("style_transfer_3d/style_transfer_3d_turntable.gif", "restyled turntable"),
             ("style_transfer_3d/style_transfer_3d_texture.png", "the restyled texture (UV atlas)")),
    numbers=numbers_3d("style_transfer_3d"),
    describe="{mesh} × {style}, texture {texture_size}², views {view_size} px, {steps} steps",
    expected_seconds=82,
)
_LIB = SECTION.settings["library"]


def run(model, style, output_dir, mesh=_LIB["mesh"], texture_size=_LIB["texture_size"],
        view_size=_LIB["view_size"], steps=_LIB["steps"], style_decay=_LIB["style_decay"],
        lr=_LIB["lr"], seed=0, frames=_LIB["frames"], naive=False, naive_size=None, cfg=None,
        spread_views=_LIB["spread_views"], progress=True, prefix=None, gram_average=_LIB["gram_average"],
        extra=None):
    """Everything the script does. `style`: a name/path or an array. Writes
    <prefix>_texture.png, _turntable.gif, _mesh.obj/.mtl/.png and _metrics.json
    (seam metric, style-loss spread over random views, losses, timings)."""
    from lucid_repro.gl.views import check_sizes, make_renderer, upsample
    from lucid_repro.recipes.style_transfer_3d import (
        content_texture_of, reference_view, style_config, transfer_3d, transfer_flat, view_loss, view_losses)
    from lucid_repro.gl import load_mesh, turntable

    check_sizes(texture_size, view_size, steps)
    frames = turntable.check_frames(frames)
    if not 0.0 <= style_decay < 1.0:
        raise UserError(f"style decay must be in [0, 1), got {style_decay}")
    if spread_views < 0:
        raise UserError(f"spread views must be >= 0, got {spread_views}")
    cfg = cfg or style_config(model)
    mesh = load_mesh(mesh)
    content = content_texture_of(mesh, texture_size)
    style_view = assets.load_square(style, view_size) if isinstance(style, (str, os.PathLike)) \
        else np.asarray(style, np.float32)
    if style_view.shape != (view_size, view_size, 3):
        raise UserError(f"style image must be {view_size}x{view_size}x3, got {style_view.shape}")
    # Lucid's notebook: style Grams once from the whole style image (cfg.batch_mode == "content")
    style_full = assets.load(style, "styles") if cfg.batch_mode == "content" and isinstance(
        style, (str, os.PathLike)) else None
    prefix = prefix or ("style_transfer_3d_naive" if naive else "style_transfer_3d")
    renderer = make_renderer(mesh, view_size)
    try:
        metrics = {"mesh": mesh.name, "texture_size": int(texture_size), "view_size": int(view_size),
                   "steps": int(steps), "seed": int(seed), "style_decay": float(style_decay),
                   "model": getattr(model, "name", str(model)), "method": "naive" if naive else "render",
                   "style": style if isinstance(style, str) else "<array>",
                   "style_layers": list(cfg.style_layers), "content_layer": cfg.content_layers[0],
                   "content_weight": cfg.content_weight, "gram_average": gram_average,
                   "batch_mode": cfg.batch_mode,
                   "style_target": "whole image once" if style_full is not None else "view-size crop in the batch",
                   **(extra or {})}    # e.g. the script's --preset record
        t0 = time.perf_counter()
        gl_times = []
        if naive:
            flat = naive_size or max(32, min(texture_size, round(
                texture_size / turntable.texel_density(renderer, texture_size, min_dist=10, max_dist=12))))
            flat_style = assets.load_square(style, flat) if isinstance(style, (str, os.PathLike)) else \
                upsample(style_view, flat)
            result = transfer_flat(model, flat_style, content, flat, steps, style_decay, lr, seed,
                                   progress, cfg, gram_average=gram_average, style_full=style_full)
            texture = upsample(result.images[-1], texture_size)
            metrics["naive_size"] = int(flat)
        else:
            result, _, loss = transfer_3d(model, style_view, mesh, texture_size, view_size, steps,
                                       style_decay, lr, seed, progress, renderer=renderer, cfg=cfg,
                                       timings=gl_times, gram_average=gram_average, style_full=style_full)
            texture = result.images[-1]
        seconds = time.perf_counter() - t0
        metrics["seconds"] = round(seconds, 2)
        if gl_times:
            metrics["gl_seconds"] = round(float(np.sum(gl_times)), 3)
            metrics["gl_fraction"] = round(float(np.sum(gl_times)) / seconds, 4)
        metrics["final_loss"] = float(result.losses[-1])
        for k, v in result.metric_history.items():
            metrics[f"{k}_last_50"] = float(v[-50:].mean())
        if spread_views:
            if naive:  # measured with the render-based weights, as the render run is
                loss = view_loss(model, cfg, style_view if style_full is None else style_full,
                                 reference_view(renderer, content))
            metrics["spread"] = view_losses(model, renderer, texture, content, style_view, loss,
                                            views=spread_views)
        metrics["seam"] = turntable.seam_metric(mesh, texture)
        return turntable.write_outputs(output_dir, prefix, mesh, texture, renderer, frames, metrics)
    finally:
        renderer.close()


def demo(model, output_dir, quick=False, progress=True, naive=False):
    """The bunny restyled with Starry Night (render-based; naive=True adds the flat 2D
    baseline), with a sheet of turntable frames: original texture, restyled (and
    naive). Returns written paths."""
    from lucid_repro.gl.views import make_renderer
    from lucid_repro.recipes.style_transfer_3d import content_texture_of
    from lucid_repro.gl import load_mesh, turntable
    from lucid_repro.images import contact_sheet, load_image, save_image

    settings = SECTION.demo_row(quick, model)
    tex, view, steps, frames, spread = (settings[k] for k in ("texture_size", "view_size", "steps", "frames",
                                                           "spread_views"))
    style = settings["style"]
    mesh = load_mesh(settings["mesh"])
    same = dict(seed=0, frames=frames, spread_views=spread, lr=settings["lr"], style_decay=settings["style_decay"],
                gram_average=settings["gram_average"], progress=progress)
    runs = [run(model, style, output_dir, mesh, tex, view, steps, **same)]
    if naive:
        runs.append(run(model, style, output_dir, mesh, tex, view, steps, naive=True, **same))
    paths = [p for r in runs for p in r.values()]
    from lucid_repro.gl.gltf import save_glb
    original = content_texture_of(mesh, tex)
    paths.append(save_glb(os.path.join(output_dir, "style_transfer_3d_original_mesh.glb"), mesh, original))
    renderer = make_renderer(mesh, view)
    try:
        textures = [original] + [load_image(r["texture"]) for r in runs]
        rows = [turntable.turntable_frames(renderer, t, 4) for t in textures]
    finally:
        renderer.close()
    sheet = os.path.join(output_dir, "style_transfer_3d_sheet.png")
    paths.append(save_image(sheet, contact_sheet(rows)))
    return paths
