"""Checkpoint and resume for the render loop, and interruption by signals.

An entry point opens a session around its work:

    with checkpoint.session(out + ".ckpt", resume=FLAGS.resume, every_steps=50,
                            fingerprint={"size": 128, "objective": "conv4_2:17"}):
        run the recipe (any number of `render.render` calls)

Each `render.render` call inside the session gets its own store, `call-000`,
`call-001`, ... in call order, holding everything the loop's future depends on: the
variables of the compiled step (parameterization, optimizer slots and step count, the
transforms' random generator, moving averages such as the Gram averages of 3D style
transfer: every `tf.Variable` the step reads except the model's weights), the step
reached, the losses, metrics and snapshots so far, and the numpy generator that draws
per-step inputs (3D views). Written with `tf.train.Checkpoint` into a temporary folder
that is renamed into place, so a crash mid-write leaves the previous checkpoint.

With `resume=True` a finished call is restored without running and an unfinished one
continues from its step: the final image is bit-identical to an uninterrupted run with
the same seed and flags. The fingerprint (the run's settings) is stored with the
checkpoint and a resume with other settings is refused, naming what differs.

Inside a session SIGINT and SIGTERM do not kill the loop mid-step: the loop finishes
its step, saves a checkpoint and the current image (`last_good.png`), and raises
`Interrupted`.
"""
import contextlib
import json
import os
import shutil
import signal
import threading
import time

import numpy as np
import tensorflow as tf

from lucid_repro.errors import Interrupted, UserError

FINGERPRINT = "fingerprint.json"
LAST_GOOD = "last_good.png"
_SESSIONS = []


class Session:
    def __init__(self, directory, resume, every_steps, every_seconds, fingerprint=None):
        self.directory = directory
        self.fingerprint = fingerprint or {}
        self.resume = resume
        self.every_steps = int(every_steps or 0)
        self.every_seconds = float(every_seconds or 0)
        self.calls = 0
        self.in_loop = False
        self.signum = None           # a signal received during a loop

    def ensure_directory(self):
        """Create the checkpoint folder with its fingerprint, once."""
        if os.path.isfile(os.path.join(self.directory, FINGERPRINT)):
            return self.directory
        try:
            os.makedirs(self.directory, exist_ok=True)
        except OSError as e:
            raise UserError(f"cannot create checkpoint folder {self.directory}: {e.strerror}") from None
        _write_json_atomic(os.path.join(self.directory, FINGERPRINT), self.fingerprint)
        return self.directory

    def next_store(self):
        store = CallStore(os.path.join(self.directory, f"call-{self.calls:03d}"), self)
        self.calls += 1
        return store

    def due(self, step, last_save_time):
        if self.every_steps and step % self.every_steps == 0:
            return True
        return bool(self.every_seconds) and time.monotonic() - last_save_time >= self.every_seconds

    def interruption(self, step):
        name = signal.Signals(self.signum).name
        return Interrupted(f"{name} at step {step}; checkpoint and last image saved in {self.directory}",
                           self.signum)


def active():
    """The innermost open session, or None."""
    return _SESSIONS[-1] if _SESSIONS else None


def _canonical(fingerprint):
    return json.loads(json.dumps(fingerprint or {}, sort_keys=True, default=str))


def _write_json_atomic(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _check_fingerprint(directory, fingerprint):
    path = os.path.join(directory, FINGERPRINT)
    if not os.path.isfile(path):
        raise UserError(f"cannot resume: no checkpoint in {directory}")
    try:
        with open(path) as f:
            saved = json.load(f)
    except (OSError, ValueError) as e:
        raise UserError(f"cannot resume: unreadable checkpoint fingerprint {path} ({e})") from None
    differ = [k for k in sorted(set(saved) | set(fingerprint)) if saved.get(k) != fingerprint.get(k)]
    if differ:
        what = ", ".join(f"{k}={saved.get(k)!r} there, {fingerprint.get(k)!r} now" for k in differ[:4])
        raise UserError(f"cannot resume: the checkpoint in {directory} was made with other settings ({what})")


@contextlib.contextmanager
def session(directory, resume=False, every_steps=0, every_seconds=300.0, fingerprint=None,
            handle_signals=True):
    """Checkpoint every `render.render` call inside the block into `directory`.

    resume: continue from the checkpoint there (UserError if absent or made with another
        fingerprint); otherwise an existing checkpoint there is replaced.
    every_steps / every_seconds: save during a call every N steps and/or every S seconds
        of wall time (0 = never; a checkpoint is always saved at the end of a call and
        on interruption).
    handle_signals: defer SIGINT/SIGTERM to the end of the current step (main thread only).
    """
    fingerprint = _canonical(fingerprint)
    directory = os.path.abspath(directory)
    if resume:
        _check_fingerprint(directory, fingerprint)
    elif os.path.isdir(directory):
        shutil.rmtree(directory)
    # the folder (and its parents) is created at the first save, so a run refused
    # before its first step leaves nothing behind
    s = Session(directory, resume, every_steps, every_seconds, fingerprint)

    previous = {}
    if handle_signals and threading.current_thread() is threading.main_thread():
        def handler(signum, frame):
            if s.in_loop:
                s.signum = signum        # the loop stops after this step
            else:
                raise Interrupted(f"{signal.Signals(signum).name}; finished optimizations are saved in "
                                  f"{directory}", signum)
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
    _SESSIONS.append(s)
    try:
        yield s
    finally:
        _SESSIONS.remove(s)
        for sig, h in previous.items():
            signal.signal(sig, h)


class CallStore:
    """The checkpoint of one render call: `vars.*` (tf.train.Checkpoint), `state.npz`,
    `meta.json`, in a folder replaced atomically."""

    def __init__(self, path, session=None):
        self.path = path
        self.session = session

    def _readable_path(self):
        for p in (self.path, self.path + ".old"):
            if os.path.isfile(os.path.join(p, "meta.json")):
                return p
        return None

    def exists(self):
        return self._readable_path() is not None

    @staticmethod
    def _checkpoint(variables):
        return tf.train.Checkpoint(**{f"v{i}": v for i, v in enumerate(variables)})

    def save(self, variables, state, done):
        if self.session is not None:
            self.session.ensure_directory()
        tmp = f"{self.path}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        self._checkpoint(variables).write(os.path.join(tmp, "vars"))
        np.savez(os.path.join(tmp, "state.npz"), **state)
        meta = {"done": bool(done), "shapes": [list(v.shape) for v in variables],
                "dtypes": [v.dtype.name for v in variables]}
        with open(os.path.join(tmp, "meta.json"), "w") as f:
            json.dump(meta, f)
        old = self.path + ".old"
        shutil.rmtree(old, ignore_errors=True)
        if os.path.isdir(self.path):
            os.rename(self.path, old)
        os.rename(tmp, self.path)
        shutil.rmtree(old, ignore_errors=True)

    def load(self, variables):
        """Restore `variables` in place; returns (state dict of arrays, done)."""
        path = self._readable_path()
        with open(os.path.join(path, "meta.json")) as f:
            meta = json.load(f)
        shapes = [list(v.shape) for v in variables]
        dtypes = [v.dtype.name for v in variables]
        if meta["shapes"] != shapes or meta["dtypes"] != dtypes:
            raise UserError(f"cannot resume: checkpoint {path} holds other variables than this run "
                            f"({len(meta['shapes'])} saved, {len(shapes)} now; sizes or model differ)")
        self._checkpoint(variables).read(os.path.join(path, "vars")).assert_consumed()
        with np.load(os.path.join(path, "state.npz"), allow_pickle=False) as z:
            state = {k: z[k] for k in z.files}
        return state, meta["done"]


def rng_state(rng):
    """A numpy RandomState's state as plain arrays (for state.npz)."""
    _, keys, pos, has_gauss, cached = rng.get_state()
    return {"np_rng/keys": keys, "np_rng/rest": np.asarray([pos, has_gauss, cached], np.float64)}


def set_rng_state(rng, state):
    pos, has_gauss, cached = state["np_rng/rest"]
    rng.set_state(("MT19937", state["np_rng/keys"], int(pos), int(has_gauss), float(cached)))


def save_last_image(session, image):
    """The loop's current image (first of a batch; RGB(A) or a texture) as a PNG in the
    session's folder."""
    from lucid_repro.images import save_image
    image = np.asarray(image)
    if image.ndim == 4:
        image = image[0]
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
        return None
    path = os.path.join(session.ensure_directory(), LAST_GOOD)
    save_image(path, np.clip(image, 0.0, 1.0))
    return path


__all__ = ["session", "active", "Session", "CallStore", "LAST_GOOD"]
