"""Shared plumbing of the absl scripts: model flags, one-line errors, exit 2."""
import sys

from absl import app, flags

from lucid_repro.errors import UserError
from lucid_repro.runtime import import_tensorflow_quietly

FLAGS = flags.FLAGS


def define_model_flags(default_model="vgg19"):
    flags.DEFINE_string("model", default_model, "vgg19 | ranvgg19 | inception_v1 | hub:<handle>")
    flags.DEFINE_string("weights", None, "local weight file (VGG19 .bin/.h5, InceptionV1 .pb)")
    flags.DEFINE_integer("seed", 0, "random seed (same seed and flags give the same image)")
    flags.DEFINE_bool("progress", True, "show a progress bar")


def load_model_from_flags():
    from lucid_repro import models
    kwargs = {}
    if FLAGS.model == "ranvgg19":
        kwargs["seed"] = FLAGS.seed
    return models.load(FLAGS.model, path=FLAGS.weights, **kwargs)


def positive(name, value):
    if value is None or value <= 0:
        raise UserError(f"--{name} must be positive, got {value}")
    return value


def _parse_flags(argv):
    try:
        return FLAGS(argv)
    except flags.Error as e:
        print(f"error: {str(e).splitlines()[0]}", file=sys.stderr)
        sys.exit(2)


def run(main):
    """app.run(main) with UserError -> 'error: ...' on stderr and exit status 2."""
    def guarded(argv):
        import_tensorflow_quietly()
        try:
            return main(argv)
        except UserError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
    app.run(guarded, flags_parser=_parse_flags)
