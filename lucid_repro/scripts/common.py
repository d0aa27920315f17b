"""Shared plumbing of the absl scripts: model flags, one-line errors, exit 2."""
import contextlib
import sys

from absl import app, flags, logging

from lucid_repro.errors import Interrupted, UserError
from lucid_repro.runtime import import_tensorflow_quietly
from lucid_repro.scripts import limit_flags  # noqa: F401  --max_image_pixels, --max_mesh_faces, --max_memory_gb

FLAGS = flags.FLAGS
CHECKPOINT_MINUTES = 5


def define_model_flags(default_model="vgg19"):
    flags.DEFINE_string("model", default_model, "vgg19 | ranvgg19 | inception_v1 | hub:<handle>")
    flags.DEFINE_string("weights", None, "local weight file (VGG19 .bin/.h5, InceptionV1 .pb)")
    flags.DEFINE_integer("seed", 0, "random seed (same seed and flags give the same image)")
    flags.DEFINE_bool("progress", True, "show a progress bar")
    flags.DEFINE_integer("checkpoint_every", 0,
                         "save the optimization state every N steps next to the output (0: every "
                         f"{CHECKPOINT_MINUTES} minutes of wall time; always on Ctrl-C/SIGTERM)")
    flags.DEFINE_bool("checkpoint", True, "keep a checkpoint next to the output while the run lasts")
    flags.DEFINE_bool("resume", False, "continue an interrupted run from its checkpoint (same flags)")


def load_model_from_flags():
    from lucid_repro import models
    kwargs = {}
    if FLAGS.model == "ranvgg19":
        kwargs["seed"] = FLAGS.seed
    return models.load(FLAGS.model, path=FLAGS.weights, **kwargs)


def positive(name, value):
    if value is None or not value > 0 or value == float("inf"):   # NaN fails `> 0`
        raise UserError(f"--{name} must be a finite positive number, got {value}")
    return value


def _parse_flags(argv):
    try:
        return FLAGS(argv)
    except flags.Error as e:
        print(f"error: {str(e).splitlines()[0]}", file=sys.stderr)
        sys.exit(2)


def checkpoint_dir():
    """Where this script's checkpoint lives: `<output>.ckpt`, or `<output_dir>/checkpoint`;
    None for scripts that write no output."""
    import os
    if "output" in FLAGS and FLAGS.output:
        return FLAGS.output + ".ckpt"
    if "output_dir" in FLAGS and FLAGS.output_dir:
        return os.path.join(FLAGS.output_dir, "checkpoint")
    return None


# flags that do not change what a run computes (a resume may change them)
_NOT_FINGERPRINTED = {"progress", "checkpoint", "checkpoint_every", "resume", "output", "output_dir"}


def run_fingerprint():
    """The script's own flags and their values: a checkpoint is only resumed under the same."""
    values = {}
    for module, module_flags in FLAGS.flags_by_module_dict().items():
        if not (module.startswith("lucid_repro") or module == "__main__" or "lucid_repro" in module):
            continue
        for f in module_flags:
            if f.name not in _NOT_FINGERPRINTED:
                values[f.name] = f.value
    return values


@contextlib.contextmanager
def _checkpoint_session():
    import os
    import shutil
    directory = checkpoint_dir() if ("checkpoint" in FLAGS and FLAGS.checkpoint) else None
    if directory is None:
        if "resume" in FLAGS and FLAGS.resume:
            raise UserError("--resume needs checkpoints (drop --nocheckpoint)")
        yield None
        return
    from lucid_repro.optvis import checkpoint
    if not FLAGS.resume and os.path.isdir(directory):
        raise UserError(f"{directory} holds the checkpoint of an earlier run: add --resume to continue it, "
                        "or delete the folder to start over")
    every_steps = FLAGS.checkpoint_every
    if every_steps < 0:
        raise UserError(f"--checkpoint_every must be >= 0, got {every_steps}")
    keep = False
    try:
        with checkpoint.session(directory, resume=FLAGS.resume, every_steps=every_steps,
                                every_seconds=0 if every_steps else 60.0 * CHECKPOINT_MINUTES,
                                fingerprint=run_fingerprint()) as s:
            yield s
    except BaseException:
        # keep what an interrupted or failed optimization saved; drop an empty folder
        keep = os.path.isdir(directory) and any(
            f.startswith("call-") or f == checkpoint.LAST_GOOD for f in os.listdir(directory))
        raise
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


def run(main):
    """app.run(main) with UserError -> 'error: ...' on stderr and exit status 2, and the
    run's checkpoint session (--checkpoint_every, --resume): Ctrl-C / SIGTERM save a
    checkpoint and exit 130 / 143 with one line saying how to resume."""
    def guarded(argv):
        import_tensorflow_quietly()
        if not FLAGS["verbosity"].present:   # TF's savers log INFO lines through absl
            logging.set_verbosity(logging.WARNING)
        try:
            with _checkpoint_session():
                return main(argv)
        except UserError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
        except Interrupted as e:
            print(f"interrupted: {e}; run the same command with --resume to continue", file=sys.stderr)
            sys.exit(128 + e.signum)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)
    app.run(guarded, flags_parser=_parse_flags)
