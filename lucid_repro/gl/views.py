"""What the 3D recipes share: a renderer with a mesh uploaded, the render loop's
per-step input of one random view (rendered by OpenGL in Python outside the compiled
step), the size checks, and the texture upsampling of the naive baselines.
TensorFlow is imported only by `upsample` (the scripts check their input before TF
loads)."""
import time

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.gl.render import DEFAULT_MAX_DIST, DEFAULT_MIN_DIST

LUCID_DISTANCES = (DEFAULT_MIN_DIST, DEFAULT_MAX_DIST)   # meshutil.sample_view(11.0, 13.0)


def check_sizes(texture_size, view_size, steps):
    for name, value in (("texture_size", texture_size), ("view_size", view_size), ("steps", steps)):
        if value is None or int(value) <= 0:
            raise UserError(f"{name} must be positive, got {value}")


def make_renderer(mesh, view_size):
    """A UVRenderer (one EGL context + framebuffer) with `mesh` uploaded."""
    from lucid_repro.gl import UVRenderer
    renderer = UVRenderer(view_size, view_size)
    try:
        renderer.set_mesh(mesh)
    except BaseException:
        renderer.close()
        raise
    return renderer


def random_view_inputs(renderer, distances=LUCID_DISTANCES, timings=None):
    """step_inputs for render.render: one random view per step, rendered by OpenGL
    in Python outside the compiled step. `timings` (a list) collects the seconds
    spent in each GL pass."""
    lo, hi = distances

    def step_inputs(step, np_rng):
        t0 = time.perf_counter()
        # numpy's legacy RandomState from the loop -> a Generator for sample_view
        view = renderer.sample_view(np.random.default_rng(np_rng.randint(0, 2**31 - 1)), lo, hi)
        uvmask = renderer.uv_map(view)
        if timings is not None:
            timings.append(time.perf_counter() - t0)
        return {"uvmask": uvmask}
    return step_inputs


def upsample(image, size):
    """A square texture [h, h, 3] resized to size x size (bicubic, clipped to [0, 1])."""
    import tensorflow as tf
    image = np.asarray(image, np.float32)
    if image.shape[0] == size:
        return image
    return np.clip(tf.image.resize(image[None], (size, size), method="bicubic")[0].numpy(), 0, 1)
