"""Benchmark (not a test): the activation pass of issue 26 at scale.

Generates a folder of N JPEG photos (crops of the default collection with noise, 256x320,
like camera photos seen at 224), then runs `layer_activations` over it (VGG19 pool5 at
224 px, batch 16) into an empty cache and reports: images/s, the process's peak resident
memory before and after the pass (streaming: it must not grow with N), the cache size,
the time of a second, cached call, and the size of a spatial (pooled=False) entry per image.

    python benchmarks/activation_pass.py [--images 1000 --size 224 --batch 16 --layer pool5]
"""
import argparse
import os
import resource
import tempfile
import time

import numpy as np
from PIL import Image


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_folder(folder, n, seed=0):
    from lucid_repro.collection import ImageCollection
    base = ImageCollection.default()
    rng = np.random.RandomState(seed)
    sources = [base.load(i) for i in range(len(base))]
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        src = sources[i % len(sources)]
        h, w = src.shape[:2]
        ch, cw = min(h, 256), min(w, 320)
        y, x = rng.randint(0, h - ch + 1), rng.randint(0, w - cw + 1)
        crop = src[y:y + ch, x:x + cw] + rng.normal(0, 0.03, (ch, cw, 3))
        sub = os.path.join(folder, f"sub{i // 250:02d}")          # a few subfolders: the walk is recursive
        os.makedirs(sub, exist_ok=True)
        Image.fromarray((np.clip(crop, 0, 1) * 255).astype(np.uint8)).resize((320, 256)).save(
            os.path.join(sub, f"{i:05d}.jpg"), quality=90)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--layer", default="pool5")
    p.add_argument("--spatial_images", type=int, default=32)
    a = p.parse_args()
    from lucid_repro import models
    from lucid_repro.activations import layer_activations
    from lucid_repro.collection import ImageCollection
    work = tempfile.mkdtemp(prefix="actpass-")
    folder, cache = os.path.join(work, "photos"), os.path.join(work, "cache")
    t = time.perf_counter()
    make_folder(folder, a.images)
    print(f"generated {a.images} JPEGs in {time.perf_counter() - t:.1f} s "
          f"({sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(folder) for f in fs) / 1e6:.1f} MB)")
    t = time.perf_counter()
    c = ImageCollection.from_dir(folder)
    print(f"collection of {len(c)} images checked in {time.perf_counter() - t:.2f} s")
    model = models.load("vgg19")
    model.activations(np.zeros((1, a.size, a.size, 3), np.float32), [a.layer])
    before = peak_mb()
    t = time.perf_counter()
    feats = layer_activations(model, a.layer, c, size=a.size, batch_size=a.batch, cache_dir=cache, progress=False)
    seconds = time.perf_counter() - t
    after = peak_mb()
    entry = [f for f in os.listdir(os.path.join(cache, "activations")) if f.endswith(".npy")][0]
    size = os.path.getsize(os.path.join(cache, "activations", entry))
    t = time.perf_counter()
    layer_activations(model, a.layer, c, size=a.size, batch_size=a.batch, cache_dir=cache, progress=False)
    cached = time.perf_counter() - t
    print(f"pass: {len(c)} images in {seconds:.1f} s = {len(c) / seconds:.2f} images/s; features {feats.shape}; "
          f"peak RSS {before:.0f} MB before, {after:.0f} MB after; cache entry {size / 1e6:.2f} MB "
          f"({size / len(c) / 1e3:.2f} KB per image); second call {cached:.3f} s")
    sub = ImageCollection(c.paths[:a.spatial_images], source="subset")
    t = time.perf_counter()
    maps = layer_activations(model, a.layer, sub, size=a.size, batch_size=a.batch, pooled=False, cache_dir=cache,
                             progress=False)
    print(f"spatial entry: {maps.shape}, {maps.nbytes / len(sub) / 1e3:.1f} KB per image, "
          f"{len(sub) / (time.perf_counter() - t):.2f} images/s")
    print(f"extrapolated to 10 000 images: {10000 / (len(c) / seconds) / 3600:.2f} h, pooled cache "
          f"{size / len(c) * 10000 / 1e6:.1f} MB, spatial cache {maps.nbytes / len(sub) * 10000 / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
