"""train_fast_style and fast_style as a user runs them (issue 27): a two-style network
trained on a folder of photos (the one happy path: flags, collection, previews, JSON,
.keras), then fast_style refusing a style weight list of the wrong length for it (one
`error:` line, exit 2, nothing written). Stylizing, blending, reloading, a corrupt model
file and resuming are tested in-process (tests/recipes/test_fast_style.py); an empty
folder is the collection's refusal (tests/test_collection.py). Two processes: each pays
the TensorFlow import."""
import json
import shutil

from script_checks import assert_refused, run_script


def test_train_two_styles_then_refuse_wrong_weights(tmp_path, package_data):
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
    assert (tmp_path / "two.keras").stat().st_size > 0
    r = run_script("fast_style", ["--model_file=two.keras", "--style_weights=1,2,3", "--output=bad.png"], tmp_path)
    assert_refused(r, "holds 2 style", tmp_path, tmp_path / "bad.png")
