"""The images the recipes, scripts and notebooks use by name: where they are, loading
and resizing them.

Images live in the package's `lucid_repro/data/<kind>/` (kind: `content` photos,
`styles` paintings) and, only where that folder exists, in `../shared/data/<kind>/`
beside the repository (the article's other photos and styles). A name is matched on
its key: the file stem, lower case, with `-` and spaces read as `_` and an `article_`
prefix dropped, so `starry_night`, `starry_night.jpg` and `article_starry-night`
name the same painting. The package's folder is searched first.

    path = resolve_image("zurich", "content")       # a path, or a name
    photo = load("zurich", "content", max_side=256)  # float32 [H, W, 3] in [0, 1]
"""
import os

import numpy as np

from lucid_repro.errors import UserError

PACKAGE_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SHARED_DATA_DIR = os.path.abspath(os.path.join(PACKAGE_DATA_DIR, "..", "..", "..", "shared", "data"))
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
_NOUNS = {"styles": ("style image", "style images"), "content": ("content image", "content images")}


def image_key(name):
    """The name an image file answers to (see the module's docstring)."""
    stem = os.path.splitext(os.path.basename(os.fspath(name)))[0].lower().replace("-", "_").replace(" ", "_")
    return stem[len("article_"):] if stem.startswith("article_") else stem


def image_dirs(kind):
    """The folders holding images of `kind` ('content' or 'styles') that exist: the
    package's, then ../shared/data/<kind> beside the repository."""
    return [d for d in (os.path.join(PACKAGE_DATA_DIR, kind), os.path.join(SHARED_DATA_DIR, kind))
            if os.path.isdir(d)]


def available_images(kind):
    """{name: path} of the images of `kind` (the first folder holding a name wins)."""
    found = {}
    for directory in image_dirs(kind):
        for f in sorted(os.listdir(directory)):
            if f.lower().endswith(IMAGE_EXTENSIONS):
                found.setdefault(image_key(f), os.path.join(directory, f))
    return found


def _names(kind):
    return ", ".join(sorted(available_images(kind))) or "none found"


def find_image(name, kind):
    """The path of the image of `kind` called `name` (in the data folders only)."""
    path = available_images(kind).get(image_key(name))
    if path is None:
        raise UserError(f"{kind} image {name} not found in {' or '.join(image_dirs(kind)) or 'no data folder'} "
                        f"(known: {_names(kind)})")
    return path


def resolve_image(spec, kind):
    """A path: `spec` itself if it is a file, else the image of `kind` it names. A
    spec with a directory part is a path only (never matched on its name)."""
    noun, plural = _NOUNS.get(kind, (kind, kind))
    if spec is None or not str(spec).strip():
        raise UserError(f"no {noun} given (a path or one of: {_names(kind)})")
    spec = os.fspath(spec)
    if os.path.isfile(spec):
        return spec
    if os.sep in spec or "/" in spec:
        raise UserError(f"image not found: {spec}")
    path = available_images(kind).get(image_key(spec))
    if path is not None:
        return path
    if spec.lower().endswith(IMAGE_EXTENSIONS):
        raise UserError(f"image not found: {spec}")
    raise UserError(f"unknown {noun} {spec!r} (image not found: not a file, nor one of the known "
                    f"{plural}: {_names(kind)})")


def load(spec, kind, max_side=None, size=None):
    """Load a path or a name (see `resolve_image`) as float32 RGB [H, W, 3] in [0, 1]
    (a `.npy` path: its [H, W, C] bands, `images.load_any_image`); size / max_side as
    `images.load_image`."""
    from lucid_repro.images import load_any_image
    return load_any_image(resolve_image(spec, kind), size=size, max_side=max_side)


def load_square(spec, size, kind="styles"):
    """The image as float32 [size, size, 3]: shorter side scaled to `size` (Lanczos),
    centre-cropped to a square (3D style transfer's batch holds views of size x size)."""
    from PIL import Image

    from lucid_repro.images import load_image, to_uint8
    size = int(size)
    if size <= 0:
        raise UserError(f"style image size must be positive, got {size}")
    image = load_image(resolve_image(spec, kind))
    h, w = image.shape[:2]
    scale = size / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    resized = Image.fromarray(to_uint8(image)).resize((nw, nh), Image.LANCZOS)
    y, x = (nh - size) // 2, (nw - size) // 2
    return np.asarray(resized, np.float32)[y:y + size, x:x + size] / 255.0


def resize_longer_side(image, size):
    """Resize an [H, W, 3] float image so that its longer side is `size` (bicubic; any
    other channel count: band by band in float, bicubic, clipped to [0, 1])."""
    from PIL import Image

    image = np.asarray(image, np.float32)
    if size is None:
        return image
    if size <= 0:
        raise UserError(f"size must be positive, got {size}")
    h, w = image.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    if (nh, nw) == (h, w):
        return image
    if image.ndim == 3 and image.shape[-1] != 3:
        return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c]), mode="F")
                                    .resize((nw, nh), Image.BICUBIC)) for c in range(image.shape[-1])],
                        -1).clip(0, 1).astype(np.float32)
    im = Image.fromarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)).resize((nw, nh), Image.BICUBIC)
    return np.asarray(im, np.float32) / 255.0
