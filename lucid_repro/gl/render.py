"""Headless OpenGL rasterization of a mesh's texture coordinates.

`UVRenderer` draws a mesh into an offscreen float framebuffer and returns, for
every pixel, (u, v, mask): the interpolated texture coordinate of the nearest
face and 1 where a face was hit, (0, 0, 0) on the background. Feeding that map
to `lucid_repro.gl.sampler.sample_texture` renders the mesh with any texture,
differentiably with respect to the texture (Lucid's 3D texture-synthesis and
3D style-transfer set-up: OpenGL only rasterizes, TensorFlow does the texture
lookup). The OpenGL work runs in a child process that never imports TensorFlow
(`lucid_repro.gl.uv_server`; two LLVMs, TensorFlow's and llvmpipe's, crash in
one process).

Matrices here use the column-vector convention (clip = P @ V @ [x, y, z, 1]):
`perspective` is the standard OpenGL projection (gluPerspective), `look_at`
the standard gluLookAt view matrix. (Lucid's `meshutil.perspective` returns
the transpose of this and multiplies row vectors; the result is the same.)

Camera defaults follow Lucid: vertical field of view 10 degrees, near/far
planes 0.01/100, and `sample_view` at a distance uniform in [11, 13] (Lucid's
texture_synth_3d notebook; its style_transfer_3d notebook uses [10, 12]) in a
uniformly random direction, looking at the mesh centre with +y up.
"""
import collections
import dataclasses
import json
import math
import os
import subprocess
import sys
import threading
import weakref
from typing import Sequence

import numpy as np

from lucid_repro.errors import UserError
from lucid_repro.gl.mesh import Mesh, load_mesh

DEFAULT_FOVY = 10.0          # degrees, lucid.misc.gl.glrenderer.MeshRenderer.fovy
DEFAULT_ZNEAR = 0.01
DEFAULT_ZFAR = 100.0
DEFAULT_MIN_DIST = 11.0      # texture_synth_3d.ipynb: meshutil.sample_view(11.0, 13.0)
DEFAULT_MAX_DIST = 13.0
STYLE_TRANSFER_DISTS = (10.0, 12.0)   # style_transfer_3d.ipynb: sample_view(10.0, 12.0)

EGL_HINT = "install the Debian packages libegl1 libegl-mesa0 libgl1-mesa-dri"


# ----------------------------------------------------------------------------- matrices

def perspective(fovy_deg, aspect, znear=DEFAULT_ZNEAR, zfar=DEFAULT_ZFAR):
    """OpenGL perspective projection (column vectors), vertical fov in degrees."""
    if not 0 < fovy_deg < 180:
        raise UserError(f"field of view must be in (0, 180) degrees, got {fovy_deg}")
    if aspect <= 0:
        raise UserError(f"aspect ratio must be positive, got {aspect}")
    if not 0 < znear < zfar:
        raise UserError(f"need 0 < znear < zfar, got znear={znear}, zfar={zfar}")
    f = 1.0 / math.tan(math.radians(fovy_deg) / 2.0)
    m = np.zeros((4, 4), np.float64)
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = -(zfar + znear) / (zfar - znear)
    m[2, 3] = -2.0 * zfar * znear / (zfar - znear)
    m[3, 2] = -1.0
    return m.astype(np.float32)


def _unit(x):
    n = np.linalg.norm(x)
    return x / n if n > 0 else x


def look_at(eye, target=(0.0, 0.0, 0.0), up=(0.0, 1.0, 0.0)):
    """View matrix (column vectors) of a camera at `eye` looking at `target`.

    Camera space: x to the right, y up, looking down -z (OpenGL). If `up` is
    (nearly) parallel to the viewing direction, another up vector is used
    instead of producing NaNs (Lucid's lookat would divide by zero there).
    """
    eye = np.asarray(eye, np.float64).reshape(3)
    target = np.asarray(target, np.float64).reshape(3)
    up = np.asarray(up, np.float64).reshape(3)
    forward = target - eye
    if np.linalg.norm(forward) < 1e-12:
        raise UserError("camera eye and target coincide")
    forward = _unit(forward)
    side = np.cross(forward, up)
    if np.linalg.norm(side) < 1e-6 * max(np.linalg.norm(up), 1e-12):
        for alt in ((0.0, 0.0, -1.0), (1.0, 0.0, 0.0)):
            side = np.cross(forward, alt)
            if np.linalg.norm(side) > 1e-3:
                break
    side = _unit(side)
    true_up = np.cross(side, forward)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = side, true_up, -forward
    m[:3, 3] = -m[:3, :3] @ eye
    return m.astype(np.float32)


@dataclasses.dataclass
class Camera:
    """A pinhole camera: position, aim, up vector and vertical field of view."""
    eye: Sequence[float]
    target: Sequence[float] = (0.0, 0.0, 0.0)
    up: Sequence[float] = (0.0, 1.0, 0.0)
    fovy: float = DEFAULT_FOVY
    znear: float = DEFAULT_ZNEAR
    zfar: float = DEFAULT_ZFAR

    def view_matrix(self):
        return look_at(self.eye, self.target, self.up)

    def projection_matrix(self, aspect=1.0):
        return perspective(self.fovy, aspect, self.znear, self.zfar)

    def view_proj(self, aspect=1.0):
        """Combined projection @ view matrix, float32 (4, 4), column vectors."""
        return (self.projection_matrix(aspect).astype(np.float64)
                @ self.view_matrix().astype(np.float64)).astype(np.float32)

    @property
    def distance(self):
        return float(np.linalg.norm(np.asarray(self.eye, np.float64) - np.asarray(self.target, np.float64)))


def _target_of(target):
    if isinstance(target, Mesh):
        return target.center().astype(np.float64)
    return np.asarray(target, np.float64).reshape(3)


def sample_view(rng=None, min_dist=DEFAULT_MIN_DIST, max_dist=DEFAULT_MAX_DIST,
                target=(0.0, 0.0, 0.0), fovy=DEFAULT_FOVY):
    """Random camera like Lucid's `meshutil.sample_view`: a direction uniform on
    the sphere (normalized Gaussian), a distance uniform in [min_dist, max_dist]
    (max_dist=None means exactly min_dist, as in Lucid), looking at `target`
    (a point, or a Mesh: its bounding-box centre) with +y up.

    rng: numpy Generator, an int seed, or None (fresh entropy).
    """
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if max_dist is None:
        max_dist = min_dist
    if not 0 < min_dist <= max_dist:
        raise UserError(f"need 0 < min_dist <= max_dist, got {min_dist}, {max_dist}")
    dist = rng.uniform(min_dist, max_dist)
    direction = rng.normal(size=3)
    while np.linalg.norm(direction) < 1e-8:
        direction = rng.normal(size=3)
    center = _target_of(target)
    eye = center + _unit(direction) * dist
    return Camera(eye=tuple(eye), target=tuple(center), fovy=fovy)


def orbit_view(angle_deg, elevation_deg=0.0, distance=12.0, target=(0.0, 0.0, 0.0),
               fovy=DEFAULT_FOVY):
    """Turntable camera: azimuth `angle_deg` around the +y axis (0 = on the +z
    axis looking towards -z, increasing counter-clockwise seen from above),
    `elevation_deg` above the xz plane, at `distance` from `target` (a point or
    a Mesh, whose bounding-box centre is used)."""
    if distance <= 0:
        raise UserError(f"camera distance must be positive, got {distance}")
    a, e = math.radians(angle_deg), math.radians(elevation_deg)
    center = _target_of(target)
    eye = center + distance * np.array([math.sin(a) * math.cos(e), math.sin(e), math.cos(a) * math.cos(e)])
    return Camera(eye=tuple(eye), target=tuple(center), fovy=fovy)


# ----------------------------------------------------------------------------- renderer

_VERTEX_SHADER = """
#version 330
uniform mat4 view_proj;
in vec3 in_position;
in vec2 in_uv;
out vec2 frag_uv;
void main() {
    frag_uv = in_uv;
    gl_Position = view_proj * vec4(in_position, 1.0);
}
"""

_FRAGMENT_SHADER = """
#version 330
in vec2 frag_uv;
out vec4 out_color;
void main() {
    // (u, v, mask): texture coordinate of the visible surface, 1 = covered
    out_color = vec4(frag_uv, 1.0, 1.0);
}
"""


def create_egl_context():
    """A standalone headless OpenGL >= 3.3 context via EGL, or a one-line UserError.

    Called in the OpenGL process (`lucid_repro.gl.uv_server`), never in a process
    that has imported TensorFlow (llvmpipe would crash there)."""
    try:
        import moderngl
    except ImportError as e:
        raise UserError(f"moderngl is not installed ({e}); pip install moderngl") from None
    try:
        return moderngl.create_context(standalone=True, backend="egl", require=330)
    except Exception as e:  # glcontext raises plain Exception/OSError/ValueError
        reason = (str(e).strip().splitlines() or [e.__class__.__name__])[0]
        raise UserError(f"cannot create a headless OpenGL (EGL) context ({reason}); {EGL_HINT}") from None


try:
    import fcntl
except ImportError:          # not on Linux/Unix: default pipe sizes
    pass
_PIPE_SIZE = 1 << 20         # bytes; Linux caps it at /proc/sys/fs/pipe-max-size (1 MiB by default)


def _package_root():
    """The directory holding the `lucid_repro` package this module came from."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _drain(stream, lines):
    """Keep the last lines of the child's stderr (and never let its pipe fill up)."""
    try:
        for raw in iter(stream.readline, b""):
            text = raw.decode("utf-8", "replace").strip()
            if text:
                lines.append(text)
    except (OSError, ValueError):
        pass


def _shutdown(proc):
    """Let the OpenGL process exit (stdin EOF), kill it if it does not, and reap it."""
    try:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


class UVRenderer:
    """Rasterizes a mesh's (u, v, mask) with one EGL context and one framebuffer.

    >>> r = UVRenderer(128, 128); r.set_mesh(load_mesh("bunny"))
    >>> uvm = r.uv_map(sample_view(0))          # float32 [128, 128, 3]

    The OpenGL work runs in a child process (`python -m lucid_repro.gl.uv_server`)
    that never imports TensorFlow: Mesa's llvmpipe and TensorFlow each bring their
    own LLVM, and in one process rendering segfaults. The child holds the context,
    framebuffer (RGBA float32 colour + depth) and, after `set_mesh`, the
    vertex/index buffers, created once and reused by every `render` call (each
    call sends a 4x4 matrix and reads back the map through a pipe). Call `close()`
    (or use `with UVRenderer(...) as r:`) to end it; it also ends when the
    renderer is garbage-collected, at interpreter exit, or if this process dies.
    Not thread-safe; use it from one thread.
    """

    def __init__(self, width, height=None):
        height = width if height is None else height
        try:
            width, height = int(width), int(height)
        except (TypeError, ValueError):
            raise UserError(f"render size must be integers, got {width}x{height}") from None
        if width <= 0 or height <= 0:
            raise UserError(f"render size must be positive, got {width}x{height}")
        self.width, self.height = width, height
        self.mesh = None
        self._closed = True
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH")) if p)
        try:
            self._proc = subprocess.Popen([sys.executable, "-m", "lucid_repro.gl.uv_server"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, env=env)
        except OSError as e:
            raise UserError(f"cannot start the OpenGL process ({e})") from None
        for pipe in (self._proc.stdin, self._proc.stdout):   # fewer round trips per map
            try:
                fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
            except (AttributeError, OSError, NameError):
                pass
        self._stderr = collections.deque(maxlen=20)
        self._stderr_reader = threading.Thread(target=_drain, args=(self._proc.stderr, self._stderr),
                                               daemon=True, name="uv_server-stderr")
        self._stderr_reader.start()
        self._finalizer = weakref.finalize(self, _shutdown, self._proc)
        try:
            reply, _ = self._request({"op": "init", "width": width, "height": height})
        except BaseException:
            self._finalizer()
            raise
        self._info = dict(reply.get("info", {}))
        self._closed = False

    # -- the OpenGL process
    def _died(self, what):
        """End the OpenGL process; a UserError saying why, with its last stderr line."""
        self._closed = True
        self._finalizer()                    # reaps it (or stops and reaps it)
        code = self._proc.returncode
        self._stderr_reader.join(timeout=1)  # it ends at the child's end of stderr
        last = self._stderr[-1] if self._stderr else "no message on stderr"
        return UserError(f"the OpenGL process ({sys.executable} -m lucid_repro.gl.uv_server) {what} "
                         f"(exit status {code}): {last}")

    def _request(self, header, *payloads):
        """Send one request; return (reply header, reply payload or None). An
        error reply raises UserError; a dead child, a broken reply or an
        interruption mid-exchange ends the OpenGL process (the renderer is closed)."""
        try:
            try:
                self._proc.stdin.write(json.dumps(header).encode() + b"\n")
                for p in payloads:
                    self._proc.stdin.write(p)
                self._proc.stdin.flush()
            except (OSError, ValueError):
                raise self._died("died") from None
            line = self._proc.stdout.readline()
            if not line:
                raise self._died("died")
            try:
                reply = json.loads(line)
            except ValueError:
                raise self._died("sent a bad reply") from None
            if not reply.get("ok"):
                raise UserError(str(reply.get("error", "unknown error in the OpenGL process")))
            payload = None
            if "shape" in reply:
                n = 4 * math.prod(reply["shape"])
                payload = bytearray(n)
                view, got = memoryview(payload), 0
                while got < n:
                    k = self._proc.stdout.readinto(view[got:])
                    if not k:
                        raise self._died("died")
                    got += k
            return reply, payload
        except UserError:
            raise
        except BaseException:                # e.g. KeyboardInterrupt: the stream is out of sync
            self._closed = True
            self._finalizer()
            raise

    # -- context management
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if getattr(self, "_closed", True):
            return
        self._closed = True
        self._finalizer()

    def _check_open(self):
        if self._closed:
            raise RuntimeError("UVRenderer is closed")

    @property
    def aspect(self):
        return self.width / self.height

    @property
    def info(self):
        """The OpenGL context's `moderngl.Context.info` (GL_RENDERER, GL_VERSION,
        GL_MAX_RENDERBUFFER_SIZE, ...), as reported by the OpenGL process."""
        return dict(self._info)

    @property
    def pid(self):
        """Process id of the OpenGL process."""
        return self._proc.pid

    def set_mesh(self, mesh):
        """Upload a mesh (a Mesh or anything `load_mesh` accepts) once; it is
        drawn by every following `render` call. Returns the validated Mesh."""
        self._check_open()
        mesh = load_mesh(mesh)
        positions = np.ascontiguousarray(mesh.positions, "<f4")
        uvs = np.ascontiguousarray(mesh.uvs, "<f4")
        faces = np.ascontiguousarray(mesh.faces, "<u4")
        self._request({"op": "mesh", "vertices": len(positions), "faces": len(faces)},
                      positions.tobytes(), uvs.tobytes(), faces.tobytes())
        self.mesh = mesh
        return mesh

    def view_proj(self, view):
        """4x4 float32 view-projection matrix for a Camera (this renderer's
        aspect ratio) or a given 4x4 matrix (passed through)."""
        if isinstance(view, Camera):
            return view.view_proj(self.aspect)
        m = np.asarray(view, np.float32)
        if m.shape != (4, 4):
            raise UserError(f"view must be a Camera or a 4x4 view-projection matrix, got shape {m.shape}")
        if not np.isfinite(m).all():
            raise UserError("view-projection matrix is not finite")
        return m

    def uv_map(self, view=None):
        """Rasterize the current mesh seen through `view` (a Camera or a 4x4
        column-vector view-projection matrix; default: `orbit_view(0)` aimed at
        the mesh centre). Returns float32 [H, W, 3] (u, v, mask), row 0 = top."""
        self._check_open()
        if self.mesh is None:
            raise UserError("no mesh to render: call set_mesh() first")
        if view is None:
            view = orbit_view(0.0, 0.0, 12.0, target=self.mesh)
        matrix = self.view_proj(view)
        # GL expects column-major storage: numpy row-major of the transpose
        reply, data = self._request({"op": "uv_map"}, np.ascontiguousarray(matrix.T, "<f4").tobytes())
        shape = tuple(reply["shape"])
        if shape != (self.height, self.width, 3):
            raise self._died(f"sent a map of shape {shape}")
        return np.frombuffer(data, "<f4").reshape(shape)

    def sample_view(self, rng=None, min_dist=DEFAULT_MIN_DIST, max_dist=DEFAULT_MAX_DIST,
                    fovy=DEFAULT_FOVY):
        """`sample_view` aimed at the current mesh's bounding-box centre."""
        target = self.mesh if self.mesh is not None else (0.0, 0.0, 0.0)
        return sample_view(rng, min_dist, max_dist, target=target, fovy=fovy)

    def random_uv_map(self, rng=None, min_dist=DEFAULT_MIN_DIST, max_dist=DEFAULT_MAX_DIST):
        """uv_map(self.sample_view(rng, ...)), as one call per optimization step."""
        return self.uv_map(self.sample_view(rng, min_dist, max_dist))
