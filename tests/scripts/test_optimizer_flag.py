"""--optimizer=lbfgs on the scripts of the Gram family, feature inversion and adversarial
images (issue 24): a SIGTERM mid-run and --resume give the PNG of an uninterrupted run,
and every script runs with it."""
import json
import os
import signal
import time

import numpy as np

from script_checks import start_script

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _script(module, args):
    return start_script(module, ["--noprogress"] + args, ROOT, env={"PYTHONPATH": ROOT})


TEXTURE = ["--model=vgg19", "--optimizer=lbfgs", "--param=box", "--size=32", "--steps=40",
           "--layers=relu1_1,pool1,pool2,pool3"]


def test_texture_lbfgs_sigterm_then_resume_gives_the_same_png(tmp_path):
    full, out = tmp_path / "full.png", tmp_path / "cut.png"
    r = _script("texture_synthesis", TEXTURE + [f"--output={full}"])
    _, err = r.communicate(timeout=300)
    assert r.returncode == 0, err
    record = json.loads((tmp_path / "full.json").read_text())
    assert record["optimizer"] == "lbfgs" and record["param"] == "box"

    proc = _script("texture_synthesis", TEXTURE + [f"--output={out}", "--checkpoint_every=1"])
    ckpt = str(out) + ".ckpt"
    deadline = time.time() + 240
    while not os.path.isdir(os.path.join(ckpt, "call-000")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "interrupted: SIGTERM at step" in err and not out.exists()

    resumed = _script("texture_synthesis", TEXTURE + [f"--output={out}", "--resume"])
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert out.read_bytes() == full.read_bytes()


def test_every_script_runs_with_lbfgs(tmp_path):
    runs = {
        "feature_inversion": ["--model=ranvgg19", "--layer=relu3_1", "--size=32", "--steps=4", "--param=box"],
        "style_transfer": ["--model=ranvgg19", "--size=32", "--steps=3", "--param=box"],
        "adversarial": ["--model=vgg19", "--size=32", "--steps=3", "--layer=relu3_1",
                        f"--target={os.path.join(ROOT, 'lucid_repro', 'data', 'content', 'zurich.jpg')}"],
    }
    for module, args in runs.items():
        out = tmp_path / f"{module}.png"
        r = _script(module, args + ["--optimizer=lbfgs", f"--output={out}"])
        _, err = r.communicate(timeout=300)
        assert r.returncode == 0, (module, err)
        assert out.exists()
        js = tmp_path / f"{module}.json"
        if js.exists():
            assert json.loads(js.read_text())["optimizer"] == "lbfgs"


def test_feature_adversary_lbfgs_stays_in_its_box(vgg19):
    from lucid_repro.recipes import adversarial
    rng = np.random.RandomState(0)
    source, guide = rng.uniform(0, 1, (24, 24, 3)).astype(np.float32), rng.uniform(0, 1, (24, 24, 3)).astype(np.float32)
    eps = 10 / 255
    r = adversarial.feature_adversary(vgg19, source, guide, layer="relu3_1", epsilon=eps, steps=8,
                                      progress=False, optimizer="lbfgs")
    assert np.abs(r.image - source).max() <= eps + 1e-6 and r.image.min() >= 0 and r.image.max() <= 1
    assert r.scores["relative_distance"] < 1.0
