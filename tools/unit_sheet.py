"""Contact sheet of many channels of one VGG19 layer, to find units that show things
(issue 16). Each render call optimizes a batch of Fourier + decorrelated images, item b
maximizing its own channel (with the feature_vis recipe's saturation penalty), under
Lucid's standard transforms; then per channel: the objective on the final image, the
best natural-image value (the largest activation of the channel anywhere in the
shipped photos, 224 px), and the look statistics of tools/look_stats.py.

    python tools/unit_sheet.py conv5_1 --first 0 --count 64 --size 96 --steps 128 \
        --batch 16 --output docs/units_conv5_1.png
Writes the sheet (8 per row, channel numbers in the JSON beside it) and `<output>.json`.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from look_stats import stats  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("layer")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=64)
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--steps", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--penalty", type=float, default=None, help="default: the feature_vis recipe's")
    ap.add_argument("--output", required=True)
    args = ap.parse_args()

    import tensorflow as tf
    from lucid_repro import assets, models, runtime
    from lucid_repro.images import contact_sheet, save_image
    from lucid_repro.optvis import objectives, param, render
    from lucid_repro.recipes import feature_vis
    runtime.deterministic()
    model = models.load("vgg19")
    penalty = feature_vis.SATURATION_PENALTY if args.penalty is None else args.penalty
    channels = list(range(args.first, args.first + args.count))
    sub = model.submodel([args.layer])

    # natural images: the shipped photos, at 224 px
    photos = []
    for name, kind in (("bridge", "content"), ("zurich", "content"), ("starry_night", "styles"),
                       ("the_scream", "styles")):
        img = tf.constant(assets.load_square(name, 224, kind=kind))[None]
        photos.append(sub(img)[args.layer][0].numpy())          # [h, w, C]
    natural = np.max([p.max((0, 1)) for p in photos], 0)       # best photo's spatial max

    rows, records, t0 = [], [], time.time()
    for start in range(0, len(channels), args.batch):
        chunk = channels[start:start + args.batch]
        obj = objectives.Objective.sum([
            objectives.saturation_penalized(objectives.channel(args.layer, c, batch=b), penalty)
            for b, c in enumerate(chunk)])
        result = render.render(model, obj, param_f=lambda: param.image(args.size, batch=len(chunk)),
                               optimizer=render.adam(0.05), thresholds=(args.steps,), seed=0,
                               progress=False)
        imgs = result.images[-1]
        acts = sub(tf.constant(imgs))[args.layer].numpy()
        for b, c in enumerate(chunk):
            s = stats(imgs[b])
            records.append(dict(channel=c, objective=float(acts[b, ..., c].mean()),
                                natural=float(natural[c]), **s))
        rows.extend(list(imgs))
        print(f"{args.layer} {chunk[0]}..{chunk[-1]} done ({time.time() - t0:.0f} s)", flush=True)
    grid = [rows[i:i + 8] for i in range(0, len(rows), 8)]
    save_image(args.output, contact_sheet(grid))
    for r in records:
        r["ratio"] = r["objective"] / max(r["natural"], 1e-3)
    with open(os.path.splitext(args.output)[0] + ".json", "w") as f:
        json.dump(dict(layer=args.layer, size=args.size, steps=args.steps, penalty=penalty,
                       units=records), f, indent=1)
    for r in sorted(records, key=lambda r: r["slope"])[:16]:
        print(f"{args.layer}:{r['channel']:3d} objective {r['objective']:8.1f} natural {r['natural']:7.1f} "
              f"ratio {r['ratio']:6.1f} slope {r['slope']:5.2f} clipped {r['clipped']:.3f} hsvS {r['hsvS']:.2f}")


if __name__ == "__main__":
    main()
