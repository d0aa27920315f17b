"""Textured meshes as binary glTF (.glb, texture embedded), written with trimesh.

The OBJ + MTL + PNG triple of `save_obj` needs three files to stay together; one .glb
holds positions, texture coordinates, faces and the PNG texture, and opens in any glTF
viewer (the HTML report's `<model-viewer>`, Blender, three.js, Windows 3D Viewer).
The material is unlit-looking PBR: base colour = the texture, metallic 0, roughness 1,
double-sided, so what the viewer shows is the texture as the network saw it, shaded
by the viewer's lights only. trimesh flips v on export (glTF's texture origin is the
top-left corner, OBJ's the bottom-left), so the same `Mesh.uvs` serve both formats.
"""
import os

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.gl.mesh import Mesh, validate


def to_trimesh(mesh, texture):
    """A `trimesh.Trimesh` with `texture` ([H, W, 3] float in [0, 1] or uint8) as its
    base-colour map. Vertex order is kept (process=False)."""
    import trimesh
    from PIL import Image

    from lucid_repro.images import to_uint8

    mesh = validate(mesh)
    texture = np.asarray(texture)
    if texture.ndim == 4 and texture.shape[0] == 1:
        texture = texture[0]
    if texture.ndim != 3 or texture.shape[-1] not in (3, 4):
        raise UserError(f"texture must have shape [H, W, 3], got {texture.shape}")
    image = Image.fromarray(to_uint8(texture))
    material = trimesh.visual.material.PBRMaterial(
        name=mesh.name or "texture", baseColorTexture=image, metallicFactor=0.0,
        roughnessFactor=1.0, doubleSided=True)
    visual = trimesh.visual.TextureVisuals(uv=mesh.uvs, material=material)
    return trimesh.Trimesh(vertices=mesh.positions, faces=mesh.faces.astype(np.int64),
                           visual=visual, process=False)


def save_glb(path, mesh, texture):
    """Write `mesh` with `texture` as one binary glTF file, atomically. Returns the path."""
    from lucid_repro.files import atomic_path

    path = os.fspath(path)
    data = to_trimesh(mesh, texture).export(file_type="glb")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return path


def load_glb(path):
    """Read a .glb written by `save_glb` back: (Mesh, texture uint8 [H, W, 3 or 4]).
    For tests and tools; vertex order and uvs come back as written."""
    import trimesh

    scene = trimesh.load(os.fspath(path), file_type="glb", process=False)
    geoms = list(scene.geometry.values()) if hasattr(scene, "geometry") else [scene]
    if len(geoms) != 1:
        raise UserError(f"{path}: expected one mesh, found {len(geoms)}")
    g = geoms[0]
    image = getattr(g.visual.material, "baseColorTexture", None)
    return (Mesh(positions=np.asarray(g.vertices, np.float32), uvs=np.asarray(g.visual.uv, np.float32),
                 faces=np.asarray(g.faces, np.uint32), name=os.path.basename(path)),
            None if image is None else np.asarray(image))
