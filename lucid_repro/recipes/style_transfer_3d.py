"""3D style transfer: restyle a mesh's texture through random renders.

The article's "Style Transfer for Textures through 3D Rendering" section and Lucid's
`style_transfer_3d` notebook. Each step OpenGL rasterizes the mesh from a random
camera (distance 10-12, field of view 10 degrees); the learned texture and the
mesh's original texture are sampled through the same (u, v, mask) map (one gather on
their concatenated channels, black background), and the network sees the batch
[learned view, original view (content), style image] (`batch_mode="lucid"`, the library and demo rows) or,
as in Lucid's notebook, [learned view, original view] with the style Grams computed once
from the whole style image (`batch_mode="content"`, the article row). The loss is

    style:   sum over style layers of mean |Gram(learned view) - Gram(style)|, where
             Gram(learned view) is replaced by its moving average over recent views
             (decay 0.95) with the gradient of the current view (`StyleLoss(decay=)`;
             Lucid's TF1 average starts at zero and is not debiased: `gram_average`);
    content: content_weight * mean |A(learned view) - A(original view)| at one layer,

minimized with Adam (learning rate 0.05) for 400 steps in the notebook.

Layers (`PRESETS`): with InceptionV1 exactly the notebook's. With VGG19 (the default,
the only ImageNet network available offline) the Gatys et al. layers; VGG19's Gram
matrices differ in scale by three orders of magnitude between layers (Caffe inputs in
0..255), so each term is divided by its target's own magnitude (`weighting="relative"`:
the style image's mean |Gram| per layer, the original texture's mean |activation| in the
reference view).

`naive=True` is the article's counter-example: ordinary 2D style transfer of the
flat texture image (same objective, no mesh), wrapped on the mesh afterwards.
"""
import os
import time

import numpy as np

from lucid_repro import assets
from lucid_repro.declaration import Section
from lucid_repro.errors import UserError
from lucid_repro.gl.render import STYLE_TRANSFER_DISTS
from lucid_repro.gl.views import check_sizes, make_renderer, random_view_inputs
from lucid_repro.optvis.style_config import GATYS_STYLE_LAYERS, StyleConfig, config_for
from lucid_repro.recipes.feature_vis_3d import numbers_3d


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


# TensorFlow is imported inside the functions that need it, so that the scripts can
# reject bad input (sizes, meshes, style images) in a second, before TF loads.

LUCID_LR = 0.05
LUCID_STYLE_DECAY = 0.95
LUCID_TEXTURE_SIZE = 1024
LUCID_VIEW_SIZE = 512           # 512 x 512 renders
LUCID_STEPS = 400               # 800 for the article's figures
SPREAD_VIEWS = 16
# Gram moving average: "lucid" = TF1 ExponentialMovingAverage (shadow starts at 0, not
# debiased: (1 - 0.95^t) G for a constant G), "first" = starts at the first value
GRAM_AVERAGES = {"lucid": "zero", "first": "first"}
# where the style Grams come from: "lucid" = the style image scaled to the view size,
# centre-cropped and in the batch every step; "content" = Lucid's notebook: Grams
# computed once from the whole style image, batch [learned view, original view]
BATCH_MODES_3D = ("lucid", "content")


_VGG = StyleConfig(GATYS_STYLE_LAYERS, ("relu4_2",), content_weight=4.0, weighting="relative",
                   batch_mode="lucid", param="texture",
                   source="Gatys et al. layers, mean L1, each term relative to its target's magnitude")
STYLE_CONFIGS = {
    "inception_v1": StyleConfig(("conv2d2", "mixed3a", "mixed3b", "mixed4a", "mixed4b", "mixed4c"),
                                ("mixed3b",), content_weight=100.0, weighting="none", batch_mode="lucid",
                                param="texture", source="Lucid style_transfer_3d notebook"),
    "vgg19": _VGG,
    "ranvgg19": _VGG,
}


def style_config(model, style_layers=None, content_layer=None, content_weight=None, batch_mode=None):
    """The model family's StyleConfig (`style.config_for`) with optional overrides
    (batch_mode: "lucid" or "content", see BATCH_MODES_3D)."""
    if batch_mode is not None and batch_mode not in BATCH_MODES_3D:
        raise UserError(f"batch mode must be one of {', '.join(BATCH_MODES_3D)}, got {batch_mode!r}")
    return config_for(model, STYLE_CONFIGS, params=("texture",), style_layers=style_layers,
                      content_layers=None if content_layer is None else (content_layer,),
                      content_weight=content_weight, batch_mode=batch_mode)


# ----------------------------------------------------------------------------- content

def content_texture_of(mesh, size):
    from lucid_repro.gl import mesh_texture
    texture = mesh_texture(mesh, size)
    if texture is None:
        raise UserError(f"mesh {getattr(mesh, 'name', mesh)} has no texture to take the content from "
                        "(tex.jpg next to the buffers, or map_Kd in the OBJ's MTL)")
    return texture


# ----------------------------------------------------------------------------- losses

def view_loss(model, cfg, style_image, content_view):
    """The loss on batch [learned view, original view, style]: per-term weights measured
    on `style_image` and `content_view` (the original texture seen by `reference_view`)."""
    from lucid_repro.optvis.style import StyleContentLoss
    return StyleContentLoss(model, content_view, style_image, cfg)


def metrics(loss):
    """Per-step metrics besides the loss: 'content' and 'style_view' (the style loss of
    the current view alone, without the moving average)."""
    from lucid_repro.optvis import objectives
    content = -1.0 * objectives.Objective.sum(loss.content_objectives())
    return {"content": content, "style_view": loss.style_loss().objective(-1.0)}


# ----------------------------------------------------------------------------- runs

def make_views(renderer, distances=STYLE_TRANSFER_DISTS, timings=None):
    return random_view_inputs(renderer, distances, timings)


def reference_view(renderer, content_texture):
    """The original texture seen from the front (the content reference of the weights)."""
    from lucid_repro.gl import orbit_view
    from lucid_repro.gl.sampler import sample_texture
    uvm = renderer.uv_map(orbit_view(0.0, 15.0, 11.0, target=renderer.mesh))
    return sample_texture(content_texture, uvm, 0.0).numpy()


def transfer_3d(model, style_image, mesh="bunny", texture_size=LUCID_TEXTURE_SIZE,
                view_size=LUCID_VIEW_SIZE, steps=LUCID_STEPS, style_decay=LUCID_STYLE_DECAY,
                lr=LUCID_LR, seed=0, progress=True, renderer=None, cfg=None, thresholds=None,
                timings=None, stop_when=None, gram_average="first", style_full=None):
    """Restyle `mesh`'s texture. style_image: float [view_size, view_size, 3] (see
    `assets.load_square`). gram_average: see GRAM_AVERAGES. With cfg.batch_mode == "content"
    the style Grams come once from `style_full` (the whole style image, any size;
    default style_image) and the batch is [learned view, original view].
    Returns (RenderResult whose images are textures, renderer, objective)."""
    from lucid_repro.gl import load_mesh
    from lucid_repro.gl.texture_param import StyleTransferTextureParam
    from lucid_repro.optvis import render

    check_sizes(texture_size, view_size, steps)
    cfg = cfg or style_config(model)
    mesh = load_mesh(mesh)
    content = content_texture_of(mesh, texture_size)
    own = renderer is None
    renderer = make_renderer(mesh, view_size) if own else renderer
    try:
        in_batch = cfg.batch_mode != "content"
        target = style_image if in_batch or style_full is None else style_full
        loss = view_loss(model, cfg, target, reference_view(renderer, content))
        result = render.render(
            model, loss.objective(style_decay, average_init(gram_average)),
            param_f=lambda: StyleTransferTextureParam(texture_size, content,
                                                      style_image if in_batch else None),
            optimizer=render.adam(lr), transforms=[], thresholds=thresholds or (steps,), seed=seed,
            progress=progress, step_inputs=make_views(renderer, timings=timings),
            metrics=metrics(loss), stop_when=stop_when,
            description="3D style transfer")
    except BaseException:
        if own:
            renderer.close()
        raise
    return result, renderer, loss


def average_init(gram_average):
    """MovingAverage's init for a --gram_average value."""
    if gram_average not in GRAM_AVERAGES:
        raise UserError(f"gram average must be one of {', '.join(GRAM_AVERAGES)}, got {gram_average!r}")
    return GRAM_AVERAGES[gram_average]


def transfer_flat(model, style_image, content_texture, size, steps=LUCID_STEPS,
                  style_decay=LUCID_STYLE_DECAY, lr=LUCID_LR, seed=0, progress=True, cfg=None,
                  gram_average="first", style_full=None):
    """The naive baseline: 2D style transfer of the flat texture image (size x size),
    same objective, no mesh. style_image must be size x size. Returns the RenderResult
    (images: the flat texture)."""
    from lucid_repro.gl.texture_param import FlatStyleParam, fit_texture
    from lucid_repro.optvis import render

    cfg = cfg or style_config(model)
    content = fit_texture(content_texture, size, "content texture")
    in_batch = cfg.batch_mode != "content"
    loss = view_loss(model, cfg, style_image if in_batch or style_full is None else style_full, content)
    return render.render(
        model, loss.objective(style_decay, average_init(gram_average)),
        param_f=lambda: FlatStyleParam(size, content, style_image if in_batch else None),
        optimizer=render.adam(lr), transforms=[], thresholds=(steps,), seed=seed, progress=progress,
        metrics=metrics(loss),
        description="flat style transfer")


def view_losses(model, renderer, texture, content_texture, style_image, loss, views=SPREAD_VIEWS, seed=1234, distances=STYLE_TRANSFER_DISTS):
    """Per-view style loss (no moving average) and content loss of a finished texture
    over `views` random cameras, weighted as `loss` (a `view_loss`). Returns dict with
    the values and their spread."""
    import tensorflow as tf

    from lucid_repro.gl.sampler import sample_texture
    from lucid_repro.optvis.style import distance

    cfg = loss.config
    content_layer, content_weight = cfg.content_layers[0], loss.content_layer_weights[0]
    sub = model.submodel(loss.layers)
    style = loss.style_loss()
    joined = tf.constant(np.concatenate([np.asarray(texture, np.float32),
                                         np.asarray(content_texture, np.float32)], -1))
    style_t = tf.constant(style_image, tf.float32)

    @tf.function(autograph=False)
    def evaluate(uvmask):
        frames = sample_texture(joined, uvmask, 0.0)
        acts = sub(tf.stack([frames[..., :3], frames[..., 3:], style_t], 0))
        T = acts.__getitem__
        c = distance(acts[content_layer][0:1], acts[content_layer][1:2], cfg.content_loss)
        return style(T), c

    rng = np.random.default_rng(seed)
    s_vals, c_vals = [], []
    for _ in range(views):
        uvm = renderer.uv_map(renderer.sample_view(rng, *distances))
        s, c = evaluate(tf.constant(uvm))
        s_vals.append(float(s))
        c_vals.append(float(c) * content_weight)
    s_arr = np.asarray(s_vals)
    return {"views": int(views), "style_per_view": [round(v, 5) for v in s_vals],
            "style_mean": float(s_arr.mean()), "style_std": float(s_arr.std()),
            "style_min": float(s_arr.min()), "style_max": float(s_arr.max()),
            "style_cv": float(s_arr.std() / s_arr.mean()) if s_arr.mean() > 0 else float("nan"),
            "content_mean": float(np.mean(c_vals))}


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

_LIB = SECTION.settings["library"]


def run(model, style, output_dir, mesh=_LIB["mesh"], texture_size=_LIB["texture_size"],
        view_size=_LIB["view_size"], steps=_LIB["steps"], style_decay=_LIB["style_decay"],
        lr=_LIB["lr"], seed=0, frames=_LIB["frames"], naive=False, naive_size=None, cfg=None,
        spread_views=_LIB["spread_views"], progress=True, prefix=None, gram_average=_LIB["gram_average"],
        extra=None):
    """Everything the script does. `style`: a name/path or an array. Writes
    <prefix>_texture.png, _turntable.gif, _mesh.obj/.mtl/.png and _metrics.json
    (seam metric, style-loss spread over random views, losses, timings)."""
    from lucid_repro.gl.views import upsample
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
