"""Checkpoint, resume, interruption and numerical faults of the one render loop."""
import os
import signal
import time

import numpy as np
import pytest
import tensorflow as tf

from lucid_repro.errors import Interrupted, NumericalError, UserError
from lucid_repro.optvis import checkpoint, param, render, style
from lucid_repro.optvis import objectives as obj
from script_checks import start_script

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _interrupt_at(k, signum=signal.SIGINT):
    """stop_when hook that delivers a 'signal' to the session at step k, exactly as the
    session's handler would (the handler only sets this field during the loop)."""
    def hook(i, loss, metrics):
        if i == k:
            checkpoint.active().signum = signum
        return False
    return hook


def _run(vgg19, **kw):
    return render.render(vgg19, "conv3_1:5", param_f=lambda: param.image(32), thresholds=(0, 5, 10),
                         seed=3, progress=False, **kw)


def test_interrupt_and_resume_is_bit_identical(vgg19, tmp_path):
    whole = _run(vgg19)
    d = str(tmp_path / "ck")
    with pytest.raises(Interrupted) as e:
        with checkpoint.session(d, every_steps=2, fingerprint={"size": 32}, handle_signals=False):
            _run(vgg19, stop_when=_interrupt_at(7))
    assert e.value.signum == signal.SIGINT and "step 7" in str(e.value)
    assert os.path.isfile(os.path.join(d, checkpoint.LAST_GOOD))
    with checkpoint.session(d, resume=True, fingerprint={"size": 32}, handle_signals=False):
        resumed = _run(vgg19)
    assert resumed.steps == whole.steps == 10 and len(resumed.images) == 3
    for a, b in zip(whole.images, resumed.images):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(whole.losses, resumed.losses)


def test_resume_restores_moving_averages_and_step_inputs(tmp_path):
    # state outside the parameterization: a Gram-style moving average (non-trainable
    # variables in the objective) and a per-step input drawn from the loop's numpy
    # generator (as 3D views are)
    def make():
        avg = style.MovingAverage([1, 4, 4, 3], decay=0.95)
        objective = obj.Objective(lambda T: -tf.reduce_sum((avg(T("input")) - T("input") * 0 - 0.7) ** 2),
                                  ["input"])
        var = tf.Variable(np.zeros((1, 4, 4, 3), np.float32))
        p = param.Param(lambda target: var + 0.0 * target, [var])
        return objective, p

    def run(**kw):
        objective, p = make()
        return render.render(None, objective, param_f=p, transforms=[], thresholds=(12,), seed=0,
                             progress=False, step_inputs=lambda i, rng: {"target": rng.random((1, 4, 4, 3)).astype(np.float32)},
                             **kw)
    whole = run()
    d = str(tmp_path / "ck")
    with pytest.raises(Interrupted):
        with checkpoint.session(d, handle_signals=False):
            run(stop_when=_interrupt_at(5))
    with checkpoint.session(d, resume=True, handle_signals=False):
        resumed = run()
    np.testing.assert_array_equal(whole.images[-1], resumed.images[-1])
    np.testing.assert_array_equal(whole.losses, resumed.losses)


def test_finished_calls_are_restored_not_rerun(vgg19, tmp_path):
    d = str(tmp_path / "ck")
    with checkpoint.session(d, handle_signals=False):
        first = _run(vgg19)
    calls = []
    with checkpoint.session(d, resume=True, handle_signals=False):
        again = _run(vgg19, stop_when=lambda i, loss, m: calls.append(i) or False)
    assert calls == []                       # no step ran
    np.testing.assert_array_equal(first.images[-1], again.images[-1])


def test_checkpoint_of_other_settings_is_refused(vgg19, tmp_path):
    d = str(tmp_path / "ck")
    with checkpoint.session(d, fingerprint={"size": 32, "objective": "conv3_1:5"}, handle_signals=False):
        _run(vgg19)
    with pytest.raises(UserError, match=r"other settings \(objective='conv3_1:5' there, 'conv3_1:6' now\)"):
        with checkpoint.session(d, resume=True, fingerprint={"size": 32, "objective": "conv3_1:6"}):
            pass
    # same fingerprint but another parameterization size: the variables differ
    with pytest.raises(UserError, match="other variables"):
        with checkpoint.session(d, resume=True, fingerprint={"size": 32, "objective": "conv3_1:5"},
                                handle_signals=False):
            render.render(vgg19, "conv3_1:5", param_f=lambda: param.image(40), thresholds=(3,), seed=3,
                          progress=False)
    with pytest.raises(UserError, match="no checkpoint"):
        with checkpoint.session(str(tmp_path / "none"), resume=True):
            pass


def test_non_finite_loss_stops_with_last_good_image(tmp_path):
    var = tf.Variable(np.full((1, 4, 4, 3), 0.5, np.float32))
    bad = obj.Objective(lambda T: tf.reduce_mean(T("input")) * tf.constant(np.nan), ["input"])
    with pytest.raises(NumericalError, match="non-finite at step 1"):
        render.render(None, bad, param_f=param.Param(lambda: var * 1.0, [var]), transforms=[],
                      thresholds=(3,), seed=0, progress=False)
    np.testing.assert_array_equal(var.numpy(), np.full((1, 4, 4, 3), 0.5, np.float32))  # untouched

    # the image is multiplied by a per-step input that turns NaN at step 4
    scaled = param.Param(lambda scale: var * scale, [var])
    seen = []
    d = str(tmp_path / "ck")
    with pytest.raises(NumericalError) as e:
        with checkpoint.session(d, handle_signals=False):
            render.render(None, obj.Objective(lambda T: tf.reduce_mean(T("input")), ["input"]),
                          param_f=scaled, transforms=[], thresholds=(10,), seed=0, progress=False,
                          step_inputs=lambda i, rng: {"scale": np.float32(np.nan if i == 4 else 1.0)},
                          stop_when=lambda i, loss, m: seen.append(var.numpy().copy()) or False)
    assert e.value.step == 4 and "step 3" in str(e.value) and checkpoint.LAST_GOOD in str(e.value)
    assert len(seen) == 3
    np.testing.assert_array_equal(var.numpy(), seen[-1])     # the state after step 3
    np.testing.assert_array_equal(e.value.image, seen[-1])   # and its image (scale 1)
    assert os.path.isfile(os.path.join(d, checkpoint.LAST_GOOD))


def _script(args):
    return start_script("feature_vis", ["--noprogress", "--size=40", "--steps=30", "--objective=conv4_2:17"] + args,
                        ROOT, env={"PYTHONPATH": ROOT})


def test_sigterm_then_resume_gives_the_same_png(tmp_path):
    full, out = tmp_path / "full.png", tmp_path / "cut.png"
    r = _script([f"--output={full}"])
    assert r.wait(timeout=300) == 0, r.stderr_text
    assert not os.path.exists(str(full) + ".ckpt")           # removed after a finished run

    proc = _script([f"--output={out}", "--checkpoint_every=1"])
    ckpt = str(out) + ".ckpt"
    deadline = time.time() + 240
    while not os.path.isdir(os.path.join(ckpt, "call-000")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert proc.returncode == 143, err
    assert len(lines) == 1 and lines[0].startswith("interrupted: SIGTERM at step") and "--resume" in lines[0]
    assert not out.exists() and os.path.isfile(os.path.join(ckpt, checkpoint.LAST_GOOD))
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]

    again = _script([f"--output={out}"])                     # forgot --resume: refused, kept
    _, err = again.communicate(timeout=300)
    assert again.returncode == 2 and "--resume" in err and os.path.isdir(ckpt)
    other = _script([f"--output={out}", "--resume", "--objective=conv4_2:18"])   # the later flag wins
    _, err = other.communicate(timeout=300)
    assert other.returncode == 2 and "objective='conv4_2:17' there, 'conv4_2:18' now" in err

    resumed = _script([f"--output={out}", "--resume"])
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert out.read_bytes() == full.read_bytes()
    assert not os.path.exists(ckpt)


def test_3d_style_transfer_sigint_then_resume_is_identical(tmp_path):
    # Gram moving averages (decay 0.95), one random GL view per step and the texture's
    # Adam state must all come back for the texture to match an uninterrupted run
    args = ["--texture_size=32", "--view_size=32", "--steps=16", "--frames=2", "--spread_views=2",
            "--noprogress"]

    def start(extra):
        return start_script("style_transfer_3d", args + extra, ROOT, env={"PYTHONPATH": ROOT})
    full = start([f"--output_dir={tmp_path / 'full'}"])
    assert full.wait(timeout=300) == 0, full.stderr_text
    cut_dir = tmp_path / "cut"
    cut = start([f"--output_dir={cut_dir}", "--checkpoint_every=1"])
    deadline = time.time() + 240
    while not (cut_dir / "checkpoint" / "call-000").is_dir() and time.time() < deadline and cut.poll() is None:
        time.sleep(0.05)
    cut.send_signal(signal.SIGINT)
    _, err = cut.communicate(timeout=120)
    assert cut.returncode == 130 and err.strip().startswith("interrupted: SIGINT at step"), err
    resumed = start([f"--output_dir={cut_dir}", "--resume"])
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    for name in ("style_transfer_3d_texture.png", "style_transfer_3d_turntable.gif"):
        assert (cut_dir / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
    assert not (cut_dir / "checkpoint").exists()
