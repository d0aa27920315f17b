"""Image and video I/O: loading with clear errors, atomic writes."""
import os
import tempfile

import numpy as np
from PIL import Image, UnidentifiedImageError

from lucid_repro import limits
from lucid_repro.errors import UserError


def load_image(path, size=None, max_side=None):
    """Read an image file as float32 RGB in [0, 1], shape [H, W, 3].

    size: int (square side) or (H, W) to resize to exactly;
    max_side: scale down so that the longer side is at most this.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UserError(f"image not found: {path}")
    limits.check_image_file(path)   # header size against the pixel budget, nothing decoded yet
    try:
        with limits.pillow_guard():
            with Image.open(path) as im:
                limits.check_image_size(path, *im.size)
                im.load()
                im = im.convert("RGB")
    except limits.bomb_errors() as e:
        raise UserError(limits.bomb_message(path, e)) from None
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise UserError(f"cannot read image {path}: {e.__class__.__name__}: {e}".splitlines()[0]) from None
    if size is not None:
        if isinstance(size, int):
            size = (size, size)
        h, w = size
        if h <= 0 or w <= 0:
            raise UserError(f"image size must be positive, got {size}")
        im = im.resize((w, h), Image.BICUBIC)
    elif max_side is not None:
        if max_side <= 0:
            raise UserError(f"image size must be positive, got {max_side}")
        scale = max_side / max(im.size)
        if scale < 1:
            im = im.resize((max(1, round(im.size[0] * scale)), max(1, round(im.size[1] * scale))), Image.BICUBIC)
    return np.asarray(im, dtype=np.float32) / 255.0


def to_uint8(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _atomic_target(path):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=directory)
    os.close(fd)
    return path, tmp


class atomic_path:
    """Context manager yielding a temp path in the target's directory; renamed
    onto the target only if the block succeeds, removed otherwise."""

    def __init__(self, path):
        self.path, self.tmp = _atomic_target(path)

    def __enter__(self):
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp creates 0600
            os.replace(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.remove(self.tmp)
        return False


def save_image(path, image):
    """Save [H, W, C] (C in 1, 3, 4) float in [0, 1] or uint8 as an image, atomically."""
    image = to_uint8(np.squeeze(np.asarray(image)) if np.asarray(image).ndim == 4 else image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    with atomic_path(path) as tmp:
        Image.fromarray(image).save(tmp, format=_format_of(path))
    return os.fspath(path)


def _format_of(path):
    ext = os.path.splitext(os.fspath(path))[1].lower()
    return {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".bmp": "BMP"}.get(ext, "PNG")


def save_gif(path, frames, fps=10):
    """Save a list of [H, W, 3] frames as a looping GIF, atomically."""
    ims = [Image.fromarray(to_uint8(f)) for f in frames]
    with atomic_path(path) as tmp:
        ims[0].save(tmp, format="GIF", save_all=True, append_images=ims[1:],
                    duration=int(1000 / fps), loop=0)
    return os.fspath(path)


def save_mp4(path, frames, fps=10):
    """Save frames as an H.264 MP4 with imageio-ffmpeg (its bundled ffmpeg)."""
    import imageio_ffmpeg

    frames = [to_uint8(f) for f in frames]
    h, w = frames[0].shape[:2]
    # even sizes for yuv420p
    h2, w2 = h - h % 2, w - w % 2
    with atomic_path(path) as tmp:
        writer = imageio_ffmpeg.write_frames(tmp, (w2, h2), fps=fps, macro_block_size=1,
                                             quality=8, output_params=["-f", "mp4"])
        writer.send(None)
        for f in frames:
            writer.send(np.ascontiguousarray(f[:h2, :w2, :3]))
        writer.close()
    return os.fspath(path)


def contact_sheet(rows, pad=4, background=1.0):
    """Tile a list of rows (each a list of [H, W, 3] images of equal size)."""
    h, w = np.asarray(rows[0][0]).shape[:2]
    ncols = max(len(r) for r in rows)
    sheet = np.full((len(rows) * (h + pad) + pad, ncols * (w + pad) + pad, 3), background, np.float32)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            img = np.asarray(img, np.float32)
            if img.dtype == np.uint8:
                img = img / 255.0
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            sheet[y:y + h, x:x + w] = img[..., :3]
    return sheet
