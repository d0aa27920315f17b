"""docs/ contact sheets of the issue-24 measurements, from benchmarks/experiments/results
(run_claims.sh first):

  docs/random_vgg_inversion.png     He et al. Figures 4/6: rows photo, trained VGG19,
                                    random VGG19; columns relu1_1 ... relu5_1, pool5
                                    (white-noise start), then the same for the grey start
                                    (relu4_1, relu5_1)
  docs/random_vgg_convergence.png   Figure 5: relative loss (log) vs iteration at relu5_1,
                                    trained (black) and random (red), white-noise start
  docs/random_vgg_textures.png      Figure 8: rows original, trained, random; columns
                                    conv1_1, +conv2_1, +conv3_1, +conv4_1
  docs/random_vgg_style.png         Figure 9: content, style, trained (Gatys), random (He)
  docs/random_vgg_style_beta10.png  the control: random (He) with alpha:beta = 10:1

    PYTHONPATH=. python benchmarks/experiments/make_sheets.py
"""
import json
import os
import shutil

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
DOCS = os.path.join(HERE, "..", "..", "docs")


def plot(curves, path, last="", width=480, height=240, pad=30):
    """curves: {name: (colour, [values])} on a log y axis, x = sample index."""
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    logs = {k: np.log10(np.maximum(np.asarray(v, float), 1e-12)) for k, (_, v) in curves.items()}
    lo = min(l.min() for l in logs.values())
    hi = max(l.max() for l in logs.values())
    n = max(len(l) for l in logs.values())
    d.rectangle([pad, pad // 2, width - pad // 2, height - pad], outline="grey")
    for decade in range(int(np.floor(lo)), int(np.ceil(hi)) + 1):
        y = height - pad - (decade - lo) / (hi - lo) * (height - 1.5 * pad)
        if pad // 2 <= y <= height - pad:
            d.line([pad, y, width - pad // 2, y], fill=(225, 225, 225))
            d.text((2, y - 6), f"1e{decade}", fill="grey")
    for k, (colour, _) in curves.items():
        l = logs[k]
        pts = [(pad + i / (n - 1) * (width - 1.5 * pad), height - pad - (v - lo) / (hi - lo) * (height - 1.5 * pad))
               for i, v in enumerate(l)]
        d.line(pts, fill=colour, width=2)
    d.text((pad, height - pad + 8), "iteration 0", fill="black")
    d.text((width - pad - 70, height - pad + 8), f"{last}", fill="black")
    d.text((width - pad - 150, pad), "black: trained VGG19", fill="black")
    d.text((width - pad - 150, pad + 14), "red: random VGG19", fill=(200, 0, 0))
    img.save(path)


def main():
    os.makedirs(DOCS, exist_ok=True)
    for name, target in [("inversion", "random_vgg_inversion.png"), ("inversion_grey_start",
                          "random_vgg_inversion_grey_start.png"), ("textures", "random_vgg_textures.png"),
                         ("style", "random_vgg_style.png"), ("style_ctrl_beta10", "random_vgg_style_beta10.png"),
                         ("textures_ctrl_grey_start", "random_vgg_textures_grey_start.png")]:
        src = os.path.join(RESULTS, name + ".png")
        if os.path.isfile(src):
            shutil.copyfile(src, os.path.join(DOCS, target))
            shutil.copyfile(os.path.join(RESULTS, name + ".json"), os.path.join(DOCS, target[:-4] + ".json"))
    inv_all = json.load(open(os.path.join(RESULTS, "inversion.json")))
    inv = inv_all["results"]
    plot({"vgg19": ((0, 0, 0), inv["vgg19/relu5_1"]["loss_curve"]),
          "ranvgg19": ((200, 0, 0), inv["ranvgg19/relu5_1"]["loss_curve"])},
         os.path.join(DOCS, "random_vgg_convergence.png"), last=f"{inv_all['settings']['iters']} (relu5_1)")
    print("wrote docs/random_vgg_*.png")


if __name__ == "__main__":
    main()
