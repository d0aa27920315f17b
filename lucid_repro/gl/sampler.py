"""Differentiable bilinear texture lookup driven by a rendered (u, v, mask) map.

Same coordinate rules as Lucid's `bilinearly_sampled_image` (OpenGL GL_LINEAR
filtering with GL_REPEAT wrapping): texel (row i, column j) has its centre at
u = (j + 0.5) / tw, v = 1 - (i + 0.5) / th, i.e. texture row 0 is the top of
the texture image and corresponds to v = 1 (OpenGL's v runs bottom-up).
"""
import tensorflow as tf

from lucid_repro.errors import UserError


def sample_texture(texture, uvmask, background=None):
    """Sample `texture` at per-pixel texture coordinates.

    texture: [th, tw, C] tensor (e.g. a tf.Variable or a parameterization's
      output); gradients flow back to it.
    uvmask: [..., H, W, 3] (u, v, mask) as returned by `UVRenderer.uv_map`
      (leading batch dimensions allowed); mask 1 = surface, 0 = background.
    background: value for background pixels: None (0), a scalar, a [C] colour
      or an [H, W, C] image (anything broadcastable to the output).

    Returns [..., H, W, C]: bilinear samples where mask is 1, `background`
    where mask is 0 (blended linearly for fractional masks). Works eagerly and
    inside tf.function.
    """
    texture = tf.convert_to_tensor(texture)
    if not texture.dtype.is_floating:
        texture = tf.cast(texture, tf.float32)
    uvmask = tf.convert_to_tensor(uvmask)
    if not uvmask.dtype.is_floating:
        uvmask = tf.cast(uvmask, tf.float32)
    if texture.shape.rank is not None and texture.shape.rank != 3:
        raise UserError(f"texture must have shape [height, width, channels], got {texture.shape}")
    if uvmask.shape.rank is not None and (uvmask.shape.rank < 3 or uvmask.shape[-1] not in (None, 3)):
        raise UserError(f"uv map must have shape [H, W, 3] (u, v, mask), got {uvmask.shape}")
    dtype = texture.dtype
    uvmask = tf.cast(uvmask, tf.float32)

    shape = tf.shape(texture)
    th, tw, channels = shape[0], shape[1], shape[2]
    u, v, mask = uvmask[..., 0], uvmask[..., 1], uvmask[..., 2:3]
    # texel-space coordinates: x along columns, y along rows (row 0 <-> v = 1)
    x = u * tf.cast(tw, tf.float32) - 0.5
    y = (1.0 - v) * tf.cast(th, tf.float32) - 0.5
    x0f, y0f = tf.floor(x), tf.floor(y)
    fx = tf.cast(x - x0f, dtype)[..., None]
    fy = tf.cast(y - y0f, dtype)[..., None]
    x0 = tf.math.floormod(tf.cast(x0f, tf.int32), tw)     # GL_REPEAT
    y0 = tf.math.floormod(tf.cast(y0f, tf.int32), th)
    x1 = tf.math.floormod(x0 + 1, tw)
    y1 = tf.math.floormod(y0 + 1, th)

    flat = tf.reshape(texture, tf.stack([th * tw, channels]))

    def tap(yi, xi):
        return tf.gather(flat, yi * tw + xi)

    top = tap(y0, x0) * (1.0 - fx) + tap(y0, x1) * fx
    bottom = tap(y1, x0) * (1.0 - fx) + tap(y1, x1) * fx
    sampled = top * (1.0 - fy) + bottom * fy

    mask = tf.cast(mask, dtype)
    if background is None:
        return sampled * mask
    background = tf.cast(tf.convert_to_tensor(background), dtype)
    return sampled * mask + background * (1.0 - mask)
