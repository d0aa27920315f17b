"""Fraction of the optimization step time spent in the OpenGL pass (target <= 10 %).

    .venv/bin/python benchmarks/gl_fraction.py [--view_size=224] [--texture_size=512] [--steps=30]

Runs 3D feature visualization and 3D style transfer (VGG19, bunny) for a few steps
and prints, per recipe: the mean GL pass (random camera + rasterization + readback,
done in Python before each compiled step), the mean whole step (GL pass + compiled
TF step), and their ratio. The first two steps (tracing/compilation) are excluded.
Not a test; prints numbers.
"""
import argparse
import time

import numpy as np


def measure(name, run, steps, timings):
    marks = []

    def stop_when(step, loss, metrics):
        marks.append(time.perf_counter())
        return False

    t0 = time.perf_counter()
    run(stop_when)
    total = time.perf_counter() - t0
    step_times = np.diff(marks)[1:]           # drop steps 1-2 (tracing)
    gl = np.asarray(timings[-len(step_times):])
    frac = gl.sum() / step_times.sum()
    print(f"{name:>22}: GL pass {1000 * gl.mean():7.1f} ms  step {1000 * step_times.mean():8.1f} ms  "
          f"GL fraction {100 * frac:5.1f} %  ({steps} steps, {total:.0f} s incl. tracing)")
    return frac


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--view_size", type=int, default=224)
    parser.add_argument("--texture_size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    if min(args.view_size, args.texture_size) <= 0 or args.steps < 4:
        parser.error("sizes must be positive and steps >= 4")

    from lucid_repro import assets, models
    from lucid_repro.gl import load_mesh
    from lucid_repro.gl.views import make_renderer
    from lucid_repro.recipes import feature_vis_3d, style_transfer_3d

    model = models.load("vgg19")
    mesh = load_mesh("bunny")
    renderer = make_renderer(mesh, args.view_size)
    print(f"renderer: {renderer.info['GL_RENDERER']}; view {args.view_size}px, "
          f"texture {args.texture_size}px, {mesh.num_faces} triangles")
    try:
        timings = []
        measure("feature_vis_3d", lambda stop_when: feature_vis_3d.visualize_3d(
            model, "conv4_2:17", mesh, args.texture_size, args.view_size, args.steps, progress=False,
            renderer=renderer, timings=timings, stop_when=stop_when), args.steps, timings)

        timings2 = []
        style = assets.load_square("starry_night", args.view_size)
        measure("style_transfer_3d", lambda stop_when: style_transfer_3d.transfer_3d(
            model, style, mesh, args.texture_size, args.view_size, args.steps, progress=False,
            renderer=renderer, timings=timings2, stop_when=stop_when), args.steps, timings2)
    finally:
        renderer.close()


if __name__ == "__main__":
    main()
