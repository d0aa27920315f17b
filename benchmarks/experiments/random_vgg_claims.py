"""He, Wang & Hopcroft 2016 ("A Powerful Generative Model Using Random Weights for the
Deep Image Representation") and Gatys' textures: the papers' claims measured with the
one render loop (issue 24). Not a test: CPU minutes.

    PYTHONPATH=. python benchmarks/experiments/random_vgg_claims.py inversion --size=128 --iters=300
    PYTHONPATH=. python benchmarks/experiments/random_vgg_claims.py convergence --size=128 --iters=1000
    PYTHONPATH=. python benchmarks/experiments/random_vgg_claims.py textures --size=128 --iters=200
    PYTHONPATH=. python benchmarks/experiments/random_vgg_claims.py style --size=128 --iters=300
    # the papers' sizes: --size=256 --iters=2000 (about 0.5 s per evaluation on 2 CPU cores)

Every run: white-noise start in [0, 1] (param "box"), pixels optimized directly, L-BFGS
with the [0, 1] bounds (optimizer "lbfgs"; --optimizer=adam for the control), average
pooling, random weights N(0, 0.015^2) with zero biases (He et al.), seed 0.
Writes <out>/<experiment>.json and a contact sheet <out>/<experiment>.png.
"""
import argparse
import json
import os
import time

import numpy as np
import tensorflow as tf

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.join(ROOT, "..", "shared", "data")
RELU = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
POOL = ["pool1", "pool2", "pool3", "pool4", "pool5"]
# He et al. Figure 8: conv1_1, + conv2_1, + conv3_1, + conv4_1 (post-ReLU, as Caffe's blobs)
TEXTURE_SETS = [RELU[:k] for k in range(1, 5)]
GATYS_JUDGE = ["relu1_1", "pool1", "pool2", "pool3", "pool4"]


def load_net(name, seed=0, pooling="avg", sigma=None, reference=None, stacked_layers=None):
    from lucid_repro.models import random_vgg, vgg
    if name == "ranvgg19_stacked":
        from lucid_repro.recipes.feature_inversion import stacked_ranvgg19
        model, _ = stacked_ranvgg19(reference, stacked_layers, k=4, size=64, steps=64, seed=seed)
        return random_vgg.with_avg_pooling(model)
    if sigma is not None and name == "ranvgg19":
        return vgg.load_ranvgg19(seed=seed, sigma=sigma, pooling=pooling)
    model, _ = random_vgg.load_model(name, None, seed, pooling)
    return model


def photo(name, size):
    from lucid_repro.assets import resize_longer_side
    from lucid_repro.images import load_image
    path = name if os.path.isfile(name) else os.path.join(SHARED, "content", name)
    image = load_image(path)
    h, w = image.shape[:2]
    s = min(h, w)                          # centre square, as the paper's figures
    image = image[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    return resize_longer_side(image, size).astype(np.float32)


def style_image(name, size):
    from lucid_repro.assets import resize_longer_side
    from lucid_repro.images import load_image
    path = name if os.path.isfile(name) else os.path.join(SHARED, "styles", name)
    return resize_longer_side(load_image(path), size).astype(np.float32)


def ssim(a, b):
    return float(tf.image.ssim(tf.constant(a[None]), tf.constant(b[None]), max_val=1.0)[0])


def label(image, text):
    """The image with no text (contact sheets keep rows in the order of the JSON)."""
    return image


def cmd_inversion(args):
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.recipes import feature_inversion as fi
    image = photo(args.image, args.size)
    layers = [l for l in args.layers.split(",") if l]
    results, rows = {}, [[image] * len(layers)]
    for net in args.nets.split(","):
        model = load_net(net, reference=image, stacked_layers=[l for l in layers if l.startswith("relu")],
                         sigma=args.sigma)
        row = []
        for layer in layers:
            t = time.time()
            r = fi.invert(model, image, [layer], steps=args.iters, param_kind=args.param, optimizer=args.optimizer,
                          lr=args.lr, seed=0, progress=False)
            evals = r.render_result.metric_history.get("function_evaluations")
            results[f"{net}/{layer}"] = {
                "feature_distance": r.loss, "ssim": ssim(r.image, image),
                "evaluations": int(evals[-1]) if evals is not None and len(evals) else args.iters,
                "loss_curve": [float(x) for x in r.losses[:: max(1, len(r.losses) // 50)]],
                "seconds": round(time.time() - t, 1)}
            print(net, layer, {k: v for k, v in results[f"{net}/{layer}"].items() if k != "loss_curve"}, flush=True)
            row.append(r.image)
        rows.append(row)
    return results, rows


def cmd_convergence(args):
    args.layers = args.layers or "relu5_1"
    results, rows = cmd_inversion(args)
    for key, r in results.items():
        curve = np.asarray(r["loss_curve"])
        r["first_within_2x_final"] = int(np.argmax(curve <= 2 * curve[-1]) * max(1, args.iters // 50))
    return results, rows


def cmd_textures(args):
    from lucid_repro.recipes import texture_synthesis as ts
    judge = load_net("vgg19")
    results, rows = {}, []
    for name in args.textures.split(","):
        texture = style_image(name, args.size)
        judge_targets = ts.GramTargets(judge, texture, GATYS_JUDGE, args.size, weighting="relative")
        crop = ts.center_crop(ts.resize_to_cover(texture, args.size), args.size)
        rows.append([crop] * len(args.sets.split(",")))
        for net in args.nets.split(","):
            model = load_net(net, reference=texture, stacked_layers=RELU[:4], sigma=args.sigma)
            row = []
            for layers in [TEXTURE_SETS[int(k) - 1] for k in args.sets.split(",")]:
                t = time.time()
                r = ts.synthesize(model, texture, layers, size=args.size, steps=args.iters, param_kind=args.param,
                                  optimizer=args.optimizer, lr=args.lr, weighting=args.weighting, seed=0,
                                  progress=False)
                judged = judge_targets.evaluate(r.image)
                rel = {l: judged[l] / judge_targets.scales[l] for l in GATYS_JUDGE}
                key = f"{name}/{net}/{'+'.join(layers)}"
                results[key] = {"judge_relative_gram": rel, "judge_mean": float(np.mean(list(rel.values()))),
                                "own_relative_errors": r.relative_errors, "seconds": round(time.time() - t, 1)}
                print(key, round(results[key]["judge_mean"], 4), results[key]["seconds"], flush=True)
                row.append(r.image)
            rows.append(row)
    return results, rows


def cmd_style(args):
    from lucid_repro.recipes import style_transfer as st
    content = photo(args.image, args.size)
    style = style_image(args.textures.split(",")[0], args.size)
    from lucid_repro.recipes.texture_synthesis import center_crop, resize_to_cover
    results, rows = {}, [[content, center_crop(resize_to_cover(style, args.size), args.size)]]
    row = []
    for net in args.nets.split(","):
        model = load_net(net, reference=content, stacked_layers=RELU, sigma=args.sigma)
        config = st.style_config(model, style_weight=args.style_weight, weighting=args.weighting)
        t = time.time()
        r = st.transfer(model, content, style, config, param_kind=args.param, steps=args.iters, seed=0,
                        progress=False, optimizer=args.optimizer, lr=args.lr)
        results[net] = {"final": {k: (float(v) if np.isscalar(v) else v) for k, v in r.final.items()},
                        "weights": r.weights, "config": config.to_dict(), "seconds": round(time.time() - t, 1),
                        "ssim_to_content": ssim(r.image, content)}
        print(net, results[net]["final"], results[net]["seconds"], flush=True)
        row.append(r.image)
    rows.append(row)
    return results, rows


def main():
    from lucid_repro import runtime
    from lucid_repro.images import contact_sheet, save_image
    p = argparse.ArgumentParser()
    p.add_argument("experiment", choices=["inversion", "convergence", "textures", "style"])
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--iters", type=int, default=300)
    p.add_argument("--nets", default="vgg19,ranvgg19")
    p.add_argument("--layers", default=None)
    p.add_argument("--image", default="girl.jpg")
    p.add_argument("--textures", default="starry_night.jpg")
    p.add_argument("--optimizer", default="lbfgs")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--param", default="box")
    p.add_argument("--weighting", default=None)
    p.add_argument("--sigma", type=float, default=None)
    p.add_argument("--style_weight", type=float, default=None, help="style: override the config's beta")
    p.add_argument("--sets", default="1,2,3,4", help="textures: which of Figure 8's rows (1 = conv1_1, "
                   "2 = conv1_1 + conv2_1, ...)")
    p.add_argument("--start_scale", type=float, default=1.0,
                   help="white-noise start 0.5 + scale * (U[0,1] - 0.5): 1 = the papers' white noise, "
                        "0 = flat grey (controlled experiment on the start)")
    p.add_argument("--tag", default="")
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "experiments", "results"))
    args = p.parse_args()
    runtime.deterministic()
    if args.start_scale != 1.0:
        from lucid_repro.optvis import param as param_lib
        plain = param_lib.white_noise_box

        def scaled(w, h=None, batch=1, seed=None):
            p = plain(w, h, batch=batch, seed=seed)
            v = p.trainable_variables[0]
            v.assign(0.5 + args.start_scale * (v - 0.5))
            return p
        param_lib.white_noise_box = scaled
    if args.experiment == "inversion" and args.layers is None:
        args.layers = ",".join(RELU + POOL)
    start = time.time()
    results, rows = globals()["cmd_" + args.experiment](args)
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, args.experiment + (("_" + args.tag) if args.tag else ""))
    settings = {k: v for k, v in vars(args).items() if k != "out"}
    with open(stem + ".json", "w") as f:
        json.dump({"settings": settings, "seconds": round(time.time() - start, 1), "results": results}, f, indent=1)
    np.savez_compressed(stem + ".npz", **{f"r{i}c{j}": im for i, row in enumerate(rows) for j, im in enumerate(row)})
    save_image(stem + ".png", contact_sheet(rows))
    print("wrote", stem + ".json", stem + ".png")


if __name__ == "__main__":
    main()
