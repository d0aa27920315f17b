"""3D meshes for the article's texture-synthesis and style-transfer sections.

`mesh`: loading/validating/exporting textured meshes; `render`: headless
OpenGL (EGL) rasterization of per-pixel texture coordinates; `sampler`:
differentiable bilinear texture lookup in TensorFlow; `texture_param`: textures
seen through a rendered view; `views`: renderers and random views for the render
loop; `turntable`: turntables, the seam metric and the 3D recipes' outputs.

Only `mesh` and `render` are imported here (no TensorFlow); import
`lucid_repro.gl.sampler` for `sample_texture`.
"""
from lucid_repro.gl.mesh import (Mesh, load_mesh, load_obj, mesh_texture, normalize_mesh,
                                 packaged_meshes, save_obj, validate)
from lucid_repro.gl.render import (Camera, UVRenderer, look_at, orbit_view, perspective,
                                   sample_view)


def __getattr__(name):
    if name == "sample_texture":
        from lucid_repro.gl.sampler import sample_texture
        return sample_texture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Mesh", "load_mesh", "load_obj", "mesh_texture", "normalize_mesh", "packaged_meshes",
           "save_obj", "validate", "Camera", "UVRenderer", "look_at", "orbit_view", "perspective",
           "sample_view"]
