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

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.optvis import attribution, objectives

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
