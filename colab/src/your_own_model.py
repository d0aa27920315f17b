# %% [markdown]
# # Your own model
#
# Every technique of the project on any Keras model: a `keras.applications` network, a
# `.keras` / `.h5` file you trained, or a SavedModel directory. `models.from_keras`
# (or `models.load("keras:PATH")`, `--model=keras:PATH` in every script) makes each named
# layer a layer name, finds the classifier's logits (the pre-softmax of the final Dense)
# and puts the preprocessing inside the model, so images stay RGB in [0, 1].
#
# Here: ResNet50 with its ImageNet weights (downloaded by Keras on first use), preprocessed
# the `caffe` way (BGR, ImageNet mean, 0..255) like every keras.applications ResNet50.
# `LUCID_REPRO_QUICK=1` (the test suite) builds it with `weights=None`, at a tiny size,
# offline: the images are then meaningless, but every step runs.

# %%
# On Colab, install the package (set LUCID_REPRO_SOURCE to your clone's URL or path).
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("lucid_repro") is None:
    source = os.environ.get("LUCID_REPRO_SOURCE", "git+https://github.com/YOUR_FORK/lucid_repro")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", source])

# %%
QUICK = os.environ.get("LUCID_REPRO_QUICK") == "1"
SIZE, STEPS = (48, 2) if QUICK else (224, 256)

import numpy as np
import tensorflow as tf
from PIL import Image
from IPython.display import display

from lucid_repro.assets import find_image
from lucid_repro.images import contact_sheet, load_image, to_uint8
from lucid_repro import models
from lucid_repro.optvis import attribution
from lucid_repro.recipes import adversarial, class_vis, feature_vis, saliency

if QUICK:   # offline, untrained, tiny: the test suite's run
    net = tf.keras.applications.ResNet50(weights=None, input_shape=(SIZE, SIZE, 3), classes=10)
else:       # ImageNet weights, ~100 MB, downloaded by Keras into ~/.keras/models
    net = tf.keras.applications.ResNet50(weights="imagenet")
model = models.from_keras(net, preprocess="caffe")
print(model, "| logits:", model.classifier_layers, "|", model.info)
print("some layers:", [l for l in model.layer_names if l.endswith("_out")][:6], "...")

# %% [markdown]
# ## Feature visualization
# A channel of a residual block's output, with the article's decorrelated Fourier image.

# %%
units = [("conv3_block4_out", 10), ("conv4_block6_out", 30), ("conv5_block3_out", 5)]
images = [feature_vis.visualize(model, f"{layer}:{c}", size=SIZE, steps=STEPS, progress=False).images[-1][0]
          for layer, c in units]
display(Image.fromarray(to_uint8(contact_sheet([images]))))

# %% [markdown]
# ## Class visualization, saliency and a fooling image
# Class 309 is "bee" in ImageNet (class 3 in the tiny offline run).

# %%
cls = 3 if QUICK else 309
photo = load_image(find_image("bridge.jpg", "content"), size=(SIZE, SIZE))
vis = class_vis.visualize(model, attribution.class_score(model, cls), "fft", size=SIZE,
                          steps=STEPS, progress=False).images[-1][0]
smap = saliency.compute(model, photo, "guided", class_index=cls)
fool = adversarial.fool(model, photo, cls, max_steps=2 if QUICK else 100, progress=False)
print(fool.summary())
display(Image.fromarray(to_uint8(contact_sheet([[vis, photo, attribution.heatmap(smap.map), fool.image]]))))

# %% [markdown]
# ## From a file, as the scripts see it
# Save any model and give its path to a script; `--preprocess` says how it wants its
# pixels (`caffe`, `tf`, `torch`, `none`, or `module:function` with `--input_range`).
#
#     python -m lucid_repro.scripts.feature_vis --model=keras:resnet50.keras --preprocess=caffe \
#         --objective=conv4_block6_out:30 --size=224 --output=unit.png

# %%
import tempfile
from lucid_repro import models
path = os.path.join(tempfile.mkdtemp(), "resnet50.keras")
net.save(path)
again = models.load("keras:" + path, preprocess="caffe")
x = tf.constant(photo[None])
print("same logits:", np.allclose(model.activations(x, ["predictions_logits"])["predictions_logits"],
                                  again.activations(x, ["predictions_logits"])["predictions_logits"], atol=1e-3))
