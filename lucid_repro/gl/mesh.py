"""Textured triangle meshes: loading, validation, normalization, OBJ export.

A mesh is per-vertex positions (V, 3) and texture coordinates (V, 2) plus
triangle indices (F, 3). Three on-disk forms are understood by `load_mesh`:

* a packaged name such as ``"bunny"`` (``lucid_repro/data/meshes/<name>/``);
* a directory holding the article's raw little-endian buffers, no header:
  ``position.3d`` float32 (V, 3), ``uv.3d`` float32 (V, 2), ``face.3d``
  uint32 (F, 3), optionally with a ``tex.jpg`` (or ``tex.png``) texture;
* a Wavefront ``.obj`` file with ``vt`` texture coordinates (a directory
  holding exactly one ``.obj`` file, as written by `save_obj`, works too).

Every problem with user data raises `UserError` with a one-line message.
"""
import dataclasses
import os
from typing import Optional

import numpy as np

from lucid_repro import limits
from lucid_repro.errors import UserError

PACKAGED_MESH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                 "data", "meshes")

BUFFER_FILES = {"positions": ("position.3d", "<f4", 3),
                "uvs": ("uv.3d", "<f4", 2),
                "faces": ("face.3d", "<u4", 3)}
TEXTURE_NAMES = ("tex.jpg", "tex.png", "tex.jpeg")


@dataclasses.dataclass
class Mesh:
    """A textured triangle mesh.

    positions: float32 (V, 3); uvs: float32 (V, 2), normally in [0, 1] (values
    outside wrap like GL_REPEAT when sampled); faces: int32 or uint32 (F, 3)
    vertex indices. name and texture_path are informational (set by load_mesh).
    """
    positions: np.ndarray
    uvs: np.ndarray
    faces: np.ndarray
    name: str = ""
    texture_path: Optional[str] = None

    @property
    def num_vertices(self):
        return int(np.shape(self.positions)[0])

    @property
    def num_faces(self):
        return int(np.shape(self.faces)[0])

    def bounds(self):
        """(min corner, max corner) of the axis-aligned bounding box, float32 (3,)."""
        p = np.asarray(self.positions, np.float32)
        return p.min(axis=0), p.max(axis=0)

    def center(self):
        """Centre of the bounding box, float32 (3,)."""
        lo, hi = self.bounds()
        return ((lo + hi) / 2.0).astype(np.float32)

    def radius(self):
        """Largest distance of a vertex from the bounding-box centre."""
        p = np.asarray(self.positions, np.float32) - self.center()
        return float(np.sqrt((p * p).sum(axis=1)).max())

    def validate(self, source=None):
        return validate(self, source)


def _where(source, mesh=None):
    if source:
        return f"mesh {source}"
    if mesh is not None and mesh.name:
        return f"mesh {mesh.name}"
    return "mesh"


def validate(mesh, source=None):
    """Check shapes, dtypes, finiteness and index ranges; return a normalized copy
    (positions/uvs float32, faces uint32, C-contiguous). Raises UserError."""
    where = _where(source, mesh)
    if mesh.uvs is None:
        raise UserError(f"{where} has no texture coordinates (uvs)")
    positions = np.asarray(mesh.positions)
    uvs = np.asarray(mesh.uvs)
    faces = np.asarray(mesh.faces)
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise UserError(f"{where}: positions must have shape (V, 3), got {positions.shape}")
    if uvs.ndim != 2 or uvs.shape[1] != 2:
        raise UserError(f"{where}: uvs must have shape (V, 2), got {uvs.shape}")
    if faces.ndim != 2 or faces.shape[1] != 3:
        raise UserError(f"{where}: faces must have shape (F, 3), got {faces.shape}")
    if positions.shape[0] == 0:
        raise UserError(f"{where} has no vertices")
    if faces.shape[0] == 0:
        raise UserError(f"{where} has no faces")
    if uvs.shape[0] != positions.shape[0]:
        raise UserError(f"{where}: {positions.shape[0]} positions but {uvs.shape[0]} uvs "
                        "(need one uv per vertex)")
    if not np.issubdtype(positions.dtype, np.number) or not np.issubdtype(uvs.dtype, np.number):
        raise UserError(f"{where}: positions and uvs must be numeric")
    if not np.issubdtype(faces.dtype, np.integer):
        raise UserError(f"{where}: face indices must be integers, got {faces.dtype}")
    positions = np.ascontiguousarray(positions, np.float32)
    uvs = np.ascontiguousarray(uvs, np.float32)
    if not np.isfinite(positions).all():
        bad = int(np.flatnonzero(~np.isfinite(positions).all(axis=1))[0])
        raise UserError(f"{where}: position of vertex {bad} is not finite (NaN or inf)")
    if not np.isfinite(uvs).all():
        bad = int(np.flatnonzero(~np.isfinite(uvs).all(axis=1))[0])
        raise UserError(f"{where}: uv of vertex {bad} is not finite (NaN or inf)")
    fmin, fmax = int(faces.min()), int(faces.max())
    if fmin < 0 or fmax >= positions.shape[0]:
        bad = fmin if fmin < 0 else fmax
        raise UserError(f"{where}: face index {bad} out of range for {positions.shape[0]} vertices")
    faces = np.ascontiguousarray(faces, np.uint32)
    return dataclasses.replace(mesh, positions=positions, uvs=uvs, faces=faces)


def normalize_mesh(mesh, mode="cube"):
    """Centre the mesh on its bounding-box centre and rescale it.

    mode="cube" (Lucid's `meshutil.normalize_mesh`, the default): the largest
    absolute coordinate becomes 1, so the mesh fits the [-1, 1] cube. The
    packaged/article meshes are already normalized this way.
    mode="sphere": the farthest vertex is at distance 1 (fits the unit sphere).
    """
    mesh = validate(mesh)
    p = mesh.positions.astype(np.float64)
    p -= (p.max(axis=0) + p.min(axis=0)) / 2.0
    if mode == "cube":
        scale = np.abs(p).max()
    elif mode == "sphere":
        scale = np.sqrt((p * p).sum(axis=1)).max()
    else:
        raise UserError(f"unknown normalization mode {mode!r} (expected 'cube' or 'sphere')")
    if scale <= 0:
        raise UserError(f"{_where(None, mesh)} is degenerate (all vertices at one point)")
    return dataclasses.replace(mesh, positions=(p / scale).astype(np.float32))


# ----------------------------------------------------------------------------- loading

def packaged_meshes():
    """Names of the meshes shipped in lucid_repro/data/meshes."""
    if not os.path.isdir(PACKAGED_MESH_DIR):
        return []
    return sorted(d for d in os.listdir(PACKAGED_MESH_DIR)
                  if os.path.isfile(os.path.join(PACKAGED_MESH_DIR, d, "position.3d")))


def _resolve(spec):
    """Map a spec to ('buffers', dir) or ('obj', file)."""
    if isinstance(spec, Mesh):
        return "mesh", spec
    try:
        path = os.fspath(spec)
    except TypeError:
        raise UserError(f"mesh must be a name, a directory or an .obj file, got {type(spec).__name__}") from None
    if not path:
        raise UserError("mesh path is empty")
    if not os.path.exists(path) and os.sep not in path and "/" not in path \
            and not path.lower().endswith(".obj"):
        packaged = os.path.join(PACKAGED_MESH_DIR, path)
        if os.path.isdir(packaged):
            return "buffers", packaged
        names = ", ".join(packaged_meshes()) or "none"
        raise UserError(f"mesh not found: {path} (not a file or directory; packaged meshes: {names})")
    if os.path.isdir(path):
        if any(os.path.exists(os.path.join(path, f)) for f, _, _ in BUFFER_FILES.values()):
            return "buffers", path
        objs = sorted(f for f in os.listdir(path) if f.lower().endswith(".obj"))
        if len(objs) == 1:
            return "obj", os.path.join(path, objs[0])
        if len(objs) > 1:
            raise UserError(f"mesh directory {path} holds several .obj files; name one of them")
        raise UserError(f"mesh directory {path} has neither position.3d/uv.3d/face.3d nor an .obj file")
    if os.path.isfile(path):
        if path.lower().endswith(".obj"):
            return "obj", path
        raise UserError(f"unsupported mesh file {path} (expected an .obj file or a directory "
                        "with position.3d/uv.3d/face.3d)")
    raise UserError(f"mesh not found: {path}")


def load_mesh(spec, normalize=False):
    """Load a mesh from a packaged name, a buffer directory, an .obj file (or
    pass a Mesh through). Returns a validated Mesh (float32 positions/uvs, uint32
    faces). normalize=True applies `normalize_mesh` (Lucid's cube mode)."""
    kind, target = _resolve(spec)
    if kind == "mesh":
        mesh = validate(target)
    elif kind == "buffers":
        mesh = _load_buffers(target)
    else:
        mesh = load_obj(target)
    if normalize:
        mesh = normalize_mesh(mesh)
    return mesh


def _load_buffers(directory):
    where = f"mesh {directory}"
    arrays = {}
    for key, (fname, dtype, width) in BUFFER_FILES.items():
        fpath = os.path.join(directory, fname)
        if not os.path.isfile(fpath):
            what = " (texture coordinates)" if key == "uvs" else ""
            raise UserError(f"{where} is missing {fname}{what}")
        size = os.path.getsize(fpath)
        record = np.dtype(dtype).itemsize * width
        if size % record:
            raise UserError(f"{where}: {fname} is truncated or corrupt ({size} bytes is not a "
                            f"multiple of the {record}-byte record)")
        if key == "faces":
            limits.check_mesh_counts(where, faces=size // record)
        else:
            limits.check_mesh_counts(where, vertices=size // record)
        try:
            arrays[key] = np.fromfile(fpath, dtype=dtype).reshape(-1, width)
        except OSError as e:
            raise UserError(f"cannot read {fpath}: {e}".splitlines()[0]) from None
    tex = next((os.path.join(directory, t) for t in TEXTURE_NAMES
                if os.path.isfile(os.path.join(directory, t))), None)
    mesh = Mesh(positions=arrays["positions"].astype(np.float32),
                uvs=arrays["uvs"].astype(np.float32),
                faces=arrays["faces"].astype(np.uint32),
                name=os.path.basename(os.path.normpath(directory)), texture_path=tex)
    return validate(mesh, directory)


def _obj_index(token, count, kind, path, lineno):
    """0-based index of an OBJ index token; negative ones count back from the
    `count` elements defined before this line."""
    try:
        i = int(token)
    except ValueError:
        raise UserError(f"{path}:{lineno}: bad {kind} index {token!r}") from None
    if i > 0:
        i -= 1
    elif i < 0:
        i += count
    else:
        raise UserError(f"{path}:{lineno}: {kind} index 0 is invalid (OBJ indices start at 1)")
    if not 0 <= i < count:
        raise UserError(f"{path}:{lineno}: {kind} index {token} out of range ({count} defined)")
    return i


def _obj_floats(rows, width, kind, path):
    """rows: list of (lineno, tokens). Float array (N, width); missing trailing
    values (e.g. `vt u`) are 0."""
    if not rows:
        return np.zeros((0, width), np.float32)
    try:
        if all(len(t) >= width for _, t in rows):
            return np.array([t[:width] for _, t in rows], dtype=np.float64).astype(np.float32)
    except ValueError:
        pass
    out = np.zeros((len(rows), width), np.float32)
    for k, (lineno, tokens) in enumerate(rows):
        if not tokens or (kind == "vertex" and len(tokens) < 3):
            raise UserError(f"{path}:{lineno}: {kind} line needs {width} values")
        try:
            out[k, :len(tokens[:width])] = [float(x) for x in tokens[:width]]
        except ValueError:
            raise UserError(f"{path}:{lineno}: bad {kind} line") from None
    return out


def _obj_faces_fast(faces, n_pos, n_uv):
    """Vectorized parse of the common case: triangles whose corners are all
    `a/b` or all `a/b/c`, with positive in-range indices. None otherwise."""
    if any(len(t) != 3 for _, t, _, _ in faces):
        return None
    tokens = [tok for _, t, _, _ in faces for tok in t]
    slashes = tokens[0].count("/")
    if slashes not in (1, 2) or any(tok.count("/") != slashes or "//" in tok for tok in tokens):
        return None
    try:
        nums = np.array(" ".join(tokens).replace("/", " ").split(), dtype=np.int64)
    except ValueError:
        return None
    if nums.size != len(tokens) * (slashes + 1):
        return None
    nums = nums.reshape(len(tokens), slashes + 1)[:, :2] - 1
    if nums.min() < 0 or nums[:, 0].max() >= n_pos or nums[:, 1].max() >= n_uv:
        return None
    return nums


def load_obj(path):
    """Read a Wavefront OBJ with texture coordinates.

    Supports `f v/vt`, `f v/vt/vn` (normals are ignored), negative (relative)
    indices and polygons (fan-triangulated). Where a corner's position and uv
    indices differ, vertices are split so that every output vertex has one
    position and one uv. If every corner uses equal indices, vertex order is
    kept as in the file. Materials other than the texture (map_Kd) are ignored.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise UserError(f"mesh not found: {path}")
    limits.check_obj_file_size(path)   # refuse a file too large for the budget unread
    max_vertices, max_faces = limits.max_mesh_vertices(), limits.max_mesh_faces()
    v_rows, vt_rows, faces = [], [], []    # faces: (lineno, tokens, n_v so far, n_vt so far)
    triangles = 0
    mtllib = None
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                parts = line.split()
                if not parts:
                    continue
                tag = parts[0]
                if tag == "v":
                    v_rows.append((lineno, parts[1:]))
                    if len(v_rows) > max_vertices:
                        limits.check_mesh_counts(f"mesh {path}", vertices=len(v_rows), at_least=True)
                elif tag == "vt":
                    vt_rows.append((lineno, parts[1:]))
                    if len(vt_rows) > max_vertices:
                        limits.check_mesh_counts(f"mesh {path}", vertices=len(vt_rows), at_least=True)
                elif tag == "f":
                    faces.append((lineno, parts[1:], len(v_rows), len(vt_rows)))
                    triangles += max(1, len(parts) - 3)   # a polygon is fan-triangulated
                    if triangles > max_faces:
                        limits.check_mesh_counts(f"mesh {path}", faces=triangles, at_least=True)
                elif tag == "mtllib" and len(parts) > 1 and mtllib is None:
                    mtllib = line.strip()[len("mtllib"):].strip()
    except OSError as e:
        raise UserError(f"cannot read {path}: {e}".splitlines()[0]) from None
    if not vt_rows:
        raise UserError(f"{path} has no texture coordinates (no vt lines)")
    pos = _obj_floats(v_rows, 3, "vertex", path)
    tex = _obj_floats(vt_rows, 2, "texture coordinate", path)
    if not len(pos):
        raise UserError(f"{path} has no vertices")
    if not faces:
        raise UserError(f"{path} has no faces")
    corners = _obj_faces_fast(faces, len(pos), len(tex))
    if corners is None:
        tris = []
        for lineno, tokens, n_v, n_vt in faces:
            face = []
            for tok in tokens:
                sub = tok.split("/")
                if len(sub) < 2 or not sub[1]:
                    raise UserError(f"{path}:{lineno}: face corner {tok!r} has no texture "
                                    "coordinate index (expected v/vt or v/vt/vn)")
                face.append((_obj_index(sub[0], n_v if sub[0].startswith("-") else len(pos),
                                        "vertex", path, lineno),
                             _obj_index(sub[1], n_vt if sub[1].startswith("-") else len(tex),
                                        "texture coordinate", path, lineno)))
            if len(face) < 3:
                raise UserError(f"{path}:{lineno}: face needs at least 3 corners")
            for k in range(1, len(face) - 1):
                tris.extend((face[0], face[k], face[k + 1]))
        corners = np.asarray(tris, np.int64).reshape(-1, 2)   # (3F, 2): (pos idx, uv idx)
    if len(pos) == len(tex) and np.array_equal(corners[:, 0], corners[:, 1]):
        mesh_pos, mesh_uv = pos, tex
        face_idx = corners[:, 0].reshape(-1, 3)
    else:
        pairs, inverse = np.unique(corners, axis=0, return_inverse=True)
        mesh_pos, mesh_uv = pos[pairs[:, 0]], tex[pairs[:, 1]]
        face_idx = inverse.reshape(-1, 3)
    mesh = Mesh(positions=mesh_pos, uvs=mesh_uv, faces=face_idx.astype(np.uint32),
                name=os.path.splitext(os.path.basename(path))[0],
                texture_path=_obj_texture_path(path, mtllib))
    return validate(mesh, path)


def _obj_texture_path(obj_path, mtllib):
    """Texture of an OBJ: map_Kd of its MTL file, else an image with the same stem."""
    base = os.path.dirname(obj_path)
    if mtllib:
        mtl = os.path.join(base, mtllib)
        if os.path.isfile(mtl):
            try:
                with open(mtl, "r", encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        parts = line.split()
                        if len(parts) > 1 and parts[0] == "map_Kd":
                            candidate = os.path.join(base, parts[-1])
                            if os.path.isfile(candidate):
                                return candidate
            except OSError:
                pass
    stem = os.path.splitext(obj_path)[0]
    for ext in (".png", ".jpg", ".jpeg"):
        if os.path.isfile(stem + ext):
            return stem + ext
    return None


def mesh_texture(spec, size=None):
    """The mesh's own texture (the article's tex.jpg, or an OBJ's map_Kd) as
    float32 [H, W, 3] in [0, 1], or None if it has none. size: optional int or
    (H, W) to resize to (e.g. the optimized texture's size)."""
    from lucid_repro.images import load_image

    mesh = spec if isinstance(spec, Mesh) else None
    if mesh is None:
        kind, target = _resolve(spec)
        if kind == "buffers":
            path = next((os.path.join(target, t) for t in TEXTURE_NAMES
                         if os.path.isfile(os.path.join(target, t))), None)
        else:
            path = _obj_texture_path(target, _read_mtllib(target))
    else:
        path = mesh.texture_path
    if path is None:
        return None
    return load_image(path, size=size)


def _read_mtllib(obj_path):
    try:
        with open(obj_path, "r", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("mtllib"):
                    return line.strip()[len("mtllib"):].strip() or None
    except OSError:
        pass
    return None


# ----------------------------------------------------------------------------- export

def save_obj(path, mesh, texture=None):
    """Write `mesh` as Wavefront OBJ + MTL (+ PNG texture), each atomically.

    path: a directory (files `mesh.obj`, `mesh.mtl`, `mesh.png` inside it) or a
    path prefix (`out/bunny` or `out/bunny.obj` -> `out/bunny.obj`, `.mtl`,
    `.png`). texture: [H, W, 3] float in [0, 1] or uint8; if None, no PNG is
    written and the material has no map_Kd. One `vt` per vertex, so `load_mesh`
    reads back exactly the same positions, uvs and faces. Returns the OBJ path.
    """
    from lucid_repro.files import atomic_path
    from lucid_repro.images import save_image

    mesh = validate(mesh)
    path = os.fspath(path)
    if os.path.isdir(path) or path.endswith(os.sep) or path.endswith("/"):
        prefix = os.path.join(path, "mesh")
    else:
        prefix = path[:-4] if path.lower().endswith(".obj") else path
    stem = os.path.basename(prefix)
    obj_path, mtl_path, png_path = prefix + ".obj", prefix + ".mtl", prefix + ".png"
    if texture is not None:
        texture = np.asarray(texture)
        if texture.ndim == 4 and texture.shape[0] == 1:
            texture = texture[0]
        if texture.ndim != 3 or texture.shape[-1] not in (1, 3, 4):
            raise UserError(f"texture must have shape [H, W, 3], got {texture.shape}")
        save_image(png_path, texture)
    with atomic_path(mtl_path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(f"# written by lucid_repro\nnewmtl {stem}\nKa 1 1 1\nKd 1 1 1\nKs 0 0 0\nillum 1\n")
            if texture is not None:
                fh.write(f"map_Kd {os.path.basename(png_path)}\n")
    n = mesh.num_vertices
    lines = [f"# written by lucid_repro: {n} vertices, {mesh.num_faces} triangles",
             f"mtllib {os.path.basename(mtl_path)}", f"o {stem}"]
    v = "\n".join("v %.9g %.9g %.9g" % tuple(row) for row in mesh.positions.tolist())
    vt = "\n".join("vt %.9g %.9g" % tuple(row) for row in mesh.uvs.tolist())
    f1 = mesh.faces.astype(np.int64) + 1
    f = "\n".join("f %d/%d %d/%d %d/%d" % (a, a, b, b, c, c) for a, b, c in f1.tolist())
    with atomic_path(obj_path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
            fh.write(v + "\n" + vt + "\n")
            fh.write(f"usemtl {stem}\n")
            fh.write(f + "\n")
    return obj_path
