"""SSIM of the inversions to the photo after a Gaussian blur (sigma 2) of both: whether
the photo's structure is there under the high-frequency noise that the random network's
deep features do not see (issue 24). Reads the tiles of results/inversion*.png (uint8).

    PYTHONPATH=. python benchmarks/experiments/lowpass_ssim.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_vgg_claims as claims  # noqa: E402
from random_vgg_spectrum import blur  # noqa: E402


def tiles(path, size, pad=4):
    from lucid_repro.images import load_image
    sheet = load_image(path)
    rows = (sheet.shape[0] - pad) // (size + pad)
    cols = (sheet.shape[1] - pad) // (size + pad)
    return [[sheet[pad + r * (size + pad):pad + r * (size + pad) + size,
                   pad + c * (size + pad):pad + c * (size + pad) + size] for c in range(cols)] for r in range(rows)]


def main():
    size = 128
    out = {}
    for name in ("inversion", "inversion_grey_start"):
        path = os.path.join(claims.ROOT, "benchmarks", "experiments", "results", name + ".json")
        if not os.path.isfile(path):
            continue
        res = json.load(open(path))
        layers = res["settings"]["layers"].split(",")
        nets = res["settings"]["nets"].split(",")
        grid = tiles(path[:-5] + ".png", size)
        photo = grid[0][0]
        for r, net in enumerate(nets):
            for c, layer in enumerate(layers):
                im = grid[r + 1][c]
                out[f"{name}/{net}/{layer}"] = {"ssim": claims.ssim(im, photo),
                                                "ssim_blurred": claims.ssim(blur(im), blur(photo))}
                print(name, net, layer, {k: round(v, 3) for k, v in out[f"{name}/{net}/{layer}"].items()})
    with open(os.path.join(claims.ROOT, "benchmarks", "experiments", "results", "lowpass_ssim.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
