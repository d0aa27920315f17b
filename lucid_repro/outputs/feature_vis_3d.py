"""The feature_vis_3d section's demo and files (`lucid_repro.recipes.feature_vis_3d` keeps the
computation; this module writes what the scripts and `make demo` save)."""
import os
import time

import numpy as np

from lucid_repro.gl.views import check_sizes, make_renderer, upsample
from lucid_repro.optvis import objectives
from lucid_repro.recipes.feature_vis_3d import (
    DEFAULT_TEXTURE_SIZE, DEFAULT_VIEW_SIZE, DEMO_OBJECTIVE, LUCID_LR, LUCID_STEPS,
    naive_texture, visualize_3d)


def run(model, objective, output_dir, mesh="bunny", texture_size=DEFAULT_TEXTURE_SIZE,
        view_size=DEFAULT_VIEW_SIZE, steps=LUCID_STEPS, lr=LUCID_LR, seed=0, frames=24,
        naive=False, naive_size=None, progress=True, prefix=None, extra=None):
    """Everything the script does: optimize (render-based or --naive), then write
    <prefix>_texture.png, _turntable.gif, _mesh.obj/.mtl/.png and _metrics.json
    (seam metric, settings, timings). Returns dict kind -> path."""
    from lucid_repro.gl import load_mesh, turntable

    check_sizes(texture_size, view_size, steps)
    frames = turntable.check_frames(frames)
    objective = objectives.as_objective(objective)
    objectives.check_against(objective, model)      # before the GL process starts
    mesh = load_mesh(mesh)
    prefix = prefix or ("feature_vis_3d_naive" if naive else "feature_vis_3d")
    renderer = make_renderer(mesh, view_size)
    try:
        t0 = time.perf_counter()
        gl_times = []
        metrics = {"objective": objective.name, "mesh": mesh.name, "texture_size": int(texture_size),
                   "view_size": int(view_size), "steps": int(steps), "seed": int(seed),
                   "model": getattr(model, "name", str(model)), "method": "naive" if naive else "render",
                   **(extra or {})}    # e.g. the script's --preset record
        if naive:
            flat = naive_size or max(32, min(texture_size, round(
                texture_size / turntable.texel_density(renderer, texture_size))))
            texture = upsample(naive_texture(model, objective, flat, steps=steps, seed=seed,
                                             progress=progress), texture_size)
            metrics["naive_size"] = int(flat)
        else:
            result, _ = visualize_3d(model, objective, mesh, texture_size, view_size, steps, lr, seed,
                                     progress, renderer=renderer, timings=gl_times)
            texture = result.images[-1]
            metrics["final_objective"] = float(-result.losses[-1])
            metrics["mean_objective_last_50"] = float(-result.losses[-50:].mean())
        seconds = time.perf_counter() - t0
        metrics["seconds"] = round(seconds, 2)
        if gl_times:
            metrics["gl_seconds"] = round(float(np.sum(gl_times)), 3)
            metrics["gl_fraction"] = round(float(np.sum(gl_times)) / seconds, 4)
        metrics["seam"] = turntable.seam_metric(mesh, texture)
        return turntable.write_outputs(output_dir, prefix, mesh, texture, renderer, frames, metrics)
    finally:
        renderer.close()


def demo(model, output_dir, quick=False, progress=True):
    """The article's 3D feature visualization of the bunny, render-based and naive,
    plus a comparison sheet (turntable frames of both). Returns written paths."""
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.gl import load_mesh, turntable

    if quick:
        tex, view, steps, frames = 64, 48, 4, 4
    else:
        tex, view, steps, frames = 256, 128, 100, 12
    mesh = load_mesh("bunny")
    paths = []
    rendered = run(model, DEMO_OBJECTIVE, output_dir, mesh, tex, view, steps, seed=0, frames=frames,
                   progress=progress)
    naive = run(model, DEMO_OBJECTIVE, output_dir, mesh, tex, view, steps, seed=0, frames=frames,
                naive=True, progress=progress)
    paths += list(rendered.values()) + list(naive.values())
    from lucid_repro.images import load_image
    renderer = make_renderer(mesh, view)
    try:
        rows = [turntable.turntable_frames(renderer, load_image(p["texture"]), 4)
                for p in (rendered, naive)]
    finally:
        renderer.close()
    sheet = os.path.join(output_dir, "feature_vis_3d_sheet.png")
    paths.append(save_image(sheet, contact_sheet(rows)))
    return paths
