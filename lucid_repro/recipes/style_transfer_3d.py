"""3D style transfer: restyle a mesh's texture through random renders.

The article's "Style Transfer for Textures through 3D Rendering" section and Lucid's
`style_transfer_3d` notebook. Each step OpenGL rasterizes the mesh from a random
camera (distance 10-12, field of view 10 degrees); the learned texture and the
mesh's original texture are sampled through the same (u, v, mask) map (one gather on
their concatenated channels, black background), and the network sees the batch
[learned view, original view (content), style image]. The loss is

    style:   sum over style layers of mean |Gram(learned view) - Gram(style)|, where
             Gram(learned view) is replaced by its moving average over recent views
             (decay 0.95) with the gradient of the current view (`StyleLoss(decay=)`);
    content: content_weight * mean |A(learned view) - A(original view)| at one layer,

minimized with Adam (learning rate 0.05) for 400 steps in the notebook.

Layers: with InceptionV1 exactly the notebook's (style conv2d2, mixed3a, mixed3b,
mixed4a, mixed4b, mixed4c; content mixed3b; content weight 100). With VGG19 (the
default, the only ImageNet network available offline) the Gatys et al. layers
(style relu1_1 ... relu5_1, content relu4_2); VGG19's Gram matrices differ in scale
by three orders of magnitude between layers (Caffe inputs in 0..255), so each
layer's mean-L1 term is divided by the mean |Gram| of the style image at that layer
and the content term by the mean |activation| of the original texture's view
(see BUILD_NOTES).

`naive=True` is the article's counter-example: ordinary 2D style transfer of the
flat texture image (same objective, no mesh), wrapped on the mesh afterwards.
"""
import dataclasses
import os
import time

import numpy as np

from lucid_repro import assets
from lucid_repro.errors import UserError
from lucid_repro.gl.render import STYLE_TRANSFER_DISTS
from lucid_repro.gl.views import check_sizes, make_renderer, random_view_inputs, upsample

# TensorFlow is imported inside the functions that need it, so that the scripts can
# reject bad input (sizes, meshes, style images) in a second, before TF loads.

LUCID_LR = 0.05
LUCID_STYLE_DECAY = 0.95
DEFAULT_TEXTURE_SIZE = 512      # Lucid: 1024 (CPU-friendly default here)
DEFAULT_VIEW_SIZE = 224         # Lucid: 512 x 512 renders
DEFAULT_STEPS = 300             # Lucid: 400 (800 for the article's figures)
SPREAD_VIEWS = 16


@dataclasses.dataclass(frozen=True)
class StyleConfig:
    style_layers: tuple
    content_layer: str
    content_weight: float
    normalize: bool      # divide each term by the style's / content's own magnitude


GOOGLENET = StyleConfig(("conv2d2", "mixed3a", "mixed3b", "mixed4a", "mixed4b", "mixed4c"),
                        "mixed3b", 100.0, False)           # style_transfer_3d.ipynb
VGG = StyleConfig(("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"), "relu4_2", 4.0, True)
CONFIGS = {"inception_v1": GOOGLENET, "vgg19": VGG, "ranvgg19": VGG}


def style_config(model, style_layers=None, content_layer=None, content_weight=None):
    """The model's default StyleConfig with optional overrides (layer names are checked)."""
    base = CONFIGS.get(getattr(model, "name", ""))
    if base is None and (style_layers is None or content_layer is None):
        raise UserError(f"no default style/content layers for model {getattr(model, 'name', model)}; "
                        "give --style_layers and --content_layer")
    base = base or StyleConfig((), "", 1.0, True)
    cfg = StyleConfig(tuple(style_layers) if style_layers else base.style_layers,
                      content_layer or base.content_layer,
                      base.content_weight if content_weight is None else float(content_weight),
                      base.normalize)
    for layer in cfg.style_layers + (cfg.content_layer,):
        model.check_layer(layer)
    if cfg.content_weight < 0 or not np.isfinite(cfg.content_weight):
        raise UserError(f"content weight must be a non-negative number, got {cfg.content_weight}")
    return cfg


# ----------------------------------------------------------------------------- content

def content_texture_of(mesh, size):
    from lucid_repro.gl import mesh_texture
    texture = mesh_texture(mesh, size)
    if texture is None:
        raise UserError(f"mesh {getattr(mesh, 'name', mesh)} has no texture to take the content from "
                        "(tex.jpg next to the buffers, or map_Kd in the OBJ's MTL)")
    return texture


# ----------------------------------------------------------------------------- losses

def loss_weights(model, cfg, style_image, content_image):
    """(style layer weights, effective content weight). Without normalization: 1 per
    layer and cfg.content_weight (Lucid). With it: 1 / mean|Gram(style)| per layer and
    content_weight / mean|A(content image)|."""
    import tensorflow as tf

    from lucid_repro.optvis.style import gram_matrix
    if not cfg.normalize:
        return [1.0] * len(cfg.style_layers), cfg.content_weight
    layers = list(dict.fromkeys(cfg.style_layers + (cfg.content_layer,)))
    acts = model.activations(tf.constant(np.stack([style_image, content_image]), tf.float32), layers)
    weights = [1.0 / max(float(tf.reduce_mean(tf.abs(gram_matrix(acts[l][:1])))), 1e-8)
               for l in cfg.style_layers]
    content_scale = max(float(tf.reduce_mean(tf.abs(acts[cfg.content_layer][1:]))), 1e-8)
    return weights, cfg.content_weight / content_scale


class StyleTransferObjective:
    """The notebook's loss on batch [learned, content, style] as render objective
    plus stateless per-view metrics ('content', 'style_view')."""

    def __init__(self, model, cfg, decay, layer_weights, content_weight):
        from lucid_repro.optvis.style import StyleLoss, content_objective
        depths = {l: model.layer_depth(l) for l in cfg.style_layers}
        self.cfg = cfg
        self.style = StyleLoss(cfg.style_layers, style_batch=2, generated_batch=0,
                               layer_weights=layer_weights, loss="mean_l1", decay=decay, depths=depths)
        # same loss without the moving average: what each single view scores
        self.style_view = StyleLoss(cfg.style_layers, style_batch=2, generated_batch=0,
                                    layer_weights=layer_weights, loss="mean_l1")
        self.content_weight = content_weight
        self.content = content_objective([cfg.content_layer], content_batch=1, generated_batch=0,
                                         loss="mean_l1", weight=content_weight)
        self.objective = self.style.objective() + self.content

    def metrics(self):
        from lucid_repro.optvis import objectives
        layers = list(self.cfg.style_layers)
        return {"content": -1.0 * self.content,
                "style_view": objectives.Objective(lambda T: self.style_view(T), layers, (), "style_view")}


# ----------------------------------------------------------------------------- runs

def make_views(renderer, distances=STYLE_TRANSFER_DISTS, timings=None):
    return random_view_inputs(renderer, distances, timings)


def _reference_view(renderer, content_texture):
    from lucid_repro.gl import orbit_view
    from lucid_repro.gl.sampler import sample_texture
    uvm = renderer.render(orbit_view(0.0, 15.0, 11.0, target=renderer.mesh))
    return sample_texture(content_texture, uvm, 0.0).numpy()


def transfer_3d(model, style_image, mesh="bunny", texture_size=DEFAULT_TEXTURE_SIZE,
                view_size=DEFAULT_VIEW_SIZE, steps=DEFAULT_STEPS, style_decay=LUCID_STYLE_DECAY,
                lr=LUCID_LR, seed=0, progress=True, renderer=None, cfg=None, thresholds=None,
                timings=None):
    """Restyle `mesh`'s texture. style_image: float [view_size, view_size, 3] (see
    `assets.load_square`). Returns (RenderResult whose images are textures, renderer, objective)."""
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
        weights, cw = loss_weights(model, cfg, style_image, _reference_view(renderer, content))
        loss = StyleTransferObjective(model, cfg, style_decay, weights, cw)
        result = render.render(
            model, loss.objective,
            param_f=lambda: StyleTransferTextureParam(texture_size, content, style_image),
            optimizer=render.adam(lr), transforms=[], thresholds=thresholds or (steps,), seed=seed,
            progress=progress, step_inputs=make_views(renderer, timings=timings),
            metrics=loss.metrics(), snapshot=lambda p: p.texture().numpy(),
            description="3D style transfer")
    except BaseException:
        if own:
            renderer.close()
        raise
    return result, renderer, loss


def transfer_flat(model, style_image, content_texture, size, steps=DEFAULT_STEPS,
                  style_decay=LUCID_STYLE_DECAY, lr=LUCID_LR, seed=0, progress=True, cfg=None):
    """The naive baseline: 2D style transfer of the flat texture image (size x size),
    same objective, no mesh. style_image must be size x size. Returns the RenderResult
    (images: the flat texture)."""
    from lucid_repro.gl.texture_param import FlatStyleParam, fit_texture
    from lucid_repro.optvis import render

    cfg = cfg or style_config(model)
    content = fit_texture(content_texture, size, "content texture")
    weights, cw = loss_weights(model, cfg, style_image, content)
    loss = StyleTransferObjective(model, cfg, style_decay, weights, cw)
    return render.render(
        model, loss.objective, param_f=lambda: FlatStyleParam(size, content, style_image),
        optimizer=render.adam(lr), transforms=[], thresholds=(steps,), seed=seed, progress=progress,
        metrics=loss.metrics(), snapshot=lambda p: p.texture().numpy(),
        description="flat style transfer")


def view_losses(model, renderer, texture, content_texture, style_image, cfg, layer_weights,
                content_weight, views=SPREAD_VIEWS, seed=1234, distances=STYLE_TRANSFER_DISTS):
    """Per-view style loss (no moving average) and content loss of a finished texture
    over `views` random cameras. Returns dict with the values and their spread."""
    import tensorflow as tf

    from lucid_repro.gl.sampler import sample_texture
    from lucid_repro.optvis.style import StyleLoss, distance

    layers = list(dict.fromkeys(tuple(cfg.style_layers) + (cfg.content_layer,)))
    sub = model.submodel(layers)
    style = StyleLoss(cfg.style_layers, style_batch=2, layer_weights=layer_weights, loss="mean_l1")
    joined = tf.constant(np.concatenate([np.asarray(texture, np.float32),
                                         np.asarray(content_texture, np.float32)], -1))
    style_t = tf.constant(style_image, tf.float32)

    @tf.function(autograph=False)
    def evaluate(uvmask):
        frames = sample_texture(joined, uvmask, 0.0)
        acts = sub(tf.stack([frames[..., :3], frames[..., 3:], style_t], 0))
        T = acts.__getitem__
        c = distance(acts[cfg.content_layer][0:1], acts[cfg.content_layer][1:2], "mean_l1")
        return style(T), c

    rng = np.random.default_rng(seed)
    s_vals, c_vals = [], []
    for _ in range(views):
        uvm = renderer.render(renderer.sample_view(rng, *distances))
        s, c = evaluate(tf.constant(uvm))
        s_vals.append(float(s))
        c_vals.append(float(c) * content_weight)
    s_arr = np.asarray(s_vals)
    return {"views": int(views), "style_per_view": [round(v, 5) for v in s_vals],
            "style_mean": float(s_arr.mean()), "style_std": float(s_arr.std()),
            "style_min": float(s_arr.min()), "style_max": float(s_arr.max()),
            "style_cv": float(s_arr.std() / s_arr.mean()) if s_arr.mean() > 0 else float("nan"),
            "content_mean": float(np.mean(c_vals))}


def run(model, style, output_dir, mesh="bunny", texture_size=DEFAULT_TEXTURE_SIZE,
        view_size=DEFAULT_VIEW_SIZE, steps=DEFAULT_STEPS, style_decay=LUCID_STYLE_DECAY,
        lr=LUCID_LR, seed=0, frames=24, naive=False, naive_size=None, cfg=None,
        spread_views=SPREAD_VIEWS, progress=True, prefix=None):
    """Everything the script does. `style`: a name/path or an array. Writes
    <prefix>_texture.png, _turntable.gif, _mesh.obj/.mtl/.png and _metrics.json
    (seam metric, style-loss spread over random views, losses, timings)."""
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
    prefix = prefix or ("style_transfer_3d_naive" if naive else "style_transfer_3d")
    renderer = make_renderer(mesh, view_size)
    try:
        metrics = {"mesh": mesh.name, "texture_size": int(texture_size), "view_size": int(view_size),
                   "steps": int(steps), "seed": int(seed), "style_decay": float(style_decay),
                   "model": getattr(model, "name", str(model)), "method": "naive" if naive else "render",
                   "style": style if isinstance(style, str) else "<array>",
                   "style_layers": list(cfg.style_layers), "content_layer": cfg.content_layer,
                   "content_weight": cfg.content_weight}
        t0 = time.perf_counter()
        gl_times = []
        if naive:
            flat = naive_size or max(32, min(texture_size, round(
                texture_size / turntable.texel_density(renderer, texture_size, min_dist=10, max_dist=12))))
            flat_style = assets.load_square(style, flat) if isinstance(style, (str, os.PathLike)) else \
                upsample(style_view, flat)
            result = transfer_flat(model, flat_style, content, flat, steps, style_decay, lr, seed,
                                   progress, cfg)
            texture = upsample(result.images[-1], texture_size)
            metrics["naive_size"] = int(flat)
        else:
            result, _, _ = transfer_3d(model, style_view, mesh, texture_size, view_size, steps,
                                       style_decay, lr, seed, progress, renderer=renderer, cfg=cfg,
                                       timings=gl_times)
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
            weights, cw = loss_weights(model, cfg, style_view, _reference_view(renderer, content))
            metrics["spread"] = view_losses(model, renderer, texture, content, style_view, cfg,
                                            weights, cw, views=spread_views)
        metrics["seam"] = turntable.seam_metric(mesh, texture)
        return turntable.write_outputs(output_dir, prefix, mesh, texture, renderer, frames, metrics)
    finally:
        renderer.close()


def demo(model, output_dir, quick=False, progress=True, style="starry_night", naive=False):
    """The bunny restyled with Starry Night (render-based; naive=True adds the flat 2D
    baseline), with a sheet of turntable frames: original texture, restyled (and
    naive). Returns written paths."""
    from lucid_repro.gl import load_mesh, turntable
    from lucid_repro.images import contact_sheet, load_image, save_image

    if quick:
        tex, view, steps, frames, spread = 64, 48, 4, 4, 2
    else:
        tex, view, steps, frames, spread = 256, 128, 100, 12, SPREAD_VIEWS
    mesh = load_mesh("bunny")
    runs = [run(model, style, output_dir, mesh, tex, view, steps, seed=0, frames=frames,
                spread_views=spread, progress=progress)]
    if naive:
        runs.append(run(model, style, output_dir, mesh, tex, view, steps, seed=0, frames=frames,
                        naive=True, spread_views=spread, progress=progress))
    paths = [p for r in runs for p in r.values()]
    renderer = make_renderer(mesh, view)
    try:
        textures = [content_texture_of(mesh, tex)] + [load_image(r["texture"]) for r in runs]
        rows = [turntable.turntable_frames(renderer, t, 4) for t in textures]
    finally:
        renderer.close()
    sheet = os.path.join(output_dir, "style_transfer_3d_sheet.png")
    paths.append(save_image(sheet, contact_sheet(rows)))
    return paths
