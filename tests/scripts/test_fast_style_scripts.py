"""train_fast_style and fast_style as a user runs them: a two-style network trained on a
folder of photos and a photo stylized with blended weights (one happy path per script),
and the bad inputs of issue 27 (no images, a corrupt model file, a style weight list of the
wrong length, checked after the happy path on its network): one `error:` line, exit 2, nothing written."""
import json
import shutil

from script_checks import assert_refused, run_script


def test_train_then_stylize_with_blend(tmp_path, package_data):
    photos = tmp_path / "photos"
    shutil.copytree(f"{package_data}/content", photos)
    r = run_script("train_fast_style", ["--style=starry_night,the_scream", "--norm=conditional_instance",
                                        f"--images={photos}", "--size=16", "--batch_size=2", "--steps=3",
                                        "--filters=4", "--res_blocks=1", "--preview_every=2",
                                        "--style_layers=relu1_1,relu2_1", "--content_layers=relu2_1",
                                        "--nocheckpoint", "--output=two.keras"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    record = json.loads((tmp_path / "two.json").read_text())
    assert record["n_images"] == 2 and record["steps"] == 3 and (tmp_path / "two_previews.png").exists()
    r = run_script("fast_style", ["--model_file=two.keras", "--image=bridge", "--size=40",
                                  "--style_weights=0.3,0.7", "--output=blend.png"], tmp_path)
    assert r.returncode == 0 and (tmp_path / "blend.png").exists(), r.stderr[-2000:]
    r = run_script("fast_style", ["--model_file=two.keras", "--style_weights=1,2,3", "--output=bad.png"], tmp_path)
    assert_refused(r, "holds 2 style", tmp_path, tmp_path / "bad.png")     # the wrong number of weights


def test_bad_inputs_fail_in_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run_script("train_fast_style", ["--images=empty", "--output=x.keras"], tmp_path)
    assert_refused(r, "empty", tmp_path, tmp_path / "x.keras", tmp_path / "x.json")
    (tmp_path / "bad.keras").write_bytes(b"garbage")
    r = run_script("fast_style", ["--model_file=bad.keras", "--output=out.png"], tmp_path)
    assert_refused(r, "cannot read", tmp_path, tmp_path / "out.png")
