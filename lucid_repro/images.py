"""Image and video I/O: loading with clear errors, atomic writes."""
import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from lucid_repro import limits
from lucid_repro.errors import UserError
from lucid_repro.files import atomic_path


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


# ITU-R BT.601 luma weights (PIL's "L" conversion): an RGB photo for a grayscale model
LUMINANCE = np.asarray([0.299, 0.587, 0.114], np.float32)


def load_array_image(path, size=None, max_side=None):
    """A `.npy` image [H, W, C] (any number of bands) of floats in [0, 1], resized like
    `load_image` (bilinear, band by band)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UserError(f"image not found: {path}")
    try:
        image = np.load(path, allow_pickle=False)
    except Exception as e:   # ValueError, OSError, pickled data ...
        raise UserError(f"cannot read {path} as a .npy array: {str(e).splitlines()[0] if str(e) else e!r}") from None
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or min(image.shape) <= 0 or not np.issubdtype(image.dtype, np.number):
        raise UserError(f"{path} must hold a numeric image [H, W, C], got shape {image.shape} {image.dtype}")
    limits.check_image_size(path, image.shape[1], image.shape[0])
    image = image.astype(np.float32)
    if not np.all(np.isfinite(image)) or image.min() < 0 or image.max() > 1:
        raise UserError(f"{path} must hold values in [0, 1] (scale your bands first), got "
                        f"{np.nanmin(image):.4g}..{np.nanmax(image):.4g}")
    h, w = image.shape[:2]
    if size is not None:
        h, w = (size, size) if isinstance(size, int) else size
    elif max_side is not None and max_side < max(h, w):
        scale = max_side / max(h, w)
        h, w = max(1, round(h * scale)), max(1, round(w * scale))
    if (h, w) != image.shape[:2]:
        if h <= 0 or w <= 0:
            raise UserError(f"image size must be positive, got {(h, w)}")
        image = np.stack([np.asarray(Image.fromarray(image[..., c], mode="F").resize((w, h), Image.BILINEAR))
                          for c in range(image.shape[-1])], -1).clip(0, 1)
    return image


def load_any_image(path, size=None, max_side=None):
    """`load_array_image` for a `.npy` file, else `load_image` (a photo, RGB)."""
    if os.fspath(path).lower().endswith(".npy"):
        return load_array_image(path, size=size, max_side=max_side)
    return load_image(path, size=size, max_side=max_side)


def to_channels(image, channels, what="the image"):
    """An image [H, W, c] for a model of `channels` input channels: unchanged when c is
    `channels`; an RGB photo to gray by luminance (`LUMINANCE`) for a grayscale model;
    otherwise a UserError saying to pass a `.npy` of the model's bands."""
    image = np.asarray(image, np.float32)
    c = image.shape[-1]
    if c == channels:
        return image
    if c == 3 and channels == 1:
        return np.tensordot(image, LUMINANCE, axes=[[-1], [0]])[..., None].astype(np.float32)
    raise UserError(f"{what} has {c} channels but the model takes {channels}: pass a .npy array "
                    f"[H, W, {channels}] of values in [0, 1]")


def to_uint8(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


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


def false_colour(image, bands=None):
    """[..., C] -> [..., 3]: bands `bands` (default the first three; a 2-band image shows
    band 1 as green and blue) as red, green, blue; C = 1 or 3 unchanged."""
    image = np.asarray(image)
    c = image.shape[-1]
    if c in (1, 3):
        return image
    bands = list(bands) if bands is not None else [min(i, c - 1) for i in range(3)]
    return image[..., bands]


def display_rgb(image, bands=None):
    """[..., C] -> [..., 3] for RGB-only writers (videos, GIFs): RGB unchanged, gray repeated
    into three channels, other band counts as `false_colour` of `bands`."""
    image = np.asarray(image)
    if image.shape[-1] == 1:
        return np.repeat(image, 3, axis=-1)
    return false_colour(image, bands)


def contact_sheet(rows, pad=4, background=1.0):
    """Tile a list of rows (each a list of [H, W, 3] images of equal size); a sheet of
    grayscale images [H, W, 1] only is grayscale."""
    h, w = np.asarray(rows[0][0]).shape[:2]
    ncols = max(len(r) for r in rows)
    gray = all(np.ndim(img) == 3 and np.shape(img)[-1] == 1 for row in rows for img in row)
    sheet = np.full((len(rows) * (h + pad) + pad, ncols * (w + pad) + pad, 1 if gray else 3), background,
                    np.float32)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            img = np.asarray(img, np.float32)
            if img.dtype == np.uint8:
                img = img / 255.0
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            sheet[y:y + h, x:x + w] = img[..., :3]
    return sheet
