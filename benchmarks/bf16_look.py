"""Benchmark (not a test; issue 29): equal look at bfloat16. The atlas demo's units (VGG19
conv4_2, 64 px, 48 steps, batch 8: recipes/atlas.py's demo row) rendered with float32 and
with bfloat16 network compute (models.precision.with_precision), as --precision=auto does
on a CPU whose verdict is bfloat16 (Zen 4: issue 29's measurement). On a CPU where bf16
is slow this shows the look, not the speed. Prints per unit the objective ratio bf16 /
fp32 (both evaluated by the float32 network on the final images, so the ratio compares
pictures, not arithmetic), the image statistics of both, and the --precision=auto verdict
of this machine; writes a contact sheet (row 1 float32, row 2 bfloat16).

    python benchmarks/bf16_look.py [--units 8 --sheet bf16_look.png]
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lucid_repro import image_stats, models  # noqa: E402
from lucid_repro.models.precision import auto_precision, describe_choice, with_precision  # noqa: E402
from lucid_repro.optvis.units import UnitRenderer  # noqa: E402
from lucid_repro.recipes.atlas import SECTION  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=8)
    ap.add_argument("--sheet", default=None)
    ap.add_argument("--cache_dir", default=None, help="precision verdict cache (default: the user's)")
    a = ap.parse_args()
    from lucid_repro.runtime import deterministic
    deterministic()
    print(describe_choice(auto_precision(a.cache_dir)), "; load", open("/proc/loadavg").read().split()[:3])
    demo = SECTION.row("demo")
    base = models.load("vgg19")
    layer = base.family.demo_unit_layer or "conv4_2"
    channels = list(range(a.units))
    out = {}
    for precision in ("float32", "bfloat16"):
        model = with_precision(base, precision)
        r = UnitRenderer(model, layer, size=demo["size"], steps=demo["steps"], batch=min(demo["batch"], a.units),
                         model_name=base.name)
        start = time.perf_counter()
        out[precision] = r.render_units(channels)
        print(f"{precision}: {time.perf_counter() - start:.1f} s for {a.units} units; load "
              f"{open('/proc/loadavg').read().split()[:3]}", flush=True)
    images = {p: np.stack([u["image"] for u in out[p]]) for p in out}
    acts = {p: base.activations(tf.constant(images[p]), [layer])[layer].numpy() for p in out}
    ratios = []
    for i, c in enumerate(channels):
        v = {p: float(acts[p][i, ..., c].mean()) for p in out}
        s = {p: image_stats.stats(images[p][i]) for p in out}
        ratios.append(v["bfloat16"] / v["float32"])
        print(f"{layer}:{c}: objective (fp32 network on the image) fp32 {v['float32']:.1f} bf16 {v['bfloat16']:.1f} "
              f"ratio {ratios[-1]:.3f} | slope {s['float32']['slope']:.2f}/{s['bfloat16']['slope']:.2f} "
              f"clipped {s['float32']['clipped']:.3f}/{s['bfloat16']['clipped']:.3f} "
              f"sat {s['float32']['saturation']:.3f}/{s['bfloat16']['saturation']:.3f}")
    print(f"objective ratio bf16/fp32: median {np.median(ratios):.3f}, min {min(ratios):.3f}, max {max(ratios):.3f}")
    if a.sheet:
        from lucid_repro.images import contact_sheet, save_image
        save_image(a.sheet, contact_sheet([list(images["float32"]), list(images["bfloat16"])]))


if __name__ == "__main__":
    main()
