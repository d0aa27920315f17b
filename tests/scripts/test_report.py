"""The HTML report (`lucid_repro.report`, `scripts.report`), built from a small
synthetic output folder (tiny PNGs and GIF, JSON records, a textured cube exported to
.glb by the same `save_glb` as the 3D sections), then opened in headless Chromium:
every image loads, no console errors, the 3D viewer draws something and the picture
changes when the camera orbits; the page fits a phone's width."""
import json
import re

import numpy as np
import pytest

from lucid_repro import browser
from lucid_repro.gl.mesh import Mesh
from lucid_repro.images import save_gif, save_image, save_mp4
from lucid_repro.declaration import write_json
from script_checks import run_script

SKIP_REASON = "vgg19 has no classifier head and no InceptionV1 weights are cached"


def textured_cube():
    """A unit cube, 4 vertices per face, each face its own cell of a 3 x 2 UV atlas, and a
    texture with a different colour and stripe pattern per cell."""
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], np.float32)
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    positions, uvs, faces = [], [], []
    for k, quad in enumerate(quads):
        u0, v0 = (k % 3) / 3, (k // 3) / 2
        cell = [(u0 + 0.02, v0 + 0.02), (u0 + 0.31, v0 + 0.02), (u0 + 0.31, v0 + 0.48), (u0 + 0.02, v0 + 0.48)]
        base = len(positions)
        positions += [corners[i] for i in quad]
        uvs += cell
        faces += [(base, base + 1, base + 2), (base, base + 2, base + 3)]
    h, w = 64, 96
    yy, xx = np.mgrid[0:h, 0:w]
    colours = np.array([[1, 0, 0], [0, 0.7, 0], [0, 0, 1], [1, 0.8, 0], [0.8, 0, 0.8], [0, 0.8, 0.8]], np.float32)
    cell = (xx // (w // 3)) + 3 * ((h - 1 - yy) // (h // 2))          # row 0 <-> v = 1
    stripes = ((xx + yy) // 6 % 2)[..., None]
    texture = colours[cell] * (0.55 + 0.45 * stripes)
    return Mesh(np.array(positions, np.float32), np.array(uvs, np.float32),
                np.array(faces, np.uint32), name="cube"), texture.astype(np.float32)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from lucid_repro.gl.gltf import save_glb
    out = tmp_path_factory.mktemp("report")
    rng = np.random.default_rng(0)

    def img(rel, h=24, w=32):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return save_image(path, rng.random((h, w, 3)).astype(np.float32))

    img("aligned_interpolation/aligned_interpolation.png", 48, 96)
    save_gif(out / "aligned_interpolation/aligned_interpolation_shared.gif",
             [rng.random((16, 16, 3)) for _ in range(3)], fps=4)
    write_json(out / "aligned_interpolation/aligned_interpolation_shared.json", {"ssim": 0.75, "corr": 0.88})
    img("cppn/cppn.png", 32, 128)
    save_mp4(out / "cppn/cppn_conv4_1_40_training.mp4", [rng.random((32, 32, 3)) for _ in range(4)], fps=4)
    img("toy_basin/toy_basin.png")
    write_json(out / "toy_basin/toy_basin.json",
               {"independent": {"aligned": 0.526}, "shared": {"aligned": 0.967}, "trials": 1000})
    img("style_transfer_3d/style_transfer_3d_sheet.png", 32, 128)
    mesh, texture = textured_cube()
    save_glb(out / "style_transfer_3d/style_transfer_3d_original_mesh.glb", mesh, texture)
    save_glb(out / "feature_vis_3d/feature_vis_3d_mesh.glb", mesh, texture[::-1])
    write_json(out / "demo.json", {
        "model": "vgg19", "quick": True, "started": "2026-01-01 00:00:00", "total_seconds": 75.0,
        "sections": {"aligned_interpolation": {"status": "done", "seconds": 42.0, "model": "vgg19"},
                     "toy_basin": {"status": "done", "seconds": 3.0},
                     "style_transfer_3d": {"status": "done", "seconds": 30.0},
                     "class_vis": {"status": "skipped", "seconds": 0.1, "reason": SKIP_REASON}}})
    r = run_script("report", [f"--output_dir={out}"], out, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"report: {out / 'index.html'}"
    return out


def test_page_content_and_offline(folder):
    page = (folder / "index.html").read_text()
    # article sections first, in the article's order, then the classic ones
    keys = re.findall(r'<section class="card" id="([a-z_0-9]+)"', page)
    assert keys[:7] == ["aligned_interpolation", "style_transfer", "cppn", "transparency",
                        "feature_vis_3d", "style_transfer_3d", "viewer3d"]
    assert keys[-1] == "skipped" and "toy_basin" in keys and "class_vis" in keys
    assert SKIP_REASON in page                      # skipped, with the reason
    assert "0.526" in page and "0.967" in page      # numbers from the section's JSON
    assert "42 s" in page                           # the section's run time
    # offline: every script and stylesheet is inline or a relative file that exists
    for src in re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page):
        assert "://" not in src, src
        assert (folder / src).is_file(), src
    for src in re.findall(r'<img[^>]*src="([^"]+)"', page):
        assert (folder / src).is_file(), src
    assert not re.search(r'import\s*\(|type="module"', page)


def test_report_rejects_missing_folder(tmp_path):
    r = run_script("report", [f"--output_dir={tmp_path}/nope"], tmp_path, timeout=120)
    assert r.returncode == 2 and r.stderr.strip().startswith("error:")


needs_chromium = pytest.mark.skipif(browser.find_chromium() is None,
                                    reason="no chromium on PATH (make sysdeps installs Debian's chromium)")
RESULT = "(document.getElementById('selftest-result') || {}).textContent"
LOADED = "Array.from(document.querySelectorAll('model-viewer')).every(m => m.loaded) && 'yes'"


@needs_chromium
def test_report_in_chromium(folder, tmp_path):
    from PIL import Image
    url = (folder / "index.html").as_uri()
    with browser.Browser(width=1280, height=900) as b:
        b.open(url + "?selftest&focus=3d")
        result = json.loads(b.wait_for(RESULT, timeout=240))
        assert result["images"] >= 4 and result["broken"] == [], result
        assert result["videos"] == 1 and result["badVideos"] == [], result
        assert result["errors"] == [] and b.errors() == [], (result["errors"], b.errors())
        assert len(result["viewers"]) == 2, result
        for v in result["viewers"]:
            assert v["loaded"], v
            assert v["std"] > 5, f"viewer canvas is blank: {v}"
            assert v["diff"] > 1, f"viewer did not change when orbiting: {v}"
        # the same from screenshots of the page: two camera azimuths, same scroll position
        shots = []
        for azimuth in (0, 120):
            b.open(url + f"?focus=3d&orbit={azimuth}")
            b.wait_for(LOADED, timeout=240)
            # the first frame can lag the load event on a busy machine (software WebGL):
            # screenshot again, up to a minute, until the viewer shows something
            for _ in range(40):
                b.pump(1.5)
                x, y, w, h = b.evaluate("(r => [r.left, r.top + scrollY, r.width, r.height])"
                                        "(document.querySelector('model-viewer').getBoundingClientRect())")
                shot = np.asarray(Image.open(b.screenshot(tmp_path / f"orbit{azimuth}.png",
                                                          clip=(x, y, w, h))).convert("RGB"), np.float32)
                if shot.std() > 5:
                    break
            shots.append(shot)
            assert b.errors() == []
        for s in shots:
            assert s.std() > 5, "the 3D viewer is blank in the screenshot"
        assert np.abs(shots[0] - shots[1]).mean() > 1, "orbiting the camera did not change the picture"
        # a phone: nothing wider than the screen
        b.call("Emulation.setDeviceMetricsOverride", session=True, width=390, height=844,
               deviceScaleFactor=1, mobile=True)
        b.open(url)
        b.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert b.evaluate("document.documentElement.scrollWidth <= 391 && window.innerWidth <= 391"), \
            b.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_recorded_settings_come_from_the_sections_json(tmp_path):
    from lucid_repro import report
    write_json(str(tmp_path / "cppn" / "a.json"), {"size": 96, "steps": 320, "preset": {"name": "demo"},
                                                  "shared": True, "units": ["conv5_1:3", "conv4_4:7"]})
    write_json(str(tmp_path / "cppn" / "b.json"), {"size": 48, "lr": 0.005})
    text = report._recorded_settings(str(tmp_path), "cppn")
    assert text == "size 96 · steps 320 · units conv5_1:3, conv4_4:7 · preset demo · lr 0.005", text
    assert report._recorded_settings(str(tmp_path), "missing") == ""


def test_param_comparison_card_from_synthetic_json(tmp_path):
    """The parameterization comparison's card (issue 28) renders from a benchmark JSON found
    under <out>/param_comparison/: median [range] per layer and parameterization, ratios to fft."""
    from lucid_repro import param_table
    from lucid_repro.report import _param_comparison_html, write_report
    rows = []
    for unit, scale in enumerate((1.0, 3.0)):
        for kind, obj, rel, slope in (("pixel", 12.0, 1.5, -1.2), ("fft", 10.0, 1.2, -2.0), ("maco", 6.0, 0.9, -2.5)):
            rows.append(dict(model="vgg19", layer="conv4_2", unit=unit, param=kind, objective=obj * scale,
                             step_s=0.1, obj_per_s=obj * scale / 10, rel_top=rel * scale, slope=slope,
                             clipped=0.0, saturation=0.2))
    rows.append(dict(rows[0], unit=2, objective=99.0))      # a run cut short: unit 2 has pixel only
    (tmp_path / "param_comparison").mkdir()
    (tmp_path / "param_comparison" / "run.json").write_text(
        json.dumps({"settings": {"units": 2, "size": 32, "steps": 8, "seed": 0}, "rows": rows}))
    summary = {e["param"]: e for e in param_table.summarize(rows)}
    assert summary["pixel"]["objective_ratio"] == (1.2, 1.2, 1.2) and summary["pixel"]["units"] == 2
    assert summary["maco"]["rel_top"] == (1.8, 0.9, 2.7)
    card = _param_comparison_html(str(tmp_path), committed_dir=None)
    assert 'id="param_comparison"' in card and "run.json" in card and "steps 8" in card
    assert "1.20 [1.20, 1.20]" in card and "0.60 [0.60, 0.60]" in card and "\u22122.50" in card
    assert "| vgg19 | conv4_2 | maco | 2 | 0.60 [0.60, 0.60]" in param_table.markdown(rows)
    page = open(write_report(str(tmp_path)), encoding="utf-8").read()
    assert 'href="#param_comparison"' in page and "1.80 [0.90, 2.70]" in page
    assert _param_comparison_html(str(tmp_path / "empty"), committed_dir=None) == ""
