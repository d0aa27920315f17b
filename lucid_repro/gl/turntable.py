"""Looking at textured meshes: turntable frames and GIF, the seam metric, and the
common outputs of the 3D recipes (texture PNG, turntable GIF, OBJ + MTL + PNG,
metrics JSON).

The turntable reuses the optimization's `UVRenderer` (one EGL context and
framebuffer) and samples the texture with the same `sample_texture` as training,
so what you see is exactly what the network saw, from fixed angles instead of
random ones.
"""
import json
import os

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.gl import load_mesh, orbit_view

TURNTABLE_DISTANCE = 14.0     # the bunny (|x| <= 1) fits the 10-degree field of view
TURNTABLE_ELEVATION = 15.0
DISPLAY_BACKGROUND = 1.0      # white behind the mesh in pictures (training uses black)


def check_frames(frames):
    try:
        frames = int(frames)
    except (TypeError, ValueError):
        raise UserError(f"frames must be an integer, got {frames!r}") from None
    if frames < 2:
        raise UserError(f"a turntable needs at least 2 frames, got {frames}")
    return frames


def turntable_frames(renderer, texture, frames=24, elevation=TURNTABLE_ELEVATION,
                     distance=TURNTABLE_DISTANCE, background=DISPLAY_BACKGROUND):
    """The renderer's mesh with `texture` ([H, W, 3] in [0, 1]) seen from `frames`
    azimuths evenly spaced over 360 degrees. Returns a list of [h, w, 3] float32."""
    from lucid_repro.gl.sampler import sample_texture

    frames = check_frames(frames)
    texture = np.asarray(texture, np.float32)
    out = []
    for k in range(frames):
        uvm = renderer.uv_map(orbit_view(360.0 * k / frames, elevation, distance, target=renderer.mesh))
        out.append(sample_texture(texture, uvm, background).numpy())
    return out


def save_turntable(path, renderer, texture, frames=24, fps=12, **kwargs):
    """Write a looping turntable GIF (atomically); returns the path."""
    from lucid_repro.images import save_gif
    return save_gif(path, turntable_frames(renderer, texture, frames, **kwargs), fps=fps)


# ----------------------------------------------------------------------------- seams

def edge_pairs(mesh):
    """Pairs of faces sharing an edge in 3D (vertices merged by position).

    Returns a dict of int arrays, one row per interior edge (edges of exactly two
    faces): `face` (E, 2); `corners` (E, 2, 3) vertex indices (edge start, edge end,
    opposite corner) in each face, the two faces' edges aligned so that
    corners[:, 0, :2] and corners[:, 1, :2] are the same 3D points; `seam` (E,)
    bool: True where the two faces give the shared edge different texture
    coordinates (a UV seam: adjacent in 3D, not in UV space).
    """
    mesh = load_mesh(mesh)
    _, vid = np.unique(mesh.positions, axis=0, return_inverse=True)
    vid = vid.reshape(-1)
    f = mesh.faces.astype(np.int64)
    n_faces = len(f)
    rot = [(0, 1, 2), (1, 2, 0), (2, 0, 1)]
    start = np.concatenate([f[:, a] for a, _, _ in rot])
    end = np.concatenate([f[:, b] for _, b, _ in rot])
    opp = np.concatenate([f[:, c] for _, _, c in rot])
    face = np.tile(np.arange(n_faces), 3)
    ka, kb = vid[start], vid[end]
    key = np.minimum(ka, kb) * (vid.max() + 1) + np.maximum(ka, kb)
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    uniq, first, counts = np.unique(key_sorted, return_index=True, return_counts=True)
    two = first[counts == 2]
    e1, e2 = order[two], order[two + 1]
    # align the second face's edge with the first's (same 3D start point)
    flip = vid[start[e2]] != vid[start[e1]]
    s2 = np.where(flip, end[e2], start[e2])
    t2 = np.where(flip, start[e2], end[e2])
    corners = np.stack([np.stack([start[e1], end[e1], opp[e1]], -1),
                        np.stack([s2, t2, opp[e2]], -1)], 1)
    uv = mesh.uvs
    seam = (np.abs(uv[corners[:, 0, 0]] - uv[corners[:, 1, 0]]).max(-1) > 1e-6) | \
           (np.abs(uv[corners[:, 0, 1]] - uv[corners[:, 1, 1]]).max(-1) > 1e-6)
    return {"face": np.stack([face[e1], face[e2]], 1), "corners": corners, "seam": seam}


def _sample_points(texture, uvs):
    from lucid_repro.gl.sampler import sample_texture
    uvm = np.concatenate([uvs, np.ones_like(uvs[:, :1])], -1).astype(np.float32)[:, None, :]
    return sample_texture(np.asarray(texture, np.float32), uvm).numpy()[:, 0, :]


def seam_metric(mesh, texture, inset=0.25, max_edges=20000, seed=0):
    """Mean colour difference across UV seams, with two yardsticks.

    For every pair of faces sharing an edge in 3D, take one point inside each face
    near the middle of the shared edge (`inset` of the way from the edge midpoint to
    the face's opposite corner; the two points are close on the surface) and compare
    the texture there (mean |dRGB|, colours in [0, 1]).

    Returns a dict: `seam` (pairs across UV seams), `interior` (pairs whose shared
    edge is continuous in UV: the natural colour change over the same distance),
    `random` (points paired at random across the mesh: what an unrelated
    neighbour would give), `seam_ratio` = seam / interior (about 1 when seams are
    invisible), `seam_visibility` = (seam - interior) / (random - interior) (0: the
    seam is like any other edge, 1: the two sides are as unrelated as random points)
    and the edge counts.
    """
    mesh = load_mesh(mesh)
    pairs = edge_pairs(mesh)
    uv = mesh.uvs.astype(np.float64)
    c = pairs["corners"]
    mid = 0.5 * (uv[c[:, :, 0]] + uv[c[:, :, 1]])           # (E, 2, 2)
    inner = mid + inset * (uv[c[:, :, 2]] - mid)
    rng = np.random.default_rng(seed)

    def mean_diff(idx):
        if len(idx) > max_edges:
            idx = rng.choice(idx, max_edges, replace=False)
        if len(idx) == 0:
            return float("nan"), 0
        a = _sample_points(texture, inner[idx, 0])
        b = _sample_points(texture, inner[idx, 1])
        return float(np.abs(a - b).mean()), int(len(idx))

    seam_idx = np.flatnonzero(pairs["seam"])
    interior_idx = np.flatnonzero(~pairs["seam"])
    seam, n_seam = mean_diff(seam_idx)
    interior, n_interior = mean_diff(interior_idx)
    # random pairs of surface points (face interiors), the "no continuity" yardstick
    k = min(max_edges, len(c))
    pts = inner[rng.integers(0, len(c), size=(k, 2)), 0]
    random = float(np.abs(_sample_points(texture, pts[:, 0]) - _sample_points(texture, pts[:, 1])).mean())
    return {"seam": seam, "interior": interior, "random": random,
            "seam_ratio": seam / interior if interior > 0 else float("nan"),
            "seam_visibility": (seam - interior) / (random - interior) if random > interior
            else float("nan"),
            "seam_edges": int(pairs["seam"].sum()), "interior_edges": int((~pairs["seam"]).sum()),
            "sampled_seam_edges": n_seam, "sampled_interior_edges": n_interior}


def seam_closeups(renderer, textures, count=4, distance=4.0, seed=0, mark=(1.0, 0.0, 0.0)):
    """Close-ups of random UV seams, to see whether a texture is continuous across them.

    For `count` random seam edges, the camera looks at the edge along the surface
    normal from `distance` (about 0.7 units wide with the 10-degree field of view).
    Returns rows [texture 0 with seams marked in red, texture 0, texture 1, ...]
    ([h, w, 3] float32 each; the renderer's mesh and size). Seams in the picture are
    where neighbouring pixels' texture coordinates jump (> 0.02).
    """
    from lucid_repro.gl import Camera
    from lucid_repro.gl.sampler import sample_texture

    mesh = renderer.mesh
    pairs = edge_pairs(mesh)
    corners, faces = pairs["corners"][pairs["seam"]], pairs["face"][pairs["seam"]]
    if not len(corners):
        raise UserError(f"mesh {mesh.name or ''} has no UV seams".replace("  ", " "))
    pos = mesh.positions.astype(np.float64)
    rng = np.random.default_rng(seed)
    rows, centres, tries = [], [], 0
    while len(rows) < count and tries < 50 * count:
        tries += 1
        k = rng.integers(len(corners))
        a, b = pos[corners[k, 0, 0]], pos[corners[k, 0, 1]]
        tri = pos[mesh.faces[faces[k, 0]]]
        normal = np.cross(tri[1] - tri[0], tri[2] - tri[0])
        if np.linalg.norm(normal) == 0:
            continue
        centre = (a + b) / 2.0
        if any(np.linalg.norm(centre - c) < 0.3 for c in centres):   # show distinct places
            continue
        eye = centre + distance * normal / np.linalg.norm(normal)
        uvm = renderer.uv_map(Camera(eye=tuple(eye), target=tuple(centre)))
        if uvm[..., 2].mean() < 0.9:          # looking into a cavity or off the surface
            continue
        jump = np.zeros(uvm.shape[:2], bool)
        jump[:, 1:] |= np.abs(np.diff(uvm[..., :2], axis=1)).max(-1) > 0.02
        jump[1:, :] |= np.abs(np.diff(uvm[..., :2], axis=0)).max(-1) > 0.02
        views = [sample_texture(np.asarray(t, np.float32), uvm, DISPLAY_BACKGROUND).numpy()
                 for t in textures]
        marked = views[0].copy()
        marked[jump] = mark
        rows.append([marked] + views)
        centres.append(centre)
    return rows


def texel_density(renderer, texture_size, views=8, seed=0, min_dist=11.0, max_dist=13.0):
    """Median texels per view pixel over a few random views (how large the texture
    looks on screen); used to size the flat 2D baseline so its patterns have the
    same scale on the mesh."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(views):
        uvm = renderer.uv_map(renderer.sample_view(rng, min_dist, max_dist))
        m = (uvm[1:, 1:, 2] > 0) & (uvm[:-1, 1:, 2] > 0) & (uvm[1:, :-1, 2] > 0)
        d = np.maximum(np.abs(uvm[1:, 1:, :2] - uvm[1:, :-1, :2]).max(-1),
                       np.abs(uvm[1:, 1:, :2] - uvm[:-1, 1:, :2]).max(-1))[m]
        d = d[d < 0.05]          # drop pixel pairs straddling a UV seam
        if d.size:
            steps.append(np.median(d))
    if not steps:
        return 1.0
    return float(np.median(steps) * texture_size)


# ----------------------------------------------------------------------------- outputs

def write_outputs(output_dir, prefix, mesh, texture, renderer, frames=24, metrics=None):
    """Texture PNG, turntable GIF, OBJ + MTL + PNG, the same mesh as binary glTF (.glb,
    texture embedded) and (if given) a metrics JSON, each written atomically. Returns
    dict kind -> path (texture, turntable, obj, mtl, obj_texture, glb, metrics)."""
    from lucid_repro.gl import save_obj
    from lucid_repro.gl.gltf import save_glb
    from lucid_repro.files import atomic_path
    from lucid_repro.images import save_image

    os.makedirs(output_dir, exist_ok=True)
    paths = {}
    paths["texture"] = save_image(os.path.join(output_dir, f"{prefix}_texture.png"), texture)
    paths["turntable"] = save_turntable(os.path.join(output_dir, f"{prefix}_turntable.gif"),
                                        renderer, texture, frames)
    paths["obj"] = save_obj(os.path.join(output_dir, f"{prefix}_mesh.obj"), mesh, texture)
    paths["mtl"] = paths["obj"][:-4] + ".mtl"
    paths["obj_texture"] = paths["obj"][:-4] + ".png"
    paths["glb"] = save_glb(paths["obj"][:-4] + ".glb", mesh, texture)
    if metrics is not None:
        path = os.path.join(output_dir, f"{prefix}_metrics.json")
        with atomic_path(path) as tmp:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(metrics, fh, indent=2, sort_keys=True)
                fh.write("\n")
        paths["metrics"] = path
    return paths
