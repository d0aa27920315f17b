"""Weakly supervised segmentation from a saliency map (Simonyan, Vedaldi & Zisserman 2014,
"Deep Inside Convolutional Networks", Sect. 3.1): the class saliency map seeds OpenCV's
GrabCut (Rother et al. 2004). Pixels whose saliency is above the 95% quantile are
foreground seeds, those below the 30% quantile background seeds (the paper's numbers);
GrabCut fits a colour model to each and labels the rest.

The map is the vanilla gradient's (|d score / d image|, max over colour channels), of a
class logit on a classifier, or of a channel on a model without one (the offline VGG19:
by default the most active channel of a layer, as `recipes.saliency` does).
"""
import dataclasses
import os

import numpy as np

from lucid_repro import assets
from lucid_repro.declaration import Section, dig, fmt, read_json, write_json
from lucid_repro.errors import UserError
from lucid_repro.optvis import attribution, objectives


PAPER = "none per image (Simonyan et al.: 46.4% top-5 localization error on ILSVRC-2013)"


def numbers(out):
    r = read_json(out, "grabcut/grabcut.json")
    return [(f"{m['image']} ({m['target']}): foreground fraction / saliency mass inside it",
             f"{fmt(m['foreground_fraction'], 2)} / {fmt(m['saliency_inside'], 2)}", PAPER)
            for m in (dig(r, "segments") or [])] or [("foreground fraction", "—", PAPER)]


SECTION = Section(
    name="grabcut", part="classic", order=106, title="Segmentation from saliency with GrabCut",
    claim="A saliency map is enough to seed a segmentation: its top 5% pixels are foreground, its bottom "
          "30% background, and GrabCut's colour models fill in the object.",
    settings={
        "library": dict(size=336, fg_quantile=0.95, bg_quantile=0.30, iterations=5, layer=None),
        "demo": dict(size=224, fg_quantile=0.95, bg_quantile=0.30, iterations=5, layer="relu5_4",
                     images=["bridge.jpg", "zurich.jpg"]),
        "quick": dict(size=64, fg_quantile=0.95, bg_quantile=0.30, iterations=2, layer="relu5_4",
                      images=["bridge.jpg"]),
        "paper": dict(size=224, fg_quantile=0.95, bg_quantile=0.30, iterations=5, layer=None),
    },
    sources={"library": "Simonyan et al. 2014 (quantiles); GrabCut's iterations: OpenCV's usual 5; size ours",
             "demo": "ours: VGG19 has no classifier offline, so the most active relu5_4 channel's map",
             "quick": "ours: smoke tests",
             "paper": "Simonyan et al. 2014, Sect. 3.1 (95% / 30% quantiles, 224 px crops, a class map)"},
    figures=(("grabcut/grabcut_grid.png", "photo, saliency, seeds (red fg, blue bg), GrabCut's foreground"),),
    numbers=numbers,
    describe="VGG19 {layer} (most active channel: no classifier offline), {images} at {size} px, "
             "seeds above the {fg_quantile} / below the {bg_quantile} quantile, {iterations} GrabCut iterations",
    expected_seconds=20,
)


FOREGROUND_QUANTILE = 0.95   # Simonyan et al. 2014
BACKGROUND_QUANTILE = 0.30   # Simonyan et al. 2014


@dataclasses.dataclass
class Segmentation:
    image: np.ndarray        # the photo [H, W, 3]
    saliency: np.ndarray     # [H, W] in [0, 1] (clipped at its 99.5th percentile, for display)
    seeds: np.ndarray        # [H, W] int8: 1 foreground seed, -1 background seed, 0 left to GrabCut
    mask: np.ndarray         # [H, W] bool: GrabCut's foreground
    target: str

    @property
    def foreground_fraction(self):
        return float(self.mask.mean())

    def seeds_image(self):
        """The photo greyed, foreground seeds red, background seeds blue."""
        grey = np.repeat(self.image[..., :3].mean(-1, keepdims=True), 3, axis=-1) * 0.6
        grey[self.seeds > 0] = (1.0, 0.1, 0.1)
        grey[self.seeds < 0] = (0.1, 0.3, 1.0)
        return grey

    def cutout(self, background=1.0):
        """The photo where GrabCut says foreground, `background` elsewhere."""
        out = np.array(self.image[..., :3], np.float32)
        out[~self.mask] = background
        return out


def grabcut_from_map(image, smap, fg_quantile=FOREGROUND_QUANTILE, bg_quantile=BACKGROUND_QUANTILE,
                     iterations=5):
    """(seeds, mask): GrabCut on `image` ([H, W, 3] in [0, 1]) seeded by the map `smap`
    ([H, W]): above its `fg_quantile` definite foreground, below `bg_quantile` definite
    background, the rest probable foreground above the median and probable background
    below (ours: GrabCut's mask mode needs every pixel labelled)."""
    import cv2
    if not 0.0 < bg_quantile < fg_quantile < 1.0:
        raise UserError(f"quantiles must satisfy 0 < background ({bg_quantile}) < foreground ({fg_quantile}) < 1")
    image = np.asarray(image, np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise UserError(f"GrabCut segments RGB photos; got an image of shape {image.shape}")
    smap = np.asarray(smap, np.float64)
    hi, mid, lo = np.quantile(smap, [fg_quantile, 0.5, bg_quantile])
    mask = np.where(smap > mid, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    mask[smap >= hi] = cv2.GC_FGD
    mask[smap <= lo] = cv2.GC_BGD
    seeds = np.zeros(smap.shape, np.int8)
    seeds[mask == cv2.GC_FGD] = 1
    seeds[mask == cv2.GC_BGD] = -1
    if not (seeds > 0).any() or not (seeds < 0).any():
        raise UserError("the saliency map is flat: no foreground or background seeds for GrabCut")
    bgr = np.ascontiguousarray((np.clip(image[..., ::-1], 0, 1) * 255 + 0.5).astype(np.uint8))
    cv2.setRNGSeed(0)     # GrabCut's GMM initialization (k-means) is seeded: same photo, same mask
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(bgr, mask, None, bgd, fgd, int(iterations), cv2.GC_INIT_WITH_MASK)
    return seeds, (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def saliency_map(model, image, class_index=None, layer=None, channel=None, logits_layer=None):
    """(map [H, W], description): the vanilla saliency of a class logit, or of a
    channel of `layer` (default: its most active channel)."""
    if class_index is not None:
        if layer is not None or channel is not None:
            raise UserError("give either --class or --layer/--channel, not both")
        obj, target = attribution.class_score(model, class_index, logits_layer), f"class {int(class_index)}"
    elif layer is None:
        raise UserError(f"GrabCut needs a saliency map: give --class (a classifier's class) or --layer "
                        f"(and --channel) of {model.name} to explain")
    else:
        model.check_layer(layer)
        if channel is None:
            channel = attribution.most_active_channel(model, image, layer)
        channel = model.check_channel(layer, channel)
        obj, target = objectives.channel(layer, channel), f"{layer}:{channel}"
    return attribution.saliency(model, image, obj), target


def segment(model, image, class_index=None, layer=None, channel=None, logits_layer=None,
            fg_quantile=FOREGROUND_QUANTILE, bg_quantile=BACKGROUND_QUANTILE, iterations=5):
    """Simonyan et al.'s segmentation of `image` ([H, W, 3] in [0, 1])."""
    image = np.asarray(image, np.float32)
    smap, target = saliency_map(model, image, class_index, layer, channel, logits_layer)
    seeds, mask = grabcut_from_map(image, smap, fg_quantile, bg_quantile, iterations)
    return Segmentation(image, attribution.normalize_map(smap), seeds, mask, target)


# ----------------------------------------------------------------------------- make demo
# What `make demo` runs (`SECTION.run_demo`) and the writers of its files.

def demo(model, output_dir, quick=False, progress=True):
    """Rows: photos; columns: photo, saliency map, seeds, GrabCut's foreground."""
    from lucid_repro.images import contact_sheet, load_image, save_image
    row = SECTION.demo_row(quick, model)
    classes = model.has_classifier
    os.makedirs(output_dir, exist_ok=True)
    rows, record, shape = [], {"model": model.name, "size": row["size"], "segments": []}, None
    if classes:
        shape = model.input_size_for(model.classifier_layers[:1])
    for name in row["images"]:
        path = assets.find_image(name, "content")
        photo = load_image(path, size=shape) if shape else load_image(path, max_side=row["size"])
        shape = photo.shape[:2]
        if classes:
            logits = model.activations(photo[None], model.classifier_layers[:1])[model.classifier_layers[0]]
            kwargs = dict(class_index=int(np.argmax(logits[0])))
        else:
            kwargs = dict(layer=row["layer"])
        s = segment(model, photo, fg_quantile=row["fg_quantile"], bg_quantile=row["bg_quantile"],
                            iterations=row["iterations"], **kwargs)
        inside = float(s.saliency[s.mask].sum() / max(s.saliency.sum(), 1e-12))
        record["segments"].append({"image": name, "target": s.target, "foreground_fraction": s.foreground_fraction,
                                   "saliency_inside": inside})
        print(f"[grabcut] {name} {s.target}: foreground {s.foreground_fraction:.2f} of the photo, "
              f"holding {inside:.2f} of the saliency")
        rows.append([photo, attribution.heatmap(s.saliency), s.seeds_image(), s.cutout()])
    sheet = save_image(os.path.join(output_dir, "grabcut_grid.png"), contact_sheet(rows))
    return [sheet, write_json(os.path.join(output_dir, "grabcut.json"), record)]
