"""What the deep layers of trained vs random VGG19 see of an image (issue 24, the "why"
of the random relu5_1 inversion whose feature loss is tiny while its picture is noise).

For the girl photo x0 (128 px) and each layer, the relative feature distance
||phi(x) - phi(x0)||^2 / ||phi(x0)||^2 of:
  noise   x = clip(x0 + 0.1 * N(0, 1))      (high frequencies added)
  blur    x = Gaussian blur of x0, sigma 2   (high frequencies removed)
  shift   x = x0 rolled by 4 pixels          (same content, moved)
  grey    x = 0.5 everywhere                 (nothing)
  white   x = U[0, 1] white noise            (the papers' start)
Forward passes only (seconds).

    PYTHONPATH=. python benchmarks/experiments/random_vgg_spectrum.py
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_vgg_claims as claims  # noqa: E402

LAYERS = claims.RELU + ["pool5"]


def blur(x, sigma=2.0):
    r = int(3 * sigma)
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k = (k / k.sum()).astype(np.float32)
    t = tf.constant(x[None])
    kx = tf.constant(np.tile(k[None, :, None, None], (1, 1, 3, 1)))
    ky = tf.constant(np.tile(k[:, None, None, None], (1, 1, 3, 1)))
    t = tf.pad(t, [[0, 0], [r, r], [r, r], [0, 0]], mode="REFLECT")
    t = tf.nn.depthwise_conv2d(t, kx, [1, 1, 1, 1], "VALID")
    t = tf.nn.depthwise_conv2d(t, ky, [1, 1, 1, 1], "VALID")
    return t.numpy()[0]


def main():
    from lucid_repro import runtime
    runtime.deterministic()
    size = int(os.environ.get("SIZE", 128))
    x0 = claims.photo("girl.jpg", size)
    rng = np.random.RandomState(0)
    probes = {"noise": np.clip(x0 + 0.1 * rng.normal(size=x0.shape), 0, 1).astype(np.float32),
              "blur": blur(x0), "shift": np.roll(x0, 4, axis=1), "grey": np.full_like(x0, 0.5),
              "white": rng.uniform(0, 1, x0.shape).astype(np.float32)}
    out = {}
    for net in ("vgg19", "ranvgg19"):
        model = claims.load_net(net)
        batch = np.stack([x0] + list(probes.values()))
        acts = model.activations(tf.constant(batch), LAYERS)
        for layer in LAYERS:
            a = acts[layer].numpy()
            ref = a[0]
            out[f"{net}/{layer}"] = {name: float(np.sum((a[i + 1] - ref) ** 2) / np.sum(ref ** 2))
                                     for i, name in enumerate(probes)}
            print(net, layer, {k: f"{v:.3g}" for k, v in out[f"{net}/{layer}"].items()}, flush=True)
    path = os.path.join(claims.ROOT, "benchmarks", "experiments", "results", "spectrum.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
