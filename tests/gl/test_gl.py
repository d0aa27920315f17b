"""Tests for lucid_repro.gl: mesh I/O, EGL UV rendering, differentiable sampling.

The renderer needs a headless EGL OpenGL context (Debian: libegl1, libegl-mesa0,
libgl1-mesa-dri). These tests fail, not skip, when it is missing.
"""
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import UserError
from lucid_repro.gl import (Camera, Mesh, UVRenderer, load_mesh, look_at, mesh_texture,
                            normalize_mesh, orbit_view, perspective, sample_view, save_obj)
from lucid_repro.gl import render as render_mod
from lucid_repro.gl.mesh import PACKAGED_MESH_DIR
from lucid_repro.gl.sampler import sample_texture

SIZE = 96


@pytest.fixture(scope="module")
def renderer(bunny):
    r = UVRenderer(SIZE, SIZE)
    r.set_mesh(bunny)
    yield r
    r.close()


def _write_buffers(directory, positions, uvs, faces):
    os.makedirs(directory, exist_ok=True)
    np.asarray(positions, "<f4").tofile(os.path.join(directory, "position.3d"))
    np.asarray(uvs, "<f4").tofile(os.path.join(directory, "uv.3d"))
    np.asarray(faces, "<u4").tofile(os.path.join(directory, "face.3d"))
    return str(directory)


def _one_line(excinfo):
    msg = str(excinfo.value)
    assert msg and "\n" not in msg, repr(msg)
    return msg


# ----------------------------------------------------------------------------- mesh loading

def test_packaged_bunny_loads(bunny):
    assert bunny.positions.shape == (36425, 3) and bunny.positions.dtype == np.float32
    assert bunny.uvs.shape == (36425, 2) and bunny.uvs.dtype == np.float32
    assert bunny.faces.shape == (69451, 3) and bunny.faces.dtype == np.uint32
    assert bunny.uvs.min() >= 0.0 and bunny.uvs.max() <= 1.0
    # the article's buffers are already normalized the Lucid way
    assert np.allclose(bunny.center(), 0.0, atol=1e-5)
    assert np.isclose(np.abs(bunny.positions).max(), 1.0)
    tex = mesh_texture("bunny")
    assert tex.shape == (1024, 1024, 3) and tex.dtype == np.float32
    assert 0.0 <= tex.min() and tex.max() <= 1.0
    assert bunny.texture_path and bunny.texture_path.endswith("tex.jpg")


def test_load_mesh_from_directory_equals_packaged(bunny):
    d = load_mesh(os.path.join(PACKAGED_MESH_DIR, "bunny"))
    np.testing.assert_array_equal(d.positions, bunny.positions)
    np.testing.assert_array_equal(d.faces, bunny.faces)


def test_normalize_mesh_cube_and_sphere(bunny):
    moved = Mesh(bunny.positions * 3.0 + np.float32([5, -2, 1]), bunny.uvs, bunny.faces)
    cube = normalize_mesh(moved)
    np.testing.assert_allclose(cube.positions, bunny.positions, atol=1e-5)
    sphere = normalize_mesh(moved, mode="sphere")
    assert np.isclose(np.linalg.norm(sphere.positions, axis=1).max(), 1.0, atol=1e-5)
    assert np.allclose(sphere.center(), 0.0, atol=1e-5)


def test_obj_export_roundtrip(tmp_path, bunny):
    obj = save_obj(tmp_path / "out" / "bunny", bunny)
    assert obj.endswith("bunny.obj") and (tmp_path / "out" / "bunny.mtl").is_file()
    assert not [f for f in os.listdir(tmp_path / "out") if f.startswith(".tmp")]
    back = load_mesh(obj)
    np.testing.assert_array_equal(back.positions, bunny.positions)
    np.testing.assert_array_equal(back.uvs, bunny.uvs)
    np.testing.assert_array_equal(back.faces, bunny.faces)


def test_obj_export_to_directory_with_texture(tmp_path):
    tri = Mesh(np.float32([[0, 0, 0], [1, 0, 0], [0, 1, 0]]), np.float32([[0, 0], [1, 0], [0, 1]]),
               np.int32([[0, 1, 2]]))
    tex = np.random.default_rng(0).uniform(size=(16, 16, 3)).astype(np.float32)
    (tmp_path / "dir").mkdir()
    obj = save_obj(tmp_path / "dir", tri, tex)
    assert sorted(os.listdir(tmp_path / "dir")) == ["mesh.mtl", "mesh.obj", "mesh.png"]
    again = load_mesh(tmp_path / "dir")
    np.testing.assert_array_equal(again.positions, tri.positions)
    np.testing.assert_array_equal(again.faces, tri.faces)
    for spec in (obj, again):                       # texture comes back via the MTL's map_Kd
        back_tex = mesh_texture(spec)
        assert back_tex.shape == (16, 16, 3)
        assert np.abs(back_tex - tex).max() <= 1.0 / 255 + 1e-6


def _corners(mesh):
    """Per face corner (position, uv): invariant under vertex splitting/reordering."""
    f = mesh.faces.astype(np.int64).reshape(-1)
    return np.concatenate([mesh.positions[f], mesh.uvs[f]], axis=1)


def test_obj_vertex_splitting_polygons_and_vn(tmp_path):
    # a unit square as one quad; position and uv indices differ, with normals,
    # one relative (negative) index; plus a triangle in `v/vt` form
    text = """# test
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0
vt 0.5 0.5
vt 0 0
vt 1 0
vt 1 1
vt 0 1
vn 0 0 1
f 1/2/1 2/3/1 3/4/1 -1/5/1
f 1/1 2/1 3/1
"""
    p = tmp_path / "quad.obj"
    p.write_text(text)
    m = load_mesh(p)
    assert m.faces.shape == (3, 3)           # quad -> 2 triangles, + 1 triangle
    assert m.num_vertices == 7               # 4 corner (v, vt) pairs + 3 with vt=1
    corners = _corners(m)
    expected = np.float32([
        [0, 0, 0, 0, 0], [1, 0, 0, 1, 0], [1, 1, 0, 1, 1],
        [0, 0, 0, 0, 0], [1, 1, 0, 1, 1], [0, 1, 0, 0, 1],
        [0, 0, 0, .5, .5], [1, 0, 0, .5, .5], [1, 1, 0, .5, .5]])
    np.testing.assert_array_equal(corners, expected)
    # exporting the split mesh and loading it back preserves every corner
    back = load_mesh(save_obj(tmp_path / "again.obj", m))
    np.testing.assert_array_equal(_corners(back), expected)


# ----------------------------------------------------------------------------- corrupt input

@pytest.fixture()
def bunny_copy(tmp_path):
    d = tmp_path / "bunny"
    shutil.copytree(os.path.join(PACKAGED_MESH_DIR, "bunny"), d)
    return d


def test_truncated_buffers(bunny_copy):
    for name in ("position.3d", "uv.3d", "face.3d"):
        d = bunny_copy.parent / f"trunc_{name}"
        shutil.copytree(bunny_copy, d)
        data = (d / name).read_bytes()
        (d / name).write_bytes(data[:-2])
        with pytest.raises(UserError) as e:
            load_mesh(d)
        assert name in _one_line(e) and "truncated" in str(e.value)


def test_truncated_by_whole_records_is_a_vertex_count_mismatch(bunny_copy):
    data = (bunny_copy / "uv.3d").read_bytes()
    (bunny_copy / "uv.3d").write_bytes(data[:-8])
    with pytest.raises(UserError) as e:
        load_mesh(bunny_copy)
    assert "uvs" in _one_line(e)


def test_nan_positions(tmp_path, bunny):
    pos = bunny.positions.copy()
    pos[123, 1] = np.nan
    d = _write_buffers(tmp_path / "nan", pos, bunny.uvs, bunny.faces)
    with pytest.raises(UserError) as e:
        load_mesh(d)
    assert "123" in _one_line(e) and "finite" in str(e.value)
    pos[123, 1] = np.inf
    with pytest.raises(UserError):
        load_mesh(Mesh(pos, bunny.uvs, bunny.faces))


def test_out_of_range_indices(tmp_path, bunny):
    faces = bunny.faces.copy()
    faces[7, 2] = bunny.num_vertices
    d = _write_buffers(tmp_path / "oor", bunny.positions, bunny.uvs, faces)
    with pytest.raises(UserError) as e:
        load_mesh(d)
    assert "out of range" in _one_line(e)
    with pytest.raises(UserError):
        load_mesh(Mesh(bunny.positions, bunny.uvs, np.int32([[0, 1, -1]])))


def test_missing_uvs_and_files(bunny_copy, tmp_path):
    os.remove(bunny_copy / "uv.3d")
    with pytest.raises(UserError) as e:
        load_mesh(bunny_copy)
    assert "uv.3d" in _one_line(e)
    with pytest.raises(UserError) as e:
        load_mesh(tmp_path / "does-not-exist")
    assert "not found" in _one_line(e)
    with pytest.raises(UserError) as e:
        load_mesh("no_such_packaged_mesh")
    assert "bunny" in _one_line(e)          # lists the packaged meshes
    with pytest.raises(UserError):
        load_mesh(tmp_path / "missing.obj")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError):
        load_mesh(tmp_path / "empty")
    with pytest.raises(UserError):
        load_mesh(Mesh(np.zeros((3, 3), np.float32), None, np.uint32([[0, 1, 2]])))


def test_obj_errors(tmp_path):
    cases = {
        "novt.obj": ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", "no texture coordinates"),
        "novt2.obj": ("v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1\n", "no texture coordinates"),
        "oor.obj": ("v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 4/1\n", "out of range"),
        "badnum.obj": ("v 0 0 x\nvt 0 0\n", "bad vertex"),
        "nofaces.obj": ("v 0 0 0\nvt 0 0\n", "no faces"),
        "nanpos.obj": ("v 0 0 nan\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/1 3/1\n", "finite"),
    }
    for name, (text, needle) in cases.items():
        p = tmp_path / name
        p.write_text(text)
        with pytest.raises(UserError) as e:
            load_mesh(p)
        assert needle in _one_line(e), (name, str(e.value))


# ----------------------------------------------------------------------------- cameras

def test_perspective_and_look_at_conventions():
    eye = np.array([3.0, 4.0, 12.0])
    v = look_at(eye, (0, 0, 0))
    np.testing.assert_allclose(v @ np.append(eye, 1), [0, 0, 0, 1], atol=1e-5)
    target_cam = v @ np.array([0, 0, 0, 1.0])
    assert np.allclose(target_cam[:2], 0, atol=1e-5) and target_cam[2] < 0   # looks down -z
    p = perspective(10.0, 1.0, 0.01, 100.0)
    # a point at the top edge of the field of view lands on NDC y = 1
    d = 12.0
    top = np.array([0, d * np.tan(np.radians(5.0)), -d, 1.0])
    clip = p @ top
    assert np.isclose(clip[1] / clip[3], 1.0, atol=1e-5)
    for z in (-0.01, -100.0):                                        # near -> -1, far -> +1
        c = p @ np.array([0, 0, z, 1.0])
        assert np.isclose(c[2] / c[3], -1.0 if z == -0.01 else 1.0, atol=1e-4)
    # degenerate up vector does not produce NaNs
    assert np.isfinite(look_at((0, 10, 0), (0, 0, 0))).all()
    with pytest.raises(UserError):
        perspective(0.0, 1.0)


def test_sample_view_like_lucid(bunny):
    rng = np.random.default_rng(0)
    cams = [sample_view(rng, target=bunny.center()) for _ in range(200)]
    d = np.array([c.distance for c in cams])
    assert d.min() >= 11.0 and d.max() <= 13.0
    assert cams[0].fovy == 10.0
    dirs = np.array([np.asarray(c.eye) / c.distance for c in cams])
    assert np.abs(dirs.mean(axis=0)).max() < 0.2                      # spread over the sphere
    assert np.allclose(sample_view(5).eye, sample_view(5).eye)          # seeded -> reproducible
    c = sample_view(0, 10.0, 12.0)
    assert 10.0 <= c.distance <= 12.0
    assert np.isclose(sample_view(0, 4.0, None).distance, 4.0)
    o = orbit_view(0.0, 0.0, 12.0)
    np.testing.assert_allclose(o.eye, [0, 0, 12], atol=1e-9)
    np.testing.assert_allclose(orbit_view(90.0, 0.0, 12.0).eye, [12, 0, 0], atol=1e-9)


# ----------------------------------------------------------------------------- rendering

def test_render_bunny_uv_map(renderer):
    uvm = renderer.uv_map(orbit_view(0.0, 0.0, 12.0))
    assert uvm.shape == (SIZE, SIZE, 3) and uvm.dtype == np.float32
    mask = uvm[..., 2]
    assert set(np.unique(mask)) <= {0.0, 1.0}
    coverage = mask.mean()
    assert 0.1 < coverage < 0.9, coverage
    on = mask == 1.0
    assert uvm[..., :2][on].min() >= 0.0 and uvm[..., :2][on].max() <= 1.0
    assert np.all(uvm[~on] == 0.0)
    # the ears are on top: the top rows hold less of the bunny than the middle
    rows = mask.mean(axis=1)
    assert rows[: SIZE // 8].mean() < rows[SIZE // 3: 2 * SIZE // 3].mean()
    # reused context/framebuffer: same view -> identical map
    pid = renderer.pid
    again = renderer.uv_map(orbit_view(0.0, 0.0, 12.0))
    assert renderer.pid == pid            # same OpenGL process, context and framebuffer
    np.testing.assert_array_equal(again, uvm)


def test_two_views_differ(renderer):
    a = renderer.uv_map(orbit_view(0.0))
    b = renderer.uv_map(orbit_view(90.0))
    c = renderer.uv_map(sample_view(1))
    assert np.abs(a - b).mean() > 0.02
    assert np.abs(a - c).mean() > 0.02
    m = renderer.uv_map(renderer.view_proj(orbit_view(90.0)))    # matrix form == camera form
    np.testing.assert_array_equal(m, b)


def test_orientation_with_identity_view_proj():
    """A quad covering clip space with uv = ((x+1)/2, (y+1)/2), drawn with the
    identity matrix: u grows left->right, v grows bottom->top (row 0 is the top),
    and sampling a texture at pixel centres reproduces the texture exactly."""
    quad = Mesh(np.float32([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]]),
                np.float32([[0, 0], [1, 0], [1, 1], [0, 1]]),
                np.uint32([[0, 1, 2], [0, 2, 3]]))
    with UVRenderer(8, 6) as r:
        r.set_mesh(quad)
        uvm = r.uv_map(np.eye(4))
    assert uvm.shape == (6, 8, 3) and np.all(uvm[..., 2] == 1.0)
    np.testing.assert_allclose(uvm[0, :, 0], (np.arange(8) + 0.5) / 8, atol=1e-5)
    np.testing.assert_allclose(uvm[:, 0, 1], 1.0 - (np.arange(6) + 0.5) / 6, atol=1e-5)
    tex = np.random.default_rng(0).uniform(size=(6, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(sample_texture(tex, uvm).numpy(), tex, atol=1e-4)


def test_textured_render_changes_only_masked_pixels(renderer):
    uvm = renderer.uv_map(orbit_view(30.0, 10.0))
    tex = mesh_texture("bunny", size=128)
    a = sample_texture(tex, uvm, background=0.5).numpy()
    b = sample_texture(tex[::-1, ::-1].copy(), uvm, background=0.5).numpy()
    on = uvm[..., 2] == 1.0
    assert np.all(a[~on] == 0.5) and np.all(b[~on] == 0.5)
    assert np.abs(a[on] - b[on]).mean() > 0.05
    # per-channel background colour and a full background image
    colour = sample_texture(tex, uvm, background=[1.0, 0.0, 0.0]).numpy()
    assert np.all(colour[~on] == [1.0, 0.0, 0.0])
    bg = np.random.default_rng(1).uniform(size=uvm.shape).astype(np.float32)
    img = sample_texture(tex, uvm, background=bg).numpy()
    np.testing.assert_array_equal(img[~on], bg[~on])
    np.testing.assert_allclose(img[on], a[on], atol=1e-6)


def test_egl_failure_is_a_one_line_user_error(monkeypatch):
    import moderngl

    def broken(*args, **kwargs):
        raise Exception("eglGetDisplay failed\nsecond line")

    # the function the OpenGL process calls (only importing moderngl here; no context is made)
    monkeypatch.setattr(moderngl, "create_context", broken)
    with pytest.raises(UserError) as e:
        render_mod.create_egl_context()
    msg = _one_line(e)
    assert "libegl1" in msg and "libegl-mesa0" in msg and "libgl1-mesa-dri" in msg
    # end to end: the OpenGL process inherits the environment; with no EGL vendor
    # library glvnd finds no device, and the child's error comes back as a UserError
    monkeypatch.setenv("__EGL_VENDOR_LIBRARY_FILENAMES", "/nonexistent/egl_vendor.json")
    with pytest.raises(UserError) as e:
        UVRenderer(8)
    msg = _one_line(e)
    assert "cannot create a headless OpenGL (EGL) context" in msg and "libgl1-mesa-dri" in msg


def test_opengl_process_without_tensorflow_and_its_errors(bunny):
    """The GL pass runs in a child that never imports TensorFlow (two LLVMs in one
    process crash llvmpipe); its failures come back as one-line UserErrors."""
    import subprocess
    import sys
    code = ("import sys, lucid_repro.gl.uv_server, moderngl; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    with pytest.raises(UserError) as e:
        UVRenderer(100000, 8)
    assert "exceeds the OpenGL limit" in _one_line(e)
    r = UVRenderer(16)
    assert "GL_RENDERER" in r.info and r.info["GL_MAX_RENDERBUFFER_SIZE"] >= 16
    r.set_mesh(bunny)
    assert r.uv_map().shape == (16, 16, 3)
    r._proc.kill()                                  # the child dies: a clear error, then closed
    r._proc.wait()
    with pytest.raises(UserError) as e:
        r.uv_map()
    assert "OpenGL process" in _one_line(e) and "died" in str(e.value)
    with pytest.raises(RuntimeError, match="closed"):
        r.uv_map()
    r.close()
    # close() ends and reaps the child
    with UVRenderer(8) as r2:
        proc = r2._proc
    assert proc.returncode is not None
    with pytest.raises(RuntimeError, match="UVRenderer is closed"):
        r2.set_mesh(bunny)


def test_renderer_errors():
    with pytest.raises(UserError):
        UVRenderer(0, 10)
    with UVRenderer(8) as r:
        with pytest.raises(UserError):
            r.uv_map(Camera(eye=(0, 0, 5)))          # no mesh yet
        r.set_mesh("bunny")
        with pytest.raises(UserError):
            r.uv_map(np.eye(3))


# ----------------------------------------------------------------------------- sampler

def _numpy_bilinear(texture, uvmask):
    """Reference: GL_LINEAR + GL_REPEAT, texture row 0 at v = 1 (loops, float64)."""
    th, tw, c = texture.shape
    h, w, _ = uvmask.shape
    out = np.zeros((h, w, c))
    for i in range(h):
        for j in range(w):
            u, v, m = (float(t) for t in uvmask[i, j])
            x = u * tw - 0.5
            y = (1.0 - v) * th - 0.5
            x0, y0 = int(np.floor(x)), int(np.floor(y))
            ax, ay = x - x0, y - y0
            acc = np.zeros(c)
            for dy, wy in ((0, 1 - ay), (1, ay)):
                for dx, wx in ((0, 1 - ax), (1, ax)):
                    acc += wy * wx * texture[(y0 + dy) % th, (x0 + dx) % tw]
            out[i, j] = acc * m
    return out


def _handcrafted_uvmask(h=5, w=7, seed=0):
    rng = np.random.default_rng(seed)
    uv = rng.uniform(-0.3, 1.3, size=(h, w, 2))         # includes wrapping both ways
    uv[0, 0] = [0.0, 0.0]
    uv[0, 1] = [1.0, 1.0]
    uv[0, 2] = [0.5 / 8, 1 - 0.5 / 8]                    # exactly a texel centre
    mask = (rng.uniform(size=(h, w, 1)) > 0.25).astype(np.float64)
    return np.concatenate([uv, mask], axis=-1).astype(np.float32)


def test_sampler_matches_numpy_reference():
    rng = np.random.default_rng(3)
    tex = rng.uniform(size=(8, 8, 3)).astype(np.float32)
    uvm = _handcrafted_uvmask()
    ours = sample_texture(tex, uvm).numpy()
    np.testing.assert_allclose(ours, _numpy_bilinear(tex, uvm), atol=1e-5)
    # non-square texture, 4 channels
    tex2 = rng.uniform(size=(5, 11, 4)).astype(np.float32)
    np.testing.assert_allclose(sample_texture(tex2, uvm).numpy(), _numpy_bilinear(tex2, uvm), atol=1e-5)
    # GL_REPEAT: shifting uv by whole periods changes nothing
    shifted = uvm.copy()
    shifted[..., 0] += 2.0
    shifted[..., 1] -= 1.0
    np.testing.assert_allclose(sample_texture(tex, shifted).numpy(), ours, atol=1e-4)


def test_sampler_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    tex = rng.uniform(size=(8, 8, 3))                    # float64 for a tight check
    uvm = _handcrafted_uvmask()
    fn = tf.function(lambda t: sample_texture(t, uvm, background=0.25))
    theoretical, numerical = tf.test.compute_gradient(fn, [tf.constant(tex)])
    np.testing.assert_allclose(theoretical[0], numerical[0], atol=1e-6)
    assert np.abs(theoretical[0]).sum() > 0
    # through a tf.Variable in float32, inside tf.function; background gets no texture gradient
    var = tf.Variable(tex.astype(np.float32))

    @tf.function
    def loss_fn(uv):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(sample_texture(var, uv) ** 2)
        return loss, tape.gradient(loss, var)

    loss, grad = loss_fn(tf.constant(uvm))
    assert grad.shape == (8, 8, 3) and np.isfinite(grad.numpy()).all()
    np.testing.assert_allclose(loss.numpy(), (sample_texture(tex, uvm).numpy() ** 2).sum(), rtol=1e-4)
    none_on = uvm.copy()
    none_on[..., 2] = 0.0
    _, g0 = loss_fn(tf.constant(none_on))
    assert np.all(g0.numpy() == 0.0)


def test_sampler_in_tf_function_with_unknown_shapes():
    fn = tf.function(sample_texture, input_signature=[
        tf.TensorSpec([None, None, 3], tf.float32), tf.TensorSpec([None, None, None, 3], tf.float32)])
    tex = np.random.default_rng(5).uniform(size=(8, 6, 3)).astype(np.float32)
    uvm = np.stack([_handcrafted_uvmask(4, 5, 1), _handcrafted_uvmask(4, 5, 2)])   # batch of 2
    out = fn(tf.constant(tex), tf.constant(uvm)).numpy()
    assert out.shape == (2, 4, 5, 3)
    np.testing.assert_allclose(out[1], _numpy_bilinear(tex, uvm[1]), atol=1e-5)
