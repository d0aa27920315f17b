"""Texture parameterizations seen through a rendered view (the article's 3D sections).

A texture is parameterized like a 2D image (Lucid's `param.image(size, fft=True,
decorrelate=True)`: scaled Fourier coefficients in a decorrelated colour space), but
what the network sees each step is the mesh rendered with that texture from a random
viewpoint. The OpenGL pass (`UVRenderer.uv_map`) runs in Python outside the compiled
step and hands the step a per-pixel (u, v, mask) map as the keyword input `uvmask`;
the parameterization samples the texture at those coordinates with `sample_texture`
(four `tf.gather` taps), so gradients flow from the view back to the texture.

Background (mask 0) follows Lucid's notebooks: the sampled frame is multiplied by the
mask, i.e. the background is black (0). Any constant colour can be given instead.

    p = TextureParam(512)                       # learned texture, black background
    view = p(uvmask=renderer.uv_map(camera))    # [1, H, W, 3]
    tex = p.texture()                           # [512, 512, 3]

`StyleTransferTextureParam` returns the batch Lucid's style_transfer_3d notebook feeds
the network: [learned-texture view, original-texture view (content), style image],
sampling the learned and original textures in one gather (their channels are
concatenated, as in the notebook).
"""
import numpy as np
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.gl.sampler import sample_texture
from lucid_repro.optvis import param as param_lib
from lucid_repro.optvis.param import Param

# Lucid's notebooks: frame = sample_bilinear(texture, uv) * alpha  (black background)
LUCID_BACKGROUND = 0.0


def _check_size(size, what="texture size"):
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise UserError(f"{what} must be an integer, got {size!r}") from None
    if size <= 0:
        raise UserError(f"{what} must be positive, got {size}")
    return size


def _background(background):
    if background is None:
        return None
    value = np.asarray(background, np.float32)
    if value.ndim > 1 or value.size not in (1, 3):
        raise UserError(f"background must be a grey level or an RGB colour, got shape {value.shape}")
    if not np.isfinite(value).all():
        raise UserError("background colour is not finite")
    return tf.constant(value)


def _check_uvmask(uvmask):
    if uvmask is None:
        raise ValueError("a texture parameterization needs the step input `uvmask` "
                         "(pass step_inputs=lambda i, rng: {'uvmask': renderer.uv_map(view)})")
    uvmask = tf.convert_to_tensor(uvmask, tf.float32)
    if uvmask.shape.rank is not None and uvmask.shape.rank != 3:
        raise ValueError(f"uvmask must be one [H, W, 3] view, got shape {uvmask.shape}")
    return uvmask


def fit_texture(image, size, what):
    """[H, W, 3] float in [0, 1] (uint8 accepted), resized to size x size if needed."""
    image = np.asarray(image)
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 3 or image.shape[-1] != 3:
        raise UserError(f"{what} must have shape [H, W, 3], got {image.shape}")
    image = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
    if image.shape[:2] != (size, size):
        image = tf.image.resize(image[None], (size, size), method="area" if image.shape[0] > size
                                else "bilinear", antialias=True)[0].numpy()
    return np.clip(image, 0.0, 1.0)


class TextureParam(Param):
    """A learned square texture, rendered through the step's `uvmask`.

    size: texture side (texels). fft / decorrelate / sd / seed: as `param.image`
    (Lucid: fft=True, decorrelate=True). background: colour of pixels the mesh does
    not cover (mask 0): a grey level or an RGB triple; Lucid's 0 (black) by default.

    Calling the param with `uvmask=[H, W, 3]` returns the rendered view [1, H, W, 3];
    `texture()` returns the texture [size, size, 3] in [0, 1].
    """

    def __init__(self, size, fft=True, decorrelate=True, sd=None, seed=None,
                 background=LUCID_BACKGROUND, name="texture"):
        size = _check_size(size)
        image = param_lib.image(size, fft=fft, decorrelate=decorrelate, sd=sd, seed=seed)
        super().__init__(self._view, image.trainable_variables, name=name)
        self.image = image
        self.size = size
        self.background = _background(background)

    def texture(self):
        """The current texture, [size, size, 3] in [0, 1]."""
        return self.image()[0]

    def picture(self, **step_inputs):
        return self.texture()

    def textured_view(self, uvmask, texture=None):
        """The mesh seen through `uvmask` with `texture` (default: the learned one)."""
        texture = self.texture() if texture is None else texture
        return sample_texture(texture, _check_uvmask(uvmask), self.background)

    def _view(self, uvmask=None):
        return self.textured_view(uvmask)[None]


class StyleTransferTextureParam(TextureParam):
    """Batch [learned view, content view, style image] for 3D style transfer.

    content_texture: the mesh's original texture [H, W, 3] (resized to size x size;
    a constant, not trained). style_image: [h, w, 3] at the view size (the batch is
    stacked, so it must match the rendered views' size); None gives the batch
    [learned view, content view] (Lucid's notebook: the style Grams are fixed targets).
    """

    LEARNED, CONTENT, STYLE = 0, 1, 2

    def __init__(self, size, content_texture, style_image, fft=True, decorrelate=True, sd=None,
                 seed=None, background=LUCID_BACKGROUND, name="style_texture"):
        super().__init__(size, fft=fft, decorrelate=decorrelate, sd=sd, seed=seed,
                         background=background, name=name)
        self.content_texture = tf.constant(fit_texture(content_texture, self.size, "content texture"))
        self.style_image = None
        if style_image is not None:
            style = np.asarray(style_image, np.float32)
            if style.ndim != 3 or style.shape[-1] != 3:
                raise UserError(f"style image must have shape [H, W, 3], got {style.shape}")
            self.style_image = tf.constant(style)

    def _view(self, uvmask=None):
        uvmask = _check_uvmask(uvmask)
        joined = tf.concat([self.texture(), self.content_texture], -1)
        if self.style_image is None:
            frames = sample_texture(joined, uvmask, self.background)
            return tf.stack([frames[..., :3], frames[..., 3:]], 0)
        style_hw, view_hw = tuple(self.style_image.shape[:2]), tuple(uvmask.shape[:2])
        if None not in view_hw and style_hw != view_hw:
            raise ValueError(f"style image is {style_hw} but views are {view_hw}; "
                             "resize the style image to the view size")
        # one gather for both textures (Lucid: tf.concat([t_texture, content_var], -1))
        frames = sample_texture(joined, uvmask, self.background)
        return tf.stack([frames[..., :3], frames[..., 3:], self.style_image], 0)


class FlatStyleParam(Param):
    """The naive 2D baseline of 3D style transfer: batch [learned flat image,
    original texture (content), style image], all size x size, no mesh."""

    def __init__(self, size, content_texture, style_image, fft=True, decorrelate=True, sd=None,
                 seed=None, name="flat_style"):
        size = _check_size(size)
        image = param_lib.image(size, fft=fft, decorrelate=decorrelate, sd=sd, seed=seed)
        super().__init__(self._batch, image.trainable_variables, name=name)
        self.image, self.size = image, size
        self.content_texture = tf.constant(fit_texture(content_texture, size, "content texture"))
        self.style_image = None if style_image is None else \
            tf.constant(fit_texture(style_image, size, "style image"))

    def picture(self, **step_inputs):
        return self.texture()

    def texture(self):
        return self.image()[0]

    def _batch(self, **_):
        items = [self.texture(), self.content_texture] + ([] if self.style_image is None else [self.style_image])
        return tf.stack(items, 0)


__all__ = ["TextureParam", "StyleTransferTextureParam", "FlatStyleParam", "fit_texture",
           "LUCID_BACKGROUND"]
