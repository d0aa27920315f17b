"""A collection of images to run a network over (issue 26): a folder of JPEG/PNG files,
or the offline default collection.

    c = ImageCollection.from_dir("photos/", max_images=1000)   # recursive, sorted
    c = ImageCollection.default()        # the packaged photos + scikit-image's sample images
    len(c); c.paths; c.skipped           # skipped: [(path, reason)] of unreadable files
    image = c.load(0, size=224)          # float32 [224, 224, 3] in [0, 1]
    for indices, batch in c.batches(224, batch_size=16): ...   # streams: one batch in memory

Files are found by a sorted recursive walk (hidden files and folders left out); a file
with a JPEG/PNG suffix that cannot be read (a corrupt or truncated file) is skipped with
one `warning: ...` line (logger "lucid_repro") and counted in `skipped`. A missing
folder, an empty one and one without any readable image are a `UserError`.

The default collection needs no download: the two photos shipped in
`lucid_repro/data/content` and the sample photographs that scikit-image's wheel carries
in `skimage/data` (the ones that come without pooch; credits in lucid_repro/data/NOTICE).
No TensorFlow here.
"""
import hashlib
import importlib.util
import logging
import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from lucid_repro import limits
from lucid_repro.assets import PACKAGE_DATA_DIR
from lucid_repro.errors import UserError, first_line

log = logging.getLogger("lucid_repro")

SUFFIXES = (".jpg", ".jpeg", ".png")
# scikit-image's sample images that its wheel ships (no pooch download) and whose licence
# is stated (public domain / CC0 / no known copyright, lucid_repro/data/NOTICE): photographs
# and textures. Its others are synthetic (checkerboard, phantom), a logo, or of unstated
# licence (moon, page, the Middlebury motorcycle pair).
SKIMAGE_FILES = ("astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "clock_motion.png",
                 "coffee.png", "coins.png", "grass.png", "gravel.png", "horse.png", "hubble_deep_field.jpg",
                 "ihc.png", "retina.jpg", "rocket.jpg", "text.png")
_WARN_NAMES = 3       # a warning names at most this many skipped files


def skimage_data_dir():
    """scikit-image's bundled data folder (found without importing scikit-image), or None."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = os.path.join(list(spec.submodule_search_locations)[0], "data")
    return directory if os.path.isdir(directory) else None


def _is_image_name(name):
    return name.lower().endswith(SUFFIXES) and not name.startswith(".")


def check_readable(path):
    """None if `path` decodes as an image within the pixel budget, else the reason (one
    line). JPEGs are decoded at reduced scale (`draft`: fast, yet a truncated file fails);
    PNGs are verified chunk by chunk (CRCs, the end chunk) and their header size checked."""
    try:
        with limits.pillow_guard():
            with Image.open(path) as im:
                limits.check_image_size(path, *im.size)
                if im.format == "JPEG":
                    im.draft("RGB", (64, 64))
                    im.load()
                else:
                    im.verify()
    except UserError as e:
        return str(e)
    except limits.bomb_errors() as e:
        return limits.bomb_message(path, e)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        return f"{type(e).__name__}: {first_line(e)}"
    return None


def load_square(path, size=None):
    """An image file as float32 RGB [H, W, 3] in [0, 1]; with `size`, its shorter side
    resized to `size` (bicubic) and centre-cropped to size x size. JPEGs are decoded at
    the smallest scale that still covers `size` (Pillow's draft mode)."""
    try:
        with limits.pillow_guard():
            with Image.open(path) as im:
                limits.check_image_size(path, *im.size)
                if size is not None and im.format == "JPEG":
                    w, h = im.size
                    scale = size / min(w, h)
                    im.draft("RGB", (max(size, int(np.ceil(w * scale))), max(size, int(np.ceil(h * scale)))))
                im = im.convert("RGB")
    except limits.bomb_errors() as e:
        raise UserError(limits.bomb_message(path, e)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise UserError(f"cannot read image {path}: {type(e).__name__}: {first_line(e)}") from None
    if size is not None:
        size = int(size)
        if size <= 0:
            raise UserError(f"image size must be positive, got {size}")
        w, h = im.size
        scale = size / min(w, h)
        nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
        im = im.resize((nw, nh), Image.BICUBIC)
        x, y = (nw - size) // 2, (nh - size) // 2
        im = im.crop((x, y, x + size, y + size))
    return np.asarray(im, np.float32) / 255.0


class ImageCollection:
    """Image files in a fixed order (`paths`), plus the files left out as unreadable
    (`skipped`: [(path, reason)]). `source` says where they come from."""

    def __init__(self, paths, skipped=(), source=""):
        self.paths = list(paths)
        self.skipped = list(skipped)
        self.source = source

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_dir(cls, directory, max_images=None):
        """Every readable JPEG/PNG under `directory` (recursive, sorted by path), at most
        `max_images` of them (the first ones in that order)."""
        directory = os.fspath(directory)
        max_images = _check_max(max_images)
        if not os.path.exists(directory):
            raise UserError(f"image folder not found: {directory}")
        if not os.path.isdir(directory):
            raise UserError(f"--images must be a folder of JPEG/PNG images, got a file: {directory}")
        candidates = []
        for root, dirs, files in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            candidates.extend(os.path.join(root, f) for f in files if _is_image_name(f))
        candidates.sort()
        if not candidates:
            anything = any(files for _, _, files in os.walk(directory))
            raise UserError(f"image folder {directory} is empty" if not anything else
                            f"no JPEG/PNG image in {directory} (looked for {', '.join(SUFFIXES)}, recursively)")
        return cls._checked(candidates, max_images, directory)

    @classmethod
    def default(cls, max_images=None):
        """The offline default collection: the packaged photos (lucid_repro/data/content)
        then scikit-image's bundled sample photographs (SKIMAGE_FILES)."""
        max_images = _check_max(max_images)
        content = os.path.join(PACKAGE_DATA_DIR, "content")
        paths = sorted(os.path.join(content, f) for f in os.listdir(content) if _is_image_name(f))
        sk = skimage_data_dir()
        if sk is None:
            log.warning("scikit-image is not installed: the default collection is the packaged photos only "
                        "(pip install scikit-image)")
        else:
            paths += [os.path.join(sk, f) for f in SKIMAGE_FILES if os.path.isfile(os.path.join(sk, f))]
        return cls._checked(paths, max_images, "the default collection (packaged photos + scikit-image samples)")

    @classmethod
    def _checked(cls, candidates, max_images, source):
        good, skipped = [], []
        for path in candidates:
            if max_images is not None and len(good) >= max_images:
                break
            reason = check_readable(path)
            if reason is None:
                good.append(path)
            else:
                skipped.append((path, reason))
        if skipped:
            names = "; ".join(f"{os.path.relpath(p, source) if os.path.isdir(source) else p} ({r})"
                              for p, r in skipped[:_WARN_NAMES])
            more = f"; and {len(skipped) - _WARN_NAMES} more" if len(skipped) > _WARN_NAMES else ""
            log.warning(f"skipped {len(skipped)} unreadable image file{'s' if len(skipped) > 1 else ''} "
                        f"in {source}: {names}{more}")
        if not good:
            raise UserError(f"no readable image in {source} ({len(skipped)} image file"
                            f"{'s' if len(skipped) != 1 else ''} could not be read)")
        return cls(good, skipped, source)

    # ------------------------------------------------------------------ reading

    def __len__(self):
        return len(self.paths)

    def __repr__(self):
        return f"<ImageCollection {len(self)} images from {self.source}, {len(self.skipped)} skipped>"

    def load(self, i, size=None):
        """Image `i` as float32 RGB [H, W, 3] in [0, 1] (with `size`: shorter side resized
        to `size`, centre crop size x size)."""
        return load_square(self.paths[i], size)

    def batches(self, size, batch_size):
        """(indices, float32 [b, size, size, 3]) in order, b <= batch_size: one batch of
        images in memory at a time."""
        size, batch_size = int(size), int(batch_size)
        if size <= 0 or batch_size <= 0:
            raise UserError(f"image size and batch size must be positive, got {size} and {batch_size}")
        for start in range(0, len(self), batch_size):
            indices = list(range(start, min(start + batch_size, len(self))))
            yield indices, np.stack([self.load(i, size) for i in indices])

    def fingerprint(self):
        """Hash of the paths (absolute), byte sizes and modification times: changes when a
        file is added, removed, replaced or edited."""
        h = hashlib.sha256()
        for path in self.paths:
            st = os.stat(path)
            h.update(f"{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return h.hexdigest()[:20]

    def thumbnails(self, size):
        """Every image at size x size, [N, size, size, 3] (for small thumbnails only)."""
        return np.stack([self.load(i, size) for i in range(len(self))])


def _check_max(max_images):
    if max_images is None:
        return None
    if int(max_images) <= 0:
        raise UserError(f"--max_images must be positive, got {max_images}")
    return int(max_images)


def from_flags(images=None, max_images=None):
    """The collection that `--images` / `--max_images` name (None: the default one)."""
    return ImageCollection.from_dir(images, max_images) if images else ImageCollection.default(max_images)
