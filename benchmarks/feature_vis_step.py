"""Benchmark (not a test): steady-state ms per feature-visualization step of VGG19
(fft + decorrelate + standard transforms, objective <layer>:17), tracing EXCLUDED (a
`render.StepCache` compiles the step in a warm-up call; the timed call reuses it), for
float32 and bfloat16 network compute; the achieved GFLOP/s from analytic conv FLOPs at
the size the network really sees (size + 12 after Lucid's pad/jitter; scale averages 1)
against a measured conv peak of this machine in the same run: one 3x3 conv 256->256 at
56x56, forward + gradient w.r.t. its input, fp32 and bf16 (the forward's output is
returned too: a step needs it, and a gradient-only function lets TF prune the forward conv,
which doubles the apparent rate -- the "409 GFLOP/s" of issue 15 was that). With
--kernels, a child run with ONEDNN_VERBOSE=1 sums oneDNN's own kernel times per primitive
over timed network steps (forward convs, backward-data convs, reorders, pooling) and
prints each one's GFLOP/s: what is left is TF's own ops (bias, ReLU, transforms). Then where a step's time goes
(parameterization, transforms, network forward, network forward + input gradient).
Prints ratios.

    python benchmarks/feature_vis_step.py [--size 224 --steps 10 --layer conv4_2]
"""
import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from lucid_repro import models  # noqa: E402
from lucid_repro.models import vgg  # noqa: E402
from lucid_repro.models.precision import with_precision  # noqa: E402
from lucid_repro.optvis import objectives, param, render, transforms  # noqa: E402


def conv_flops(size, layer):
    """Forward FLOPs (2 * MACs) of VGG19's convs up to and including `layer` at size x size."""
    flops, h, cin = 0, size, 3
    for b, (n, width) in enumerate(zip(vgg.BLOCKS, vgg.WIDTHS)):
        for i in range(n):
            flops += 2 * h * h * 9 * cin * width
            cin = width
            if f"conv{b + 1}_{i + 1}" == layer:
                return flops
        h //= 2
    return flops


def timed(f, reps):
    f()
    f()
    start = time.perf_counter()
    for _ in range(reps):
        f()
    return (time.perf_counter() - start) / reps


def conv_peak(dtype, reps=10):
    """GFLOP/s of a 3x3 conv 256->256 at 56x56 (batch 1), forward + input gradient."""
    x = tf.random.normal((1, 56, 56, 256), dtype=tf.float32)
    k = tf.cast(tf.random.normal((3, 3, 256, 256)) * 0.02, dtype)

    @tf.function
    def f():
        xx = tf.cast(x, dtype)
        with tf.GradientTape() as tape:
            tape.watch(xx)
            y = tf.nn.conv2d(xx, k, 1, "SAME")
        return tape.gradient(y, xx), tf.reduce_sum(y)    # y used: the forward conv runs
    seconds = timed(lambda: [t.numpy() for t in f()], reps)
    return 2 * 2 * 56 * 56 * 9 * 256 * 256 / seconds / 1e9


def step_ms(model, objective, size, steps):
    cache = render.StepCache()
    kw = dict(param_f=lambda: param.image(size), thresholds=(2,), seed=0, progress=False, cache=cache)
    render.render(model, objective, **kw)               # traces
    kw["thresholds"] = (steps,)
    start = time.perf_counter()
    r = render.render(model, objective, **kw)            # reuses the compiled step
    assert cache.traces == 1
    return (time.perf_counter() - start) / steps * 1e3, r


def parts_ms(model, size, layer, reps):
    """ms of the parts of a step, each compiled alone (forward + gradient where it has one)."""
    p = param.image(size, seed=0)
    rng = tf.random.Generator.from_seed(0)
    t = transforms.compose(transforms.standard_transforms())
    sub = model.submodel([layer])
    net_in = tf.random.uniform((1, size + 12, size + 12, 3), seed=1)

    @tf.function
    def param_part():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(p())
        return tape.gradient(y, p.trainable_variables)

    @tf.function
    def param_transforms():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(t(p(), rng))
        return tape.gradient(y, p.trainable_variables)

    @tf.function
    def net_fwd():
        return tf.reduce_mean(sub(net_in)[layer][..., 17])

    @tf.function
    def net_fwd_bwd():
        with tf.GradientTape() as tape:
            tape.watch(net_in)
            y = tf.reduce_mean(sub(net_in)[layer][..., 17])
        return tape.gradient(y, net_in)

    sync = lambda out: [np.asarray(o) for o in tf.nest.flatten(out)]  # noqa: E731
    return {name: timed(lambda f=f: sync(f()), reps) * 1e3 for name, f in
            [("parameterization (fft + colour, fwd+bwd)", param_part),
             ("parameterization + transforms (fwd+bwd)", param_transforms),
             ("network forward", net_fwd), ("network forward + input gradient", net_fwd_bwd)]}


def kernel_profile_child(size, layer, reps):
    """In a child with ONEDNN_VERBOSE=1: `reps` timed network forward + input-gradient
    passes after a marker line, so the parent can sum the kernels' times. One inter-op
    thread: kernels run one after another (each on every core), so their times add up."""
    tf.config.threading.set_inter_op_parallelism_threads(1)
    base = models.load("vgg19")
    sub = base.submodel([layer])
    x = tf.random.uniform((1, size, size, 3), seed=1)

    @tf.function
    def f():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_mean(sub(x)[layer][..., 17])
        return tape.gradient(y, x), y
    for _ in range(3):
        [t.numpy() for t in f()]
    print("KERNELS-START", flush=True)
    start = time.perf_counter()
    for _ in range(reps):
        [t.numpy() for t in f()]
    print(f"KERNELS-END {(time.perf_counter() - start) / reps * 1e3:.3f}", flush=True)


def kernel_profile(size, layer, reps=5):
    """Per-primitive oneDNN kernel time (ms per pass) and conv GFLOP/s, from a child run."""
    import re
    import subprocess
    import sys

    from step_profile import onednn_exec    # this folder (the script's own) is on sys.path
    env = dict(os.environ, ONEDNN_VERBOSE="1", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, __file__, "--kernel_child", f"--size={size}", f"--layer={layer}",
                          f"--steps={reps}"], env=env, capture_output=True, text=True, check=True).stdout
    lines = out.split("KERNELS-START")[1].splitlines()
    total_ms = float(next(l for l in lines if l.startswith("KERNELS-END")).split()[1])
    ms, flops, isa = {}, {}, {}
    for line in lines:
        record = onednn_exec(line)
        if record is None:
            continue
        primitive, impl, prop, shape, t = record
        kind = primitive + (" " + prop if primitive == "convolution" else "")
        ms[kind] = ms.get(kind, 0.0) + t / reps
        isa[kind] = impl
        m = re.search(r"mb(\d+)_ic(\d+)oc(\d+)_ih(\d+)oh(\d+)kh(\d+).*?_iw(\d+)ow(\d+)kw(\d+)", shape)
        if m:
            mb, ic, oc, ih, oh, kh, iw, ow, kw = map(int, m.groups())
            flops[kind] = flops.get(kind, 0.0) + 2.0 * mb * ic * oc * oh * ow * kh * kw / reps
    return total_ms, ms, flops, isa


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--layer", default="conv4_2")
    ap.add_argument("--no_parts", action="store_true")
    ap.add_argument("--kernels", action="store_true", help="oneDNN per-primitive profile (child run)")
    ap.add_argument("--kernel_child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.kernel_child:
        return kernel_profile_child(args.size + 12, args.layer, args.steps)
    base = models.load("vgg19")
    objective = objectives.as_objective(f"{args.layer}:17")   # one object: the StepCache reuses it
    side = args.size + 12            # what the network sees on average after the transforms
    step_flops = 2 * conv_flops(side, args.layer)   # forward + gradient w.r.t. the input
    peak = {d: conv_peak(d) for d in (tf.float32, tf.bfloat16)}
    print(f"conv peak (3x3 256->256 @56², fwd + input grad): fp32 {peak[tf.float32]:.0f} GFLOP/s, "
          f"bf16 {peak[tf.bfloat16]:.0f} GFLOP/s (ratio {peak[tf.bfloat16] / peak[tf.float32]:.2f})")
    print(f"VGG19 {args.size}px (network input ~{side}px) to {args.layer}: "
          f"{step_flops / 1e9:.2f} GFLOP per step (analytic convs, fwd + input grad)")
    ms = {}
    for precision, dtype in (("float32", tf.float32), ("bfloat16", tf.bfloat16)):
        model = with_precision(base, precision)
        ms[precision], _ = step_ms(model, objective, args.size, args.steps)
        achieved = step_flops / (ms[precision] / 1e3) / 1e9
        print(f"  {precision}: {ms[precision]:.1f} ms/step (tracing excluded) -> {achieved:.0f} GFLOP/s = "
              f"{achieved / peak[dtype]:.2f} of the {precision} conv peak, "
              f"{achieved / peak[tf.float32]:.2f} of the fp32 peak")
    print(f"bf16 speed-up over fp32: {ms['float32'] / ms['bfloat16']:.2f}x")
    if not args.no_parts:
        parts = parts_ms(base, args.size, args.layer, max(3, args.steps // 2))
        print(f"where a float32 step goes (each part compiled alone; step = {ms['float32']:.1f} ms):")
        for name, v in parts.items():
            print(f"  {name}: {v:.1f} ms ({v / ms['float32']:.0%} of a step)")
    if args.kernels:
        total, kms, kflops, isa = kernel_profile(args.size, args.layer)
        print(f"oneDNN kernels in one float32 network pass (forward + input gradient, {side}px, "
              f"{total:.1f} ms wall):")
        for kind, v in sorted(kms.items(), key=lambda kv: -kv[1]):
            rate = f", {kflops[kind] / v / 1e6:.0f} GFLOP/s" if kind in kflops else ""
            print(f"  {kind} [{isa[kind]}]: {v:.1f} ms ({v / total:.0%}){rate}")
        rest = total - sum(kms.values())
        print(f"  outside oneDNN (TF's bias, ReLU, slicing, ...): {rest:.1f} ms ({rest / total:.0%})" if rest > 0
              else f"  kernels sum to {sum(kms.values()):.1f} ms > wall: they overlapped (inter-op threads) "
                   f"or the machine is shared; rerun on a quiet machine for the remainder")


if __name__ == "__main__":
    main()
