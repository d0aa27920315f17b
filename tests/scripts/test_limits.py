"""Issue 11: bounded inputs. Decompression-bomb images, oversized meshes, sizes beyond the
machine's memory, non-finite / out-of-range float flags and unwritable outputs all fail
before any work with exactly one `error: ...` line and exit status 2."""
import io
import os
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from lucid_repro import limits
from lucid_repro.errors import UserError
from script_checks import run_script

# the budgets' defaults, whatever this shell sets
ENV = {"LUCID_REPRO_MAX_IMAGE_PIXELS": None, "LUCID_REPRO_MAX_MESH_FACES": None, "LUCID_REPRO_MAX_MEMORY_GB": None}
FAST = 90   # seconds: TensorFlow's import is most of it; the checks come before any work


def _run(script, args, cwd, env=None):
    # with checkpoints on (the default): the checkpoint folder only appears at the first save,
    # so a refused run must leave nothing behind
    progress = [] if script == "toy_basin" else ["--noprogress"]
    start = time.time()
    r = run_script(script, progress + args, cwd, env=dict(ENV, **(env or {})))
    r.seconds = time.time() - start
    return r


def _assert_one_line_error(r, *needles):
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert r.seconds < FAST, r.seconds
    return lines[0]


def png_claiming(path, width, height):
    """A tiny valid PNG whose IHDR says width x height (a decompression bomb's header)."""
    buf = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    with open(path, "wb") as fh:
        fh.write(bytes(data))
    return str(path)


def write_grid_obj(path, n):
    """An n x n vertex grid: 2 (n - 1)^2 textured triangles."""
    with open(path, "w") as fh:
        for i in range(n):
            for j in range(n):
                fh.write(f"v {i / n} {j / n} 0\nvt {i / n} {j / n}\n")
        for i in range(n - 1):
            for j in range(n - 1):
                a = i * n + j + 1
                b, c, d = a + 1, a + n, a + n + 1
                fh.write(f"f {a}/{a} {b}/{b} {d}/{d}\nf {a}/{a} {d}/{d} {c}/{c}\n")
    return str(path)


@pytest.fixture(autouse=True)
def _fresh_limits():
    limits.reset()
    yield
    limits.reset()


# ----------------------------------------------------------------------------- images

@pytest.mark.parametrize("script,flag", [
    ("style_transfer", "--content"),
    ("style_transfer_3d", "--style"),
    ("deepdream", "--image"),
    ("adversarial", "--target"),
])
def test_decompression_bomb_png_fails_fast(tmp_path, script, flag):
    bomb = png_claiming(tmp_path / "bomb.png", 50000, 50000)
    r = _run(script, [f"{flag}={bomb}", f"--output={tmp_path / 'out.png'}"]
             if script != "style_transfer_3d" else [f"{flag}={bomb}", f"--output_dir={tmp_path / 'out'}"],
             tmp_path)
    _assert_one_line_error(r, "50000x50000", "2500.0 megapixels", "--max_image_pixels")
    assert sorted(os.listdir(tmp_path)) == ["bomb.png"]


def test_decompression_bomb_obj_texture(tmp_path):
    obj = write_grid_obj(tmp_path / "grid.obj", 4)
    png_claiming(tmp_path / "grid.png", 50000, 50000)     # the OBJ's texture (same stem)
    r = _run("style_transfer_3d", [f"--mesh={obj}", f"--output_dir={tmp_path / 'out'}"], tmp_path)
    _assert_one_line_error(r, "grid.png is 50000x50000")
    assert sorted(os.listdir(tmp_path)) == ["grid.obj", "grid.png"]


def test_pixel_budget_flag_and_env(tmp_path):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 48)).save(photo)
    r = _run("deepdream", [f"--image={photo}", "--max_image_pixels=1000"], tmp_path)
    _assert_one_line_error(r, "64x48", "--max_image_pixels")
    r = _run("deepdream", [f"--image={photo}"], tmp_path, env={"LUCID_REPRO_MAX_IMAGE_PIXELS": "1000"})
    _assert_one_line_error(r, "64x48")
    r = _run("deepdream", [f"--image={photo}", "--max_image_pixels=nan"], tmp_path)
    _assert_one_line_error(r, "--max_image_pixels")


def test_load_image_header_check_and_pillow_bomb_guard(tmp_path, monkeypatch):
    from lucid_repro.images import load_image
    bomb = png_claiming(tmp_path / "bomb.png", 50000, 50000)
    start = time.time()
    with pytest.raises(UserError, match="50000x50000"):
        load_image(bomb)
    assert time.time() - start < 5
    # Pillow's own DecompressionBombWarning/Error (set to the same budget) is the backstop
    photo = tmp_path / "photo.png"
    Image.new("RGB", (100, 100)).save(photo)
    limits.configure(max_image_pixels=4000)
    monkeypatch.setattr(limits, "check_image_file", lambda path: None)
    monkeypatch.setattr(limits, "check_image_size", lambda path, w, h: None)
    for pixels in (4000, 2000):      # 10 000 pixels: Pillow's warning (> budget), error (> 2x)
        limits.configure(max_image_pixels=pixels)
        with pytest.raises(UserError, match="too large to decode"):
            load_image(str(photo))
    limits.configure(max_image_pixels=10_000)
    assert load_image(str(photo)).shape == (100, 100, 3)
    assert Image.MAX_IMAGE_PIXELS not in (4000, 2000, None)   # Pillow's global is restored


# ----------------------------------------------------------------------------- meshes

def test_oversized_obj_fails_while_parsing(tmp_path):
    obj = write_grid_obj(tmp_path / "grid.obj", 12)          # 242 triangles
    r = _run("feature_vis_3d", [f"--mesh={obj}", f"--output_dir={tmp_path / 'out'}",
                                "--max_mesh_faces=100"], tmp_path)
    _assert_one_line_error(r, "has more than the budget of 100 triangles", "--max_mesh_faces")
    r = _run("style_transfer_3d", [f"--mesh={obj}", f"--output_dir={tmp_path / 'out'}"], tmp_path,
             env={"LUCID_REPRO_MAX_MESH_FACES": "100"})
    _assert_one_line_error(r, "triangles", "LUCID_REPRO_MAX_MESH_FACES")
    assert not (tmp_path / "out").exists()


def test_mesh_budgets_in_process(tmp_path):
    from lucid_repro.gl import load_mesh
    obj = write_grid_obj(tmp_path / "grid.obj", 12)
    assert load_mesh(obj).num_faces == 242
    limits.configure(max_mesh_faces=10)          # 30 vertices: the 31st v line stops the parse
    with pytest.raises(UserError, match="more than the budget of 30 vertices"):
        load_mesh(obj)
    limits.configure(max_mesh_faces=20000)        # the packaged bunny: 69451 triangles, 36425 vertices
    with pytest.raises(UserError, match="bunny has 69,451 triangles, above the budget of 20,000"):
        load_mesh("bunny")
    big = tmp_path / "big.obj"                    # larger than any 1-triangle OBJ can be
    big.write_text("# padding\n" * 120_000)
    limits.configure(max_mesh_faces=1)
    with pytest.raises(UserError, match=r"big.obj is 1.2 MB, more than an OBJ of at most 1 triangles"):
        load_mesh(str(big))


# ----------------------------------------------------------------------------- memory

@pytest.mark.parametrize("script,args,needle", [
    ("feature_vis", ["--size=60000"], "--size=60000"),
    ("style_transfer", ["--size=60000"], "--size=60000"),
    ("feature_vis_3d", ["--texture_size=100000"], "--texture_size=100000"),
    ("cppn", ["--render_size=100000"], "--render_size=100000"),
    ("toy_basin", ["--trials=1000000000000"], "--trials=1000000000000"),
])
def test_sizes_beyond_memory_fail_before_allocating(tmp_path, script, args, needle):
    out = [f"--output_dir={tmp_path / 'out'}"] if script.endswith("_3d") else \
        [] if script == "toy_basin" else [f"--output={tmp_path / 'out.png'}"]
    r = _run(script, args + out, tmp_path)
    _assert_one_line_error(r, needle, "of memory", "--max_memory_gb")
    assert os.listdir(tmp_path) == []


def test_memory_budget_flag(tmp_path):
    r = _run("feature_vis", ["--size=64", "--max_memory_gb=0.1", f"--output={tmp_path / 'x.png'}"], tmp_path)
    _assert_one_line_error(r, "--size=64", "the memory budget (100.0 MB)")


def test_memory_estimate_pieces(monkeypatch):
    assert limits.available_memory() is None or limits.available_memory() > 0
    est = limits.MemoryEstimate("vgg19")
    est.add("network activations", limits.network_bytes("vgg19", 512, 512, transforms=True))
    # VGG19 at 512 px with Lucid's transforms: ((512 + 24) * 1.1)^2 pixels x 625.5 floats x 4 B x 0.6
    assert 0.5e9 < limits.network_bytes("vgg19", 512, 512, transforms=True) < 0.55e9
    assert limits.network_bytes("inception_v1", 512, 512) < limits.network_bytes("vgg19", 512, 512)
    limits.configure(max_memory_gb=1000)
    assert est.check("x") == est.total
    limits.configure(max_memory_gb=0.5)
    with pytest.raises(UserError, match=r"^--size=1 would need about 1.\d GB of memory"):
        est.check("--size=1")
    limits.reset()
    monkeypatch.setenv("LUCID_REPRO_MAX_MEMORY_GB", "inf")
    with pytest.raises(UserError, match="LUCID_REPRO_MAX_MEMORY_GB must be a finite positive number"):
        est.check("x")


# ----------------------------------------------------------------------------- float flags

@pytest.mark.parametrize("script,args,message", [
    ("feature_vis", ["--lr=nan"], "--lr must be a finite number, got nan"),
    ("feature_vis", ["--lr=inf"], "--lr must be a finite number, got inf"),
    ("style_transfer", ["--lr=inf"], "--lr must be finite, got inf"),
    ("style_transfer_3d", ["--style_decay=1.5"], "--style_decay must be in [0, 1), got 1.5"),
    ("style_transfer_3d", ["--style_decay=nan"], "--style_decay must be a finite number, got nan"),
    ("style_transfer", ["--content_weight=-1"], "--content_weight must be >= 0, got -1"),
    ("style_transfer", ["--style_weight=inf"], "--style_weight must be a finite number, got inf"),
    ("deepdream", ["--octave_scale=inf"], "--octave_scale must be a finite number, got inf"),
    ("class_vis", ["--class=1", "--l2_reg=nan"], "--l2_reg must be a finite number, got nan"),
    ("adversarial", ["--target=1", "--epsilon=300"], "--epsilon must be in (0, 255], got 300"),
    ("aligned_interpolation", ["--alignment=-inf"], "--alignment must be a finite number"),
    ("toy_basin", ["--sd=nan"], "--sd must be positive, got nan"),
    ("feature_vis", ["--max_memory_gb=-1"], "flag --max_memory_gb=-1.0: must be a finite positive number"),
])
def test_float_flags_reject_non_finite_and_out_of_range(tmp_path, script, args, message):
    r = _run(script, args, tmp_path)
    _assert_one_line_error(r, message)
    assert os.listdir(tmp_path) == []


def test_finite_helper():
    from lucid_repro.scripts.common import finite
    assert finite("x", 0.5, low=0, high=1, high_open=True) == 0.5
    assert finite("x", None, optional=True) is None
    for value, kwargs, match in [
            (float("nan"), {}, "finite"), (1.0, dict(low=0, high=1, high_open=True), r"in \[0, 1\)"),
            (0.0, dict(low=0, low_open=True), "> 0"), (2.0, dict(high=1), "<= 1"), (None, {}, "required")]:
        with pytest.raises(UserError, match=match):
            finite("x", value, **kwargs)


# ----------------------------------------------------------------------------- outputs

def test_output_that_is_a_directory(tmp_path):
    (tmp_path / "out").mkdir()
    r = _run("feature_vis", [f"--output={tmp_path / 'out'}"], tmp_path)
    _assert_one_line_error(r, "is a directory")
    (tmp_path / "st.json").mkdir()       # a file written next to --output
    r = _run("style_transfer", [f"--output={tmp_path / 'st.png'}", "--steps=1"], tmp_path)
    _assert_one_line_error(r, "st.json (written next to --output) is a directory")
    assert sorted(os.listdir(tmp_path)) == ["out", "st.json"]


def test_output_under_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    r = _run("feature_vis", [f"--output={tmp_path / 'afile' / 'x.png'}"], tmp_path)
    _assert_one_line_error(r, "afile")
    r = _run("feature_vis_3d", [f"--output_dir={tmp_path / 'afile' / 'out'}"], tmp_path)
    _assert_one_line_error(r, "afile")
    r = _run("feature_vis_3d", [f"--output_dir={tmp_path / 'afile'}"], tmp_path)
    _assert_one_line_error(r, "afile")
    assert os.listdir(tmp_path) == ["afile"]


def test_output_helpers(tmp_path):
    from lucid_repro.scripts.common import check_output_dir, check_writable_output
    (tmp_path / "afile").write_text("x")
    assert check_writable_output(str(tmp_path / "new" / "deeper" / "x.png"))
    assert check_output_dir(str(tmp_path / "new" / "dir"))
    assert not (tmp_path / "new").exists()        # checked, nothing created
    for bad in (str(tmp_path), str(tmp_path / "afile" / "x.png"), ""):
        with pytest.raises(UserError):
            check_writable_output(bad)
    for bad in (str(tmp_path / "afile"), str(tmp_path / "afile" / "sub")):
        with pytest.raises(UserError):
            check_output_dir(bad)
    if os.geteuid() != 0:                          # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(UserError, match="no permission"):
                check_writable_output(str(ro / "x.png"))
        finally:
            ro.chmod(0o700)


def test_cppn_weights_zip_bomb(tmp_path):
    import zipfile
    from lucid_repro.optvis.param.cppn import MAX_WEIGHT_FILE_BYTES, load_weights
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("w_0.npy", "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(MAX_WEIGHT_FILE_BYTES // len(chunk) + 1):
                fh.write(chunk)
    assert os.path.getsize(path) < 1_000_000
    with pytest.raises(UserError, match="unpacks to"):
        load_weights(str(path))
    np.savez(tmp_path / "ok.npz", w_0=np.zeros((2, 3), np.float32))
    with pytest.raises(UserError, match="does not hold CPPN weights"):
        load_weights(str(tmp_path / "ok.npz"))
