# %% [markdown]
# # Your own model
#
# Every technique of the project on any Keras model: a `keras.applications` network, a
# `.keras` / `.h5` file you trained, or a SavedModel directory. `models.from_keras`
# (or `models.load("keras:PATH")`, `--model=keras:PATH` in every script) makes each named
# layer a layer name, finds the classifier's logits (the pre-softmax of the final Dense)
# and puts the preprocessing inside the model, so images stay RGB in [0, 1].
#
# Below: ResNet50 (RGB), then a 28 px grayscale CNN, a 4-band CNN and a Vision
# Transformer (token layers, the class token, attention maps and rollout): any number of
# input channels, small fixed-size models, and ViTs (issue 25).
#
# First: ResNet50 with its ImageNet weights (downloaded by Keras on first use), preprocessed
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
units = [("conv3_block4_out", 10), ("conv4_block6_out", 30), ("conv5_block3_out", 5)][:1 if QUICK else 3]
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

# %% [markdown]
# ## A grayscale model (MNIST-style, 28 px, one channel)
# The model's input shape says it takes 1 channel, so every parameterization makes a
# grayscale image (Fourier-scaled, no colour decorrelation) and photos are converted by
# luminance. The transforms scale with the image (Lucid's pad 12 / jitter 8 are for 128-224
# px; at 28 px they are 3 / 2). Here a small CNN learns in a few seconds which quadrant of a
# noisy image holds a bright blob (4 classes); class visualization then draws a blob in
# the quadrant of the class it is asked for.

# %%
L = tf.keras.layers
GRAY = 28

def blobs(n, rng):
    """Noise plus a bright blob in quadrant `label` (0: top left ... 3: bottom right)."""
    y = rng.randint(0, 4, n)
    x = rng.uniform(0.0, 0.4, (n, GRAY, GRAY, 1)).astype(np.float32)
    grid = np.arange(GRAY)
    for i, label in enumerate(y):
        cy, cx = rng.randint(3, 11) + 14 * (label // 2), rng.randint(3, 11) + 14 * (label % 2)
        x[i, ..., 0] = np.clip(x[i, ..., 0] + np.exp(-((grid[:, None] - cy) ** 2 + (grid[None, :] - cx) ** 2) / 8), 0, 1)
    return x, y

tf.keras.utils.set_random_seed(0)
gray_net = tf.keras.Sequential([tf.keras.Input((GRAY, GRAY, 1)), L.Conv2D(8, 3, activation="relu", name="conv1"),
                                L.MaxPooling2D(name="pool1"), L.Conv2D(16, 3, activation="relu", name="conv2"),
                                L.MaxPooling2D(name="pool2"), L.Flatten(name="flatten"),
                                L.Dense(4, activation="softmax", name="probs")], name="gray_cnn")
gray_net.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
x, y = blobs(200 if QUICK else 1200, np.random.RandomState(0))
gray_net.fit(x * 2 - 1, y, epochs=1 if QUICK else 4, batch_size=64, verbose=0)   # inputs in [-1, 1]: "tf"
gray = models.from_keras(gray_net, preprocess="tf")
print(gray, "| channels:", gray.channels, "| fixed size:", gray.fixed_input_size(), "| logits:", gray.classifier_layers)

drawn = [class_vis.visualize(gray, attribution.class_score(gray, c), "fft", size=GRAY, steps=2 if QUICK else 256,
                             progress=False).images[-1][0] for c in range(1 if QUICK else 4)]
probs = gray_net.predict(np.stack(drawn) * 2 - 1, verbose=0)
print("probability of the class drawn:", [f"{probs[c, c]:.3f}" for c in range(len(drawn))])
big = [np.kron(d, np.ones((4, 4, 1))) for d in drawn]          # 28 px shown at 112 px
display(Image.fromarray(to_uint8(contact_sheet([big]))[..., 0]))

# %% [markdown]
# The same from a file (saved by Keras 3 or 2, `.keras` or `.h5`): `--size` defaults to the
# model's 28 px, the picture is a grayscale PNG.
#
#     python -m lucid_repro.scripts.class_vis --model=keras:gray.h5 --preprocess=tf --class=3 --output=x.png

# %% [markdown]
# ## A 4-band model (e.g. satellite: blue, green, red, near infrared)
# One band per input channel. Your data's band correlation matrix ([C, C], here made up:
# neighbouring bands correlate) decorrelates the bands the way ImageNet's colour
# correlation decorrelates RGB (`--band_correlation=corr.npy` in the scripts). Pictures are
# false colour (`--bands=3,2,1`: near infrared as red, the usual vegetation composite) and
# every band is also saved in `<output>.npy`.

# %%
from lucid_repro.images import false_colour
from lucid_repro.optvis import objectives
tf.keras.utils.set_random_seed(1)
band_net = tf.keras.Sequential([tf.keras.Input((None, None, 4)), L.Conv2D(8, 3, activation="relu", name="conv1"),
                                L.Conv2D(8, 3, activation="relu", name="conv2"), L.GlobalAveragePooling2D(name="gap"),
                                L.Dense(3, name="logits")], name="band_cnn")   # random weights: the mechanics only
bands = models.from_keras(band_net, preprocess="none")
print(bands, "| channels:", bands.channels)
corr = np.array([[1, .8, .5, .2], [.8, 1, .6, .3], [.5, .6, 1, .7], [.2, .3, .7, 1]], np.float32)
row = []
for matrix in ([corr] if QUICK else [None, corr]):   # independent bands, then decorrelated by your data's
    bands.band_correlation = matrix    # what --band_correlation=corr.npy does
    # the centre unit of conv2 (a channel of a random-weight layer is best excited by a flat colour)
    picture = feature_vis.visualize(bands, objectives.neuron("conv2", 1), size=24, steps=STEPS,
                                    progress=False).images[-1][0]
    print("picture", picture.shape, "band correlation in it:", np.round(np.corrcoef(picture.reshape(-1, 4).T)[0], 2))
    row += [np.kron(false_colour(picture, b), np.ones((4, 4, 1))) for b in ([0, 1, 2], [3, 2, 1])]
display(Image.fromarray(to_uint8(contact_sheet([row]))))   # bands 0,1,2 and 3,2,1 (without, then with the matrix)

# %% [markdown]
#     python -m lucid_repro.scripts.feature_vis --model=keras:bands.keras --preprocess=none --objective=conv2:1 \
#         --band_correlation=corr.npy --bands=3,2,1 --output=unit.png      # + unit.png.npy, every band
#
# ## A Vision Transformer: token layers, the class token, attention maps
# A layer of tokens [B, N, C] whose N is g*g patches (after a class token or not) is seen
# as its patch grid [B, g, g, C] under its own name, so a channel objective reads the
# patches (the class token left out); the class token is the layer `<name>_class_token`.
# An attention layer (Keras `MultiHeadAttention`) gives its weights: the class token's
# attention to every patch, per head and averaged, and the rollout across the layers
# (Abnar & Zuidema 2020) as "where the model looks". Here a small ViT with random weights
# (`recipes.attention_maps.toy_vit`): the maps show the mechanics; a trained ViT (your
# `.keras` file) shows what it attends to.

# %%
from lucid_repro.recipes import attention_maps
vit = models.from_keras(attention_maps.toy_vit(size=32, patch=8, width=16, heads=2, blocks=2), preprocess="none")
print({k: v for k, v in vit.info["token_layers"].items() if k.startswith("block1")})
patch_unit = feature_vis.visualize(vit, "block1_out:3", size=32, steps=STEPS, progress=False).images[-1][0]
class_unit = feature_vis.visualize(vit, "block1_out_class_token:3", size=32, steps=STEPS, progress=False).images[-1][0]
display(Image.fromarray(to_uint8(contact_sheet([[np.kron(patch_unit, np.ones((4, 4, 1))),
                                                 np.kron(class_unit, np.ones((4, 4, 1)))]]))))

maps = attention_maps.attention_maps(vit, load_image(find_image("bridge.jpg", "content"), size=(32, 32)))
print(f"{maps.layer}: {len(maps.heads)} heads, {maps.grid}x{maps.grid} patches; rollout over {maps.rollout_layers}, "
      f"peak at patch {attention_maps.peak(maps.rollout)}")
sheet = attention_maps.sheet(maps)
display(Image.fromarray(to_uint8(np.kron(sheet, np.ones((3, 3, 1))))))   # photo, head 0, head 1, mean, rollout

# %% [markdown]
#     python -m lucid_repro.scripts.attention_maps --model=keras:vit.keras --preprocess=tf --image=photo.jpg \
#         --layer=block1_attn --output=attention.png        # --patch=row,col: a patch token's attention

