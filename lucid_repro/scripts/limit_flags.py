"""The input budgets as flags, for the scripts they apply to: `define(images=...,
meshes=..., memory=...)` (a script that reads no image has no --max_image_pixels, only the
3D scripts have --max_mesh_faces).

--max_image_pixels, --max_mesh_faces and --max_memory_gb default to their environment
variables or built-in defaults (see `lucid_repro.limits`; a script without the flag still
obeys those). The values are checked (finite, positive) and handed to
`lucid_repro.limits.configure` by flag validators, i.e. while absl parses the command
line; a bad value is a one-line flag error (exit status 2).
"""
import math

from absl import flags

from lucid_repro import limits

# The flags this module's functions define belong to the script that calls them, so that
# the script's --help lists them with their defaults (absl attributes a flag to its caller).
flags.disclaim_key_flags()


def define(images=False, meshes=False, memory=False):
    """The budget flags of a script: images it reads, meshes it reads, sizes whose memory
    it checks."""
    if images:
        flags.DEFINE_float("max_image_pixels", None,
                           f"largest input image in pixels, checked from the header before decoding "
                           f"(default: ${limits.ENV_IMAGE_PIXELS} or {limits.DEFAULT_MAX_IMAGE_PIXELS:.0e})")
        flags.register_validator("max_image_pixels", _validator("max_image_pixels"))
    if meshes:
        flags.DEFINE_integer("max_mesh_faces", None,
                             f"largest input mesh in triangles (vertices: 3x that) "
                             f"(default: ${limits.ENV_MESH_FACES} or {limits.DEFAULT_MAX_MESH_FACES:.0e})")
        flags.register_validator("max_mesh_faces", _validator("max_mesh_faces"))
    if memory:
        flags.DEFINE_float("max_memory_gb", None,
                           f"memory budget in GB that the sizes asked for are checked against before "
                           f"anything large is allocated (default: ${limits.ENV_MEMORY_GB} or the "
                           f"available memory)")
        flags.register_validator("max_memory_gb", _validator("max_memory_gb"))


def _validator(key):
    def validate(value):
        if value is None:
            return True
        if not math.isfinite(value) or value <= 0:
            raise flags.ValidationError(f"must be a finite positive number, got {value}")
        limits.configure(**{key: value})
        return True
    return validate

