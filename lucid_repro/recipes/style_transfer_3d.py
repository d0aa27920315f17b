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

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.gl.render import STYLE_TRANSFER_DISTS
from lucid_repro.gl.views import check_sizes, make_renderer, random_view_inputs

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
