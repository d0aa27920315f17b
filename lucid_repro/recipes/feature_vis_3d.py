"""3D feature visualization: a texture optimized through random renders of a mesh.

The article's "Efficient Texture Optimization through 3D Rendering" section and
Lucid's `texture_synth_3d` notebook: the texture is an image parameterized in
Fourier space with decorrelated colours; each step OpenGL rasterizes the mesh's
(u, v, mask) from a random camera (distance 11-13, field of view 10 degrees), the
texture is sampled at those coordinates (black background), and the network sees
that view. The random views act as the transformation robustness, so no other
transforms are applied (as in the notebook). Adam, learning rate 0.03 (the
notebook's), 400 steps.

The naive counter-example (`naive=True`) optimizes a flat 2D image for the same
objective (the 2D recipe: standard transforms) and wraps it on the mesh as the
texture: it ignores the UV layout, so patterns break at the UV seams.
"""
import os
import time

import numpy as np

from lucid_repro.declaration import NO_NUMBER, Section, dig, fmt, read_json
from lucid_repro.gl.views import check_sizes, make_renderer, random_view_inputs
from lucid_repro.optvis import objectives, render


def numbers_3d(prefix):
    """The report rows of a 3D section (feature_vis_3d, style_transfer_3d) from its metrics."""
    def rows_of(out):
        rows = []
        for method, suffix in (("render-based", ""), ("naive (flat texture)", "_naive")):
            m = read_json(out, f"{prefix}/{prefix}{suffix}_metrics.json")
            if m is None:
                continue
            rows.append((f"seam visibility, {method} (0 = invisible, 1 = unrelated sides)",
                         fmt(dig(m, "seam", "seam_visibility")),
                         "none given (figure: render-based has no visible seams)"))
            if "spread" in m:
                rows.append((f"style loss over {m['spread'].get('views')} random views, {method}: "
                             "mean (coefficient of variation)",
                             f"{fmt(m['spread'].get('style_mean'))} ({fmt(m['spread'].get('style_cv'))})",
                             NO_NUMBER))
            if "final_objective" in m:
                rows.append((f"objective, mean of the last 50 steps, {method}",
                             fmt(m.get("mean_objective_last_50")), NO_NUMBER))
            if "gl_fraction" in m:
                rows.append((f"optimization time (OpenGL share), {method}",
                             f"{fmt(m.get('seconds'), 1)} s ({fmt(100 * m['gl_fraction'], 0)} %)", "—"))
        return rows or [("seam visibility", "—", NO_NUMBER)]
    return rows_of


SECTION = Section(
    name="feature_vis_3d", part="article", order=50, title="3D feature visualization",
    claim="Parameterizing a mesh's texture and optimizing its rendered views from random angles gives "
          "a feature visualization that wraps the object without visible UV seams; optimizing the "
          "flat texture (naive) leaves seams.",
    settings={
        "library": dict(mesh="bunny", texture_size=512, view_size=224, steps=400, lr=0.03, frames=24,
                        objective="conv4_2:17"),
        "demo": dict(mesh="bunny", texture_size=256, view_size=128, steps=100, lr=0.03, frames=12,
                     objective="conv4_2:17"),
        "quick": dict(mesh="bunny", texture_size=64, view_size=48, steps=4, lr=0.03, frames=4,
                      objective="conv4_2:17"),
        "article": dict(mesh="bunny", texture_size=1024, view_size=512, steps=400, lr=0.03,
                        objective="conv4_2:17",
                        by_model={"inception_v1": {"objective": "mixed4b_pool_reduce_pre_relu:17"}}),
    },
    sources={
        "library": "Lucid texture_synth_3d.ipynb's steps and learning rate (t_lr = 0.03, 400 steps) at CPU "
                   "sizes (Lucid: 1024 texture, 512 renders)",
        "demo": "ours: make demo's budget",
        "quick": "ours: smoke tests",
        "article": "Lucid texture_synth_3d.ipynb: bunny, 1024 texture, 512 renders, 400 steps, Adam fed 0.03, "
                   "mixed4b_pool_reduce_pre_relu:17 on GoogLeNet (VGG19 stand-in conv4_2:17)",
    },
    figures=(("feature_vis_3d/feature_vis_3d_sheet.png", "rows: render-based, naive; 4 azimuths"),
             ("feature_vis_3d/feature_vis_3d_turntable.gif", "render-based turntable"),
             ("feature_vis_3d/feature_vis_3d_naive_turntable.gif", "naive turntable"),
             ("feature_vis_3d/feature_vis_3d_texture.png", "the optimized texture (UV atlas)")),
    numbers=numbers_3d("feature_vis_3d"),
    describe="{mesh}, {objective}, texture {texture_size}², views {view_size} px, {steps} steps",
    expected_seconds=74,
)


LUCID_LR = 0.03                    # texture_synth_3d.ipynb feeds t_lr = 0.03
LUCID_STEPS = 400
LUCID_TEXTURE_SIZE = 1024
LUCID_VIEW_SIZE = 512              # 512 x 512 renders
DEFAULT_OBJECTIVE = "conv4_2:17"   # VGG19; Lucid used InceptionV1 mixed4b_pool_reduce_pre_relu:17
LUCID_OBJECTIVE = "mixed4b_pool_reduce_pre_relu:17"



def visualize_3d(model, objective, mesh="bunny", texture_size=LUCID_TEXTURE_SIZE,
                 view_size=LUCID_VIEW_SIZE, steps=LUCID_STEPS, lr=LUCID_LR, seed=0,
                 progress=True, renderer=None, thresholds=None, fft=True, decorrelate=True,
                 background=0.0, timings=None, stop_when=None):
    """Optimize a texture for `objective` through random views of `mesh`.

    Returns (RenderResult, renderer): result.images are textures [size, size, 3] at
    the thresholds; the renderer (created if not given) is returned for the
    turntable; close it when done.
    """
    from lucid_repro.gl import load_mesh
    from lucid_repro.gl.texture_param import TextureParam

    check_sizes(texture_size, view_size, steps)
    objective = objectives.as_objective(objective)   # the loop checks it against the model
    mesh = load_mesh(mesh)
    own = renderer is None
    renderer = make_renderer(mesh, view_size) if own else renderer
    try:
        result = render.render(
            model, objective,
            param_f=lambda: TextureParam(texture_size, fft=fft, decorrelate=decorrelate,
                                         background=background),
            optimizer=render.adam(lr), transforms=[],
            thresholds=thresholds or (steps,), seed=seed, progress=progress,
            step_inputs=random_view_inputs(renderer, timings=timings),
            stop_when=stop_when,
            description=f"3D {objective.name}")
    except BaseException:
        if own:
            renderer.close()
        raise
    return result, renderer


def naive_texture(model, objective, size, steps=256, lr=0.05, seed=0, progress=True):
    """The flat 2D counter-example: feature visualization of a size x size image
    (the 2D recipe's settings: fft + decorrelation, standard transforms)."""
    from lucid_repro.optvis import param
    result = render.render(model, objectives.as_objective(objective),
                           param_f=lambda: param.image(size, fft=True, decorrelate=True),
                           optimizer=render.adam(lr), transforms=None, thresholds=(steps,), seed=seed,
                           progress=progress, description=str(objective))
    return result.images[-1][0]


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

_LIB = SECTION.settings["library"]


def run(model, objective, output_dir, mesh=_LIB["mesh"], texture_size=_LIB["texture_size"],
        view_size=_LIB["view_size"], steps=_LIB["steps"], lr=_LIB["lr"], seed=0, frames=_LIB["frames"],
        naive=False, naive_size=None, progress=True, prefix=None, extra=None):
    """Everything the script does: optimize (render-based or --naive), then write
    <prefix>_texture.png, _turntable.gif, _mesh.obj/.mtl/.png and _metrics.json
    (seam metric, settings, timings). Returns dict kind -> path."""
    from lucid_repro.gl.views import upsample
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

    settings = SECTION.demo_row(quick, model)
    tex, view, steps, frames = settings["texture_size"], settings["view_size"], settings["steps"], settings["frames"]
    mesh = load_mesh(settings["mesh"])
    paths = []
    rendered = run(model, settings["objective"], output_dir, mesh, tex, view, steps, lr=settings["lr"], seed=0,
                   frames=frames, progress=progress)
    naive = run(model, settings["objective"], output_dir, mesh, tex, view, steps, lr=settings["lr"], seed=0,
                frames=frames, naive=True, progress=progress)
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
