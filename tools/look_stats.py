"""How the pictures look, in numbers (issue 16): power-spectrum slope, clipped fraction,
mean HSV saturation -- and small experiments that print them with the unit's objective.

    python tools/look_stats.py images a.png b.png [--tile N | --cell PX]
    python tools/look_stats.py cppn conv4_1:40 --size 96 --steps 320 [--lr 0.005] [--set k=v ...]
    python tools/look_stats.py fv conv4_2:17 --size 128 --steps 160 [--lr 0.05] [--set k=v ...]

Statistics (`lucid_repro.image_stats`, the same definitions as the shared image_stats tool): the image is
quantized to 8 bits; slope = least-squares slope of log radial power vs log frequency
(grey image, radii 2 .. min(h, w)/2 - 1; natural images ~ -2); clipped = fraction of
channel values within 2/255 of black or white; hsvS = mean HSV saturation.
`objective` is the raw unit (mean of the channel) on the final image, no transforms.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def stats(img):
    """img: [h, w, 3] floats in [0, 1] or uint8. Returns dict(slope, clipped, hsvS)
    (`lucid_repro.image_stats`, the report's statistics)."""
    from lucid_repro.image_stats import stats as image_stats
    s = image_stats(img)
    return dict(slope=s["slope"], clipped=s["clipped"], hsvS=s["saturation"])


def fmt(s):
    return f"slope {s['slope']:6.2f}  clipped {s['clipped']:.3f}  hsvS {s['hsvS']:.2f}"


def _model():
    from lucid_repro import models
    return models.load("vgg19")


def raw_objective(model, unit, img):
    import tensorflow as tf
    layer, ch = unit.split(":")
    sub = model.submodel([layer])
    return float(tf.reduce_mean(sub(tf.constant(np.asarray(img, np.float32)[None]))[layer][..., int(ch)]))


def _kv(pairs):
    out = {}
    for p in pairs:
        k, v = p.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def make_objective(unit, kind):
    """The unit's objective, or an experimental normalization of it (see BUILD_NOTES)."""
    import tensorflow as tf
    from lucid_repro.optvis.objectives import Objective
    layer, ch = unit.split(":")
    ch = int(ch)
    if kind == "raw":
        return unit
    if kind == "rel":      # the unit's share of the layer's mean |activation|
        return Objective(lambda T: tf.reduce_mean(T(layer)[..., ch]) / (tf.reduce_mean(tf.abs(T(layer))) + 1e-3),
                         [layer], [(layer, ch)], name=f"{unit}/layer")
    if kind.startswith("relu_rel"):   # share of the layer's post-ReLU activity
        return Objective(lambda T: tf.reduce_mean(T(layer)[..., ch]) / (tf.reduce_mean(tf.nn.relu(T(layer))) + 1e-3),
                         [layer], [(layer, ch)], name=f"{unit}/relu layer")
    if kind.startswith("relg"):   # divided by the layer's post-ReLU activity^g (divisive normalization)
        g = float(kind[len("relg"):])
        return Objective(lambda T: tf.reduce_mean(T(layer)[..., ch]) /
                         (tf.reduce_mean(tf.nn.relu(T(layer))) + 1e-3) ** g,
                         [layer], [(layer, ch)], name=f"{unit}/layer^{g}")
    if kind.startswith("sat"):   # the library's saturation_penalized(unit, weight)
        from lucid_repro.optvis.objectives import saturation_penalized
        return saturation_penalized(unit, float(kind[len("sat"):]))
    if kind.startswith("rawlogit"):   # raw objective minus lam * mean(pre-sigmoid logit^2)
        lam = float(kind[len("rawlogit"):])

        def fn(T):
            x = tf.clip_by_value(T("input")[..., :3], 1e-6, 1 - 1e-6)
            logit = tf.math.log(x) - tf.math.log1p(-x)
            return tf.reduce_mean(T(layer)[..., ch]) - lam * tf.reduce_mean(logit ** 2)
        return Objective(fn, [layer, "input"], [(layer, ch)], name=f"{unit}-rawlogit{lam}")
    if kind.startswith("logit"):   # log-like objective minus lam * mean(pre-sigmoid logit^2)
        lam = float(kind[len("logit"):])

        def fn(T):
            c = tf.reduce_mean(T(layer)[..., ch])
            x = tf.clip_by_value(T("input")[..., :3], 1e-6, 1 - 1e-6)
            logit = tf.math.log(x) - tf.math.log1p(-x)
            return c / tf.stop_gradient(tf.abs(c) + 1.0) - lam * tf.reduce_mean(logit ** 2)
        return Objective(fn, [layer, "input"], [(layer, ch)], name=f"{unit}-logit{lam}")
    if kind.startswith("contrast"):   # divided by the input's contrast^g
        g = float(kind[len("contrast"):] or 1)
        return Objective(lambda T: tf.reduce_mean(T(layer)[..., ch]) /
                         (tf.math.reduce_std(T("transformed")[..., :3]) + 1e-2) ** g,
                         [layer, "transformed"], [(layer, ch)], name=f"{unit}/contrast^{g}")
    raise SystemExit(f"unknown objective kind {kind}")


def run_cppn(args):
    from lucid_repro.recipes import cppn
    model = _model()
    t = time.time()
    result, p = cppn.train(model, make_objective(args.unit, args.obj), size=args.size, steps=args.steps, lr=args.lr,
                           every=args.steps, progress=False, seed=args.seed, **_kv(args.set))
    img = np.asarray(result.images[-1])[0]
    return model, img, result, time.time() - t


def run_fv(args):
    from lucid_repro.recipes import feature_vis
    model = _model()
    t = time.time()
    result = feature_vis.visualize(model, make_objective(args.unit, args.obj), size=args.size, steps=args.steps, lr=args.lr,
                                   seed=args.seed, progress=False, **_kv(args.set))
    return model, result.images[-1][0], result, time.time() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["images", "cppn", "fv"])
    ap.add_argument("targets", nargs="+")
    ap.add_argument("--tile", type=int, default=0)
    ap.add_argument("--cell", type=int, default=0, help="images: a contact sheet of cells this many px")
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--steps", type=int, default=320)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", nargs="*", default=[], help="extra recipe keyword arguments k=v (JSON values)")
    ap.add_argument("--obj", default="raw", help="raw | rel | relu_rel | contrast[g]")
    ap.add_argument("--save", default=None, help="write the final image here")
    args = ap.parse_args()
    if args.mode == "images":
        from PIL import Image
        for path in args.targets:
            a = np.asarray(Image.open(path).convert("RGB"))
            tiles = [a]
            if args.cell:   # a contact sheet (lucid_repro.images.contact_sheet): cells of args.cell px, 4 px gaps
                c, g = args.cell, 4
                tiles = [a[g + i * (c + g):g + i * (c + g) + c, g + j * (c + g):g + j * (c + g) + c]
                         for i in range((a.shape[0] - g) // (c + g)) for j in range((a.shape[1] - g) // (c + g))]
                for k, t in enumerate(tiles):
                    print(f"  cell {k}: {fmt(stats(t))}")
            elif args.tile:
                h, w = a.shape[0] // args.tile, a.shape[1] // args.tile
                tiles = [a[i * h:(i + 1) * h, j * w:(j + 1) * w] for i in range(args.tile) for j in range(args.tile)]
            s = [stats(t) for t in tiles]
            mean = {k: float(np.mean([x[k] for x in s])) for k in s[0]}
            print(f"{os.path.basename(path)[:44]:44s} {fmt(mean)}  (n={len(tiles)})")
        return
    from lucid_repro import runtime
    runtime.deterministic()
    for unit in args.targets:
        args.unit = unit
        if args.lr is None:
            args.lr = 0.005 if args.mode == "cppn" else 0.05
        model, img, result, secs = (run_cppn if args.mode == "cppn" else run_fv)(args)
        obj = raw_objective(model, unit, img)
        print(f"{args.mode} {unit} size {args.size} steps {args.steps} lr {args.lr} obj {args.obj} {' '.join(args.set)}: "
              f"objective {obj:.4g}  {fmt(stats(img))}  ({secs:.0f} s)", flush=True)
        if args.save:
            from lucid_repro.images import save_image
            path = args.save if len(args.targets) == 1 else args.save.replace(".png", f"_{unit.replace(':', '_')}.png")
            save_image(path, img)


if __name__ == "__main__":
    main()
