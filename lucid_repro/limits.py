"""Budgets for what a user hands the program: image pixels, mesh size, memory.

Three module-level settings, each read from (in order) a value set by `configure`
(the scripts' `--max_image_pixels`, `--max_mesh_faces`, `--max_memory_gb` flags,
defined once in `lucid_repro.scripts.limit_flags`), an environment variable, a default:

  image pixels  LUCID_REPRO_MAX_IMAGE_PIXELS  50 000 000 (50 megapixels)
  mesh faces    LUCID_REPRO_MAX_MESH_FACES    5 000 000 triangles (vertices: 3x that)
  memory        LUCID_REPRO_MAX_MEMORY_GB     the machine's available memory

Images are checked from their header before decoding (`check_image_size`), meshes
while they are parsed, and the memory a run would need is estimated from the sizes
asked for (`MemoryEstimate`) before anything large is allocated; each refusal is a
one-line `UserError` naming the size and how to raise the budget. No TensorFlow here.
"""
import contextlib
import math
import os
import warnings

from lucid_repro.errors import UserError
from lucid_repro.models.families import family_of

DEFAULT_MAX_IMAGE_PIXELS = 50_000_000
DEFAULT_MAX_MESH_FACES = 5_000_000
MESH_VERTICES_PER_FACE = 3          # more vertices than 3 per triangle cannot all be used
OBJ_MAX_BYTES_PER_FACE = 200        # an OBJ larger than this per allowed face is refused unread
OBJ_PARSE_BYTES_PER_FILE_BYTE = 24  # peak RSS of load_obj / file size (measured: 20.6)

ENV_IMAGE_PIXELS = "LUCID_REPRO_MAX_IMAGE_PIXELS"
ENV_MESH_FACES = "LUCID_REPRO_MAX_MESH_FACES"
ENV_MEMORY_GB = "LUCID_REPRO_MAX_MEMORY_GB"

_settings = {"image_pixels": None, "mesh_faces": None, "memory_gb": None}


def configure(max_image_pixels=None, max_mesh_faces=None, max_memory_gb=None):
    """Set budgets (None leaves a setting to its environment variable / default)."""
    for key, value in (("image_pixels", max_image_pixels), ("mesh_faces", max_mesh_faces),
                       ("memory_gb", max_memory_gb)):
        if value is not None:
            _settings[key] = _positive_number(value, key)


def reset():
    """Forget values set by `configure` (tests)."""
    for key in _settings:
        _settings[key] = None


def _positive_number(value, what):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{what} budget must be a number, got {value!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"{what} budget must be a finite positive number, got {value}")
    return value


def _setting(key, env, default):
    if _settings[key] is not None:
        return _settings[key]
    raw = os.environ.get(env, "").strip()
    if raw:
        try:
            return _positive_number(raw, key)
        except UserError:
            raise UserError(f"{env} must be a finite positive number, got {raw!r}") from None
    return default


def max_image_pixels():
    return int(_setting("image_pixels", ENV_IMAGE_PIXELS, DEFAULT_MAX_IMAGE_PIXELS))


def max_mesh_faces():
    return int(_setting("mesh_faces", ENV_MESH_FACES, DEFAULT_MAX_MESH_FACES))


def max_mesh_vertices():
    return MESH_VERTICES_PER_FACE * max_mesh_faces()


# ----------------------------------------------------------------------------- formatting

def format_bytes(n):
    n = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0


def format_count(n):
    return f"{int(n):,}"


# ----------------------------------------------------------------------------- images

IMAGE_HINT = f"raise the budget with --max_image_pixels or {ENV_IMAGE_PIXELS}"


def image_too_large(path, width, height):
    return (f"image {path} is {width}x{height} ({width * height / 1e6:.1f} megapixels), above the "
            f"budget of {max_image_pixels() / 1e6:g} megapixels; {IMAGE_HINT}")


def check_image_size(path, width, height):
    """UserError if a width x height image is above the pixel budget."""
    if int(width) * int(height) > max_image_pixels():
        raise UserError(image_too_large(path, int(width), int(height)))


@contextlib.contextmanager
def pillow_guard(header_only=False):
    """Pillow with our pixel budget: its own decompression-bomb limit set to the budget
    and its DecompressionBombWarning raised as an error (callers turn both into
    `UserError` with `bomb_message`). header_only=True switches Pillow's check off, to
    read an image's header size (nothing is decoded) and report it ourselves."""
    from PIL import Image
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None if header_only else max_image_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def bomb_errors():
    """The Pillow exception classes of a decompression bomb."""
    from PIL import Image
    return (Image.DecompressionBombError, Image.DecompressionBombWarning)


def bomb_message(path, error):
    return (f"image {path} is too large to decode ({str(error).splitlines()[0] if str(error) else 'decompression bomb'}); "
            f"{IMAGE_HINT}")


def image_header_size(path):
    """(width, height) from an image's header without decoding it, or None if Pillow
    cannot identify the file (the loader then reports that)."""
    from PIL import Image, UnidentifiedImageError
    try:
        with pillow_guard(header_only=True):
            with Image.open(path) as im:
                return tuple(int(v) for v in im.size)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) + bomb_errors():
        return None


def check_image_file(path):
    """Header check of an image file against the pixel budget; returns (width, height)
    or None if unreadable (left to the loader's error)."""
    size = image_header_size(path)
    if size is not None:
        check_image_size(path, *size)
    return size


# ----------------------------------------------------------------------------- meshes

MESH_HINT = f"raise the budget with --max_mesh_faces or {ENV_MESH_FACES}"


def check_mesh_counts(where, vertices=None, faces=None, at_least=False):
    """UserError if a mesh has more faces / vertices than the budget. at_least=True: the
    counts are what has been read so far (the parse stops there)."""
    max_faces, max_vertices = max_mesh_faces(), max_mesh_vertices()
    if faces is not None and faces > max_faces:
        counted = "more than the budget of" if at_least else f"{format_count(faces)} triangles, above the budget of"
        raise UserError(f"{where} has {counted} {format_count(max_faces)} triangles; {MESH_HINT}")
    if vertices is not None and vertices > max_vertices:
        counted = "more than the budget of" if at_least else f"{format_count(vertices)} vertices, above the budget of"
        raise UserError(f"{where} has {counted} {format_count(max_vertices)} vertices (3 per triangle "
                        f"of the {format_count(max_faces)}-triangle budget); {MESH_HINT}")


def check_obj_file_size(path):
    """Refuse an OBJ file before reading it if it is larger than any OBJ within the face
    budget can reasonably be, or if parsing it would not fit in memory."""
    size = os.path.getsize(path)
    cap = max_mesh_faces() * OBJ_MAX_BYTES_PER_FACE + (1 << 20)
    if size > cap:
        raise UserError(f"mesh {path} is {format_bytes(size)}, more than an OBJ of at most "
                        f"{format_count(max_mesh_faces())} triangles should be ({format_bytes(cap)}); "
                        f"{MESH_HINT}")
    estimate = MemoryEstimate(base=False)
    estimate.add("OBJ parsing", size * OBJ_PARSE_BYTES_PER_FILE_BYTE)
    estimate.check(f"reading mesh {path} ({format_bytes(size)})", hint="use a smaller mesh")


# ----------------------------------------------------------------------------- memory

def _read_int(path):
    try:
        with open(path) as fh:
            raw = fh.read().strip()
        return None if raw in ("", "max") else int(raw)
    except (OSError, ValueError):
        return None


def _cgroup_headroom():
    """Bytes left under this process's cgroup memory limit, or None if unlimited."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        limit = _read_int(limit_file)
        if limit is not None and limit < (1 << 60):
            usage = _read_int(usage_file) or 0
            return max(0, limit - usage)
    return None


def available_memory():
    """Bytes this process can still allocate without swapping: /proc/meminfo's
    MemAvailable (os.sysconf's free pages where there is none), capped by the cgroup
    limit's headroom. None if unknown."""
    available = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            available = None
    headroom = _cgroup_headroom()
    if headroom is not None:
        available = headroom if available is None else min(available, headroom)
    return available


def memory_budget():
    """(bytes, where it comes from): --max_memory_gb / LUCID_REPRO_MAX_MEMORY_GB, else the
    available memory (None if unknown: no check)."""
    gb = _setting("memory_gb", ENV_MEMORY_GB, None)
    if gb is not None:
        return int(gb * 1e9), "the memory budget"
    return available_memory(), "the available memory"


# Forward activations of the whole network, in float32 values per input pixel, and the
# number of weights: the model family's (`lucid_repro.models.families.Family`:
# floats_per_pixel, parameters; VGG19: conv + ReLU + pool outputs of the 16 conv layers;
# InceptionV1: all 155 4-D layer outputs; other models: VGG19's per pixel, 100 M weights).
# Peak memory of a forward+backward pass / the forward activations above. Measured slope
# of feature_vis's peak RSS over the network input's pixels on VGG19: 0.42 (384 -> 512 px
# sides), 0.54 (768 -> 1024), 0.46 (1024 -> 1536); style transfer's batch of 3: 0.39.
# 0.6 leaves ~25 % for allocator growth (BUILD_NOTES, "Input and memory limits").
TRAIN_FACTOR = 0.6
FORWARD_FACTOR = 0.25               # forward only (no tape): a few layers live at a time
RUNTIME_BYTES = 600e6               # Python + TensorFlow, before any model (measured: ~0.55 GB)
WEIGHT_COPIES = 4                   # file, numpy, Keras variables, oneDNN reorders
GL_SERVER_BYTES = 200e6             # the OpenGL child process (lucid_repro.gl.uv_server)
FLOAT = 4


def model_key(model):
    name = getattr(model, "name", model) or ""
    return str(name)


def network_input_side(side, transforms=False):
    """Largest side the network sees: Lucid's standard transforms pad by 12 on each side
    and scale up to 1.1."""
    return int(math.ceil((side + 24) * 1.1)) if transforms else int(side)


def network_bytes(model, h, w, batch=1, transforms=False, backward=True):
    """Activation memory of one pass of `model` on a [batch, h, w, 3] input."""
    per_pixel = family_of(model).floats_per_pixel
    pixels = network_input_side(h, transforms) * network_input_side(w, transforms) * batch
    return per_pixel * FLOAT * pixels * (TRAIN_FACTOR if backward else FORWARD_FACTOR)


def param_bytes(h, w, channels=3, batch=1):
    """An optimized image or texture: the variable, its gradient, Adam's two moments,
    the parameterization's output and one temporary (FFT / colour decorrelation)."""
    return 6 * FLOAT * h * w * channels * batch


def image_bytes(h, w, channels=3, count=1):
    """`count` float32 images of h x w x channels."""
    return FLOAT * h * w * channels * count


def gl_bytes(view_size):
    """The GL pass's float32 RGBA framebuffer and its copy to numpy."""
    return 2 * 16 * view_size * view_size


class MemoryEstimate:
    """The memory a run would need, as named parts that coexist.

        est = MemoryEstimate("vgg19")
        est.add("network activations", network_bytes("vgg19", 512, 512, transforms=True))
        est.check("--size=512")       # UserError if above the budget
    """

    def __init__(self, model=None, base=True):
        self.parts = []
        if base:
            self.add("TensorFlow runtime", RUNTIME_BYTES)
            if model is not None:
                key = model_key(model)
                params = family_of(model).parameters
                self.add(f"{key} weights", params * FLOAT * WEIGHT_COPIES)

    def add(self, label, nbytes):
        self.parts.append((label, float(max(0.0, nbytes))))
        return self

    @property
    def total(self):
        return sum(b for _, b in self.parts)

    def describe(self, top=3):
        parts = sorted(self.parts, key=lambda p: -p[1])[:top]
        return ", ".join(f"{label} {format_bytes(b)}" for label, b in parts)

    def check(self, what, hint="use smaller sizes"):
        """UserError if the total is above the memory budget (no check if unknown)."""
        budget, source = memory_budget()
        if budget is None or self.total <= budget:
            return self.total
        raise UserError(f"{what} would need about {format_bytes(self.total)} of memory "
                        f"({self.describe()}), more than {source} ({format_bytes(budget)}); "
                        f"{hint}, or set --max_memory_gb / {ENV_MEMORY_GB} if you know better")
