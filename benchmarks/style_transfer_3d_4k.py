"""3D style transfer with a 4096 x 4096 texture (16.7 Mpx) on CPU: memory and speed.

    .venv/bin/python benchmarks/style_transfer_3d_4k.py [--texture_size=4096] [--view_size=224]
        [--steps=24] [--limit_gib=24]

Prints the process's resident memory after each step (from /proc/self/status), the
peak RSS (getrusage), seconds per step, and whether memory grew between the middle and
the end of the run: the moving average of the Gram matrices keeps one C x C matrix per
style layer however many views it has averaged, so RSS must be flat once the first
steps have allocated their buffers. Exit status 1 if the peak exceeds --limit_gib or
memory grows by more than 2 % over the second half. Not a test; prints numbers.
"""
import argparse
import resource
import sys
import time

import numpy as np


def rss_gib():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def peak_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20   # KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texture_size", type=int, default=4096)
    parser.add_argument("--view_size", type=int, default=224)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--limit_gib", type=float, default=24.0)
    args = parser.parse_args()
    if min(args.texture_size, args.view_size) <= 0 or args.steps < 4:
        parser.error("sizes must be positive and steps >= 4")

    from lucid_repro import assets, models
    from lucid_repro.gl import load_mesh
    from lucid_repro.gl.views import make_renderer
    from lucid_repro.recipes import style_transfer_3d as st

    print(f"start: RSS {rss_gib():.2f} GiB")
    model = models.load("vgg19")
    mesh = load_mesh("bunny")
    style = assets.load_square(args.style, args.view_size)
    renderer = make_renderer(mesh, args.view_size)
    print(f"model, mesh and style loaded: RSS {rss_gib():.2f} GiB", flush=True)
    rss, marks = [], []

    def stop_when(step, value, metrics):
        marks.append(time.perf_counter())
        rss.append(rss_gib())
        if step in (1, 2, 4) or step % 8 == 0 or step == args.steps:
            print(f"step {step:4d}: loss {value:9.4f}  RSS {rss[-1]:6.2f} GiB  peak {peak_gib():6.2f} GiB",
                  flush=True)
        return False

    t0 = time.perf_counter()
    try:
        result, _, _ = st.transfer_3d(model, style, mesh, args.texture_size, args.view_size, args.steps,
                                      progress=False, renderer=renderer, stop_when=stop_when)
    finally:
        renderer.close()
    total = time.perf_counter() - t0
    texture = result.images[-1]
    step_times = np.diff(marks)[1:]
    half = len(rss) // 2
    growth = (rss[-1] - rss[half]) / rss[half]
    peak = peak_gib()
    print(f"texture {texture.shape}, {texture.shape[0] * texture.shape[1] / 1e6:.1f} Mpx")
    print(f"{args.steps} steps in {total:.0f} s; {step_times.mean():.2f} s/step after tracing")
    print(f"RSS at step {half + 1}: {rss[half]:.2f} GiB, at step {len(rss)}: {rss[-1]:.2f} GiB "
          f"(growth {100 * growth:+.2f} % over {len(rss) - half - 1} more views averaged)")
    print(f"peak RSS {peak:.2f} GiB (limit {args.limit_gib} GiB)")
    ok = peak <= args.limit_gib and growth <= 0.02
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
