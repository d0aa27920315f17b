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
from lucid_repro.gl.views import check_sizes, make_renderer, random_view_inputs
from lucid_repro.optvis import objectives, render

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


