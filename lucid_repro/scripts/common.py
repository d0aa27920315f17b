"""Shared plumbing of the absl scripts: one-line errors, exit 2, and the flag groups a
script picks: `define_model_flags` (the model, its keras: options, --seed, --progress),
`define_checkpoint_flags` (scripts with an optimization loop to checkpoint); the budget
flags are `limit_flags.define(...)`, the mesh flags `mesh_flags.define`, the random-VGG
flags `random_vgg_flags.define`, --preset `preset_flags.define(SECTION)`."""
import contextlib
import sys

from absl import app, flags, logging

from lucid_repro.errors import Interrupted, UserError
from lucid_repro.runtime import deterministic, import_tensorflow_quietly

FLAGS = flags.FLAGS
# The flags this module's functions define belong to the script that calls them, so that
# the script's --help lists them with their defaults (absl attributes a flag to its caller).
flags.disclaim_key_flags()
CHECKPOINT_MINUTES = 5


def define_model_flags(default_model="vgg19"):
    flags.DEFINE_string("model", default_model, "vgg19 | ranvgg19 | inception_v1 | hub:<handle> | "
                        "keras:<.keras/.h5 file or SavedModel dir> (your own model)")
    flags.DEFINE_string("weights", None, "local weight file (VGG19 .bin/.h5, InceptionV1 .pb)")
    flags.DEFINE_string("logits_layer", None, "logits (pre-softmax) layer of a hub: or keras: classifier "
                        "(keras: default: found automatically)")
    flags.DEFINE_string("preprocess", None, "keras: models: caffe (BGR, ImageNet mean, 0..255: VGG, ResNet50) | "
                        "tf ([-1, 1]: Inception, MobileNet, Xception) | torch (ImageNet mean/std) | none | "
                        "module:function (takes images in --input_range); default: the keras.applications "
                        "family's, else none (warned)")
    flags.DEFINE_string("input_range", None, "keras: models: 'low,high' range the images are scaled to before "
                        "--preprocess=none or a module:function (default 0,1; e.g. 0,255 for EfficientNet)")
    flags.DEFINE_string("custom_objects", None, "keras: models: module:attr[,module:attr] custom layers to "
                        "import (a dict attr is merged); nothing is imported otherwise")
    flags.DEFINE_bool("unsafe_deserialization", False, "keras: models: load a file holding serialized "
                      "Python code (Lambda layers); only for files you trust")
    flags.DEFINE_string("input_name", None, "keras: models of several inputs: the name of the image input")
    flags.DEFINE_string("input_values", None, "keras: models of several inputs: a .npz with one array per other "
                        "input (by input name, without the batch axis), fed unchanged for every image")
    flags.DEFINE_string("band_correlation", None, "keras: models of more than 3 input channels (bands): a .npy "
                        "[C, C] band correlation matrix of your data; its square root decorrelates the bands as "
                        "ImageNet's colour correlation does RGB (default: bands independent)")
    flags.DEFINE_string("bands", None, "models of more than 3 input channels: the three bands shown as red, "
                        "green, blue in the false-colour PNG, e.g. 3,2,1 (default 0,1,2); every band is also "
                        "saved as <output>.npy")
    flags.DEFINE_integer("seed", 0, "random seed (same seed and flags give the same image)")
    flags.DEFINE_bool("progress", True, "show a progress bar")


def define_checkpoint_flags():
    """--checkpoint_every, --checkpoint, --resume: for scripts whose optimization loop
    (`render.render`) can be interrupted and resumed."""
    flags.DEFINE_integer("checkpoint_every", 0,
                         "save the optimization state every N steps next to the output (0: every "
                         f"{CHECKPOINT_MINUTES} minutes of wall time; always on Ctrl-C/SIGTERM)")
    flags.DEFINE_bool("checkpoint", True, "keep a checkpoint next to the output while the run lasts")
    flags.DEFINE_bool("resume", False, "continue an interrupted run from its checkpoint (same flags)")


_ALIASES = {}     # deprecated flag name -> the flag it now is


def define_deprecated_alias(old, new):
    """--old as a deprecated spelling of --new (same parser): it still works, sets --new
    (as if given) and prints one 'warning: ...' line saying the new name."""
    target = FLAGS[new]
    flags.DEFINE(target.parser, old, None, f"deprecated: use --{new}", serializer=target.serializer)
    _ALIASES[old] = new


def resolve_deprecated_aliases(flag_values=None):
    """Move each deprecated alias given on the command line to its new flag (called by
    `run` before main)."""
    fv = flag_values if flag_values is not None else FLAGS
    for old, new in _ALIASES.items():
        if old in fv and fv[old].present:
            print(f"warning: --{old} is deprecated; use --{new}")
            if not fv[new].present:
                fv[new].value = fv[old].value
                fv[new].present = 1


def model_kwargs(plain=False):
    """Keyword arguments of `models.load` the flags give for --model (keras: options).
    plain: only strings, numbers, lists (a --preprocess=module:function stays its checked
    string, which `models.load` resolves): what the atlas's Beam workers are sent."""
    keras_flags = ("preprocess", "input_range", "custom_objects", "unsafe_deserialization", "input_name",
                   "input_values")
    from lucid_repro.models.families import is_keras_file
    if not is_keras_file(FLAGS.model):
        used = [f for f in keras_flags if FLAGS[f].present]
        if used:
            raise UserError(f"--{used[0]} applies to --model=keras:PATH only")
        return {}
    kwargs = {"logits_layer": FLAGS.logits_layer, "safe_mode": not FLAGS.unsafe_deserialization,
              "custom_objects": FLAGS.custom_objects}
    if FLAGS.input_name is not None or FLAGS.input_values is not None:
        kwargs.update(input_name=FLAGS.input_name, input_values=FLAGS.input_values)
    preprocess = FLAGS.preprocess
    if preprocess is not None and ":" in preprocess:
        from lucid_repro.models.keras_model import parse_custom_objects
        function = next(iter(parse_custom_objects(preprocess).values()))
        preprocess = preprocess if plain else function
    kwargs["preprocess"] = preprocess
    if FLAGS.input_range is not None:
        try:
            low, high = (float(v) for v in FLAGS.input_range.split(","))
        except ValueError:
            raise UserError(f"--input_range must be 'low,high', got {FLAGS.input_range!r}") from None
        kwargs["input_range"] = [low, high] if plain else (low, high)
    return kwargs


def load_model_from_flags():
    from lucid_repro import models
    from lucid_repro.models.families import needs_seed
    kwargs = model_kwargs()
    if needs_seed(FLAGS.model):
        kwargs["seed"] = FLAGS.seed
    model = models.load(FLAGS.model, path=FLAGS.weights, **kwargs)
    apply_band_flags(model)
    describe_model(model)
    return model


def apply_band_flags(model):
    """--band_correlation (checked against the model's channels) onto the model; --bands checked."""
    channels = getattr(model, "channels", 3)
    if "bands" in FLAGS and FLAGS.bands is not None:
        parse_bands(FLAGS.bands, channels)
    if "band_correlation" not in FLAGS or FLAGS.band_correlation is None:
        return model
    if channels in (1, 3):
        raise UserError(f"--band_correlation applies to models of 2 or more than 3 input channels; {model.name} "
                        f"takes {channels} ({'RGB: ImageNet colour decorrelation' if channels == 3 else 'grayscale'})")
    model.band_correlation = read_band_correlation(FLAGS.band_correlation, channels)
    return model


def read_band_correlation(path, channels):
    """A [C, C] band correlation matrix from a .npy file (UserError: missing, unreadable,
    wrong shape, not symmetric positive semi-definite)."""
    import os
    import numpy as np
    from lucid_repro.optvis.param.color import band_correlation_sqrt
    if not os.path.isfile(path):
        raise UserError(f"--band_correlation file not found: {path}")
    try:
        matrix = np.load(path, allow_pickle=False)
    except Exception as e:   # ValueError, OSError, pickled data ...
        raise UserError(f"--band_correlation: cannot read {path} as a .npy array: "
                        f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    band_correlation_sqrt(matrix, channels)   # checks shape and values
    return np.asarray(matrix, np.float32)


def parse_bands(text, channels):
    """--bands 'r,g,b' -> three band indices in 0..channels-1."""
    try:
        bands = [int(b) for b in str(text).split(",")]
    except ValueError:
        raise UserError(f"--bands must be three band indices like 0,1,2, got {text!r}") from None
    if len(bands) != 3 or not all(0 <= b < channels for b in bands):
        raise UserError(f"--bands must be three band indices in 0..{channels - 1}, got {text!r}")
    return bands


def save_pictures(path, images, bands=None):
    """Save one image, or a row of them side by side, of any channel count: PNG as before
    for RGB and grayscale; for other channel counts a false-colour PNG of `bands` (--bands,
    'r,g,b'; default 0,1,2) and every band in `<path>.npy` ([n, H, W, C]). Returns the
    paths written."""
    import numpy as np
    from lucid_repro.images import contact_sheet, false_colour, save_image
    images = [np.asarray(i) for i in (images if isinstance(images, (list, tuple)) else [images])]
    channels = images[0].shape[-1]
    written = []
    if channels not in (1, 3):
        bands = parse_bands(bands, channels) if bands else None
        npy = path + ".npy"
        from lucid_repro.files import atomic_path
        with atomic_path(npy) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, np.stack(images).astype(np.float32))
        written.append(npy)
        images = [false_colour(i, bands) for i in images]
    save_image(path, images[0] if len(images) == 1 else contact_sheet([images]))
    return [path] + written


def describe_model(model):
    """One stdout line saying how a keras: model is seen (its preprocessing, its logits)."""
    info = getattr(model, "info", None)
    if info:
        print(f"model {model.name}: preprocess={info['preprocess']} input_range={info['input_range']}"
              f"{' (guessed)' if info.get('preprocess_guessed') else ''}, logits={info.get('logits_layer')}, "
              f"{len(model.layer_names)} layers")


def with_model_info(record, model):
    """The run's JSON record with how a keras: model was seen (its preprocessing choice,
    logits layer, source) under "model_info"; other models add nothing."""
    info = getattr(model, "info", None)
    if info:
        record["model_info"] = dict(info)
    return record


def image_size(model, flag):
    """The --size flag's value; when not given on the command line, the model's fixed input
    size (a Flatten head) if it has one, else the flag's default."""
    if flag.present:
        return flag.value
    fixed = model.fixed_input_size() if hasattr(model, "fixed_input_size") else None
    if fixed:
        print(f"--size={max(fixed)} (the input size model {model.name} was built for)")
        return max(fixed)
    return flag.value


def positive(name, value):
    if value is None or not value > 0:   # NaN fails `> 0` too
        raise UserError(f"--{name} must be positive, got {value}")
    if value == float("inf"):
        raise UserError(f"--{name} must be finite, got {value}")
    return value


def parse_flags(argv):
    """absl flag parsing whose errors are one `error:` line and exit status 2."""
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
_NOT_FINGERPRINTED = {"progress", "checkpoint", "checkpoint_every", "resume", "output", "output_dir",
                      "max_image_pixels", "max_mesh_faces", "max_memory_gb"}   # budgets, not results


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


def _library_warnings_to_stdout():
    """The package's own warnings (e.g. a keras: model's guessed preprocessing) print on
    stdout as 'warning: ...', so that stderr keeps the one-line error contract."""
    import logging as std_logging
    logger = std_logging.getLogger("lucid_repro")
    if not any(getattr(h, "_lucid_repro", False) for h in logger.handlers):
        handler = std_logging.StreamHandler(sys.stdout)
        handler.setFormatter(std_logging.Formatter("warning: %(message)s"))
        handler._lucid_repro = True
        logger.addHandler(handler)
        logger.propagate = False


def run(main):
    """app.run(main) with TF's deterministic kernels (`runtime.deterministic`), UserError
    -> 'error: ...' on stderr and exit status 2, and the run's checkpoint session
    (--checkpoint_every, --resume): Ctrl-C / SIGTERM save a checkpoint and exit 130 / 143
    with one line saying how to resume."""
    def guarded(argv):
        import_tensorflow_quietly()
        deterministic()   # seeded runs repeat bit for bit
        if not FLAGS["verbosity"].present:   # TF's savers log INFO lines through absl
            logging.set_verbosity(logging.WARNING)
        _library_warnings_to_stdout()
        resolve_deprecated_aliases()
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
    app.run(guarded, flags_parser=parse_flags)


# ----------------------------------------------------------------------------- input checks
# (issue 11: bounded inputs; the budgets themselves are in lucid_repro.limits)

def finite(name, value, low=None, high=None, low_open=False, high_open=False, optional=False):
    """Check a float flag: a finite number within [low, high] (an end excluded with
    low_open / high_open). optional=True lets None (the flag's "use the default") through."""
    import math
    if value is None:
        if optional:
            return None
        raise UserError(f"--{name} is required")
    if not math.isfinite(value):
        raise UserError(f"--{name} must be a finite number, got {value}")
    too_low = low is not None and (value < low or (low_open and value == low))
    too_high = high is not None and (value > high or (high_open and value == high))
    if too_low or too_high:
        if low is not None and high is not None:
            allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low is not None:
            allowed = f"{'>' if low_open else '>='} {low:g}"
        else:
            allowed = f"{'<' if high_open else '<='} {high:g}"
        raise UserError(f"--{name} must be {allowed}, got {value:g}")
    return value


def _check_creatable_dir(directory, what):
    """The directory exists and is writable, or its nearest existing ancestor is a
    writable directory (so it can be created)."""
    import os
    d = os.path.abspath(directory)
    while not os.path.lexists(d):
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    if not os.path.isdir(d):
        raise UserError(f"cannot write {what}: {d} is not a directory")
    if not os.access(d, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {what}: no permission to write in {d}")


def check_writable_output(path, flag="output", also=()):
    """Fail before any work if `path` (and the files `also` written next to it) cannot be
    written: empty, an existing directory, or a parent that cannot be created or written."""
    import os
    if path is None or not str(path).strip():
        raise UserError(f"--{flag} is empty")
    path = os.fspath(path)
    for p in (path, *also):
        if os.path.isdir(p):
            if p == path:
                raise UserError(f"--{flag} {p} is a directory; give a file name")
            raise UserError(f"{p} (written next to --{flag}) is a directory")
    _check_creatable_dir(os.path.dirname(os.path.abspath(path)), f"--{flag} {path}")
    return path


def check_output_dir(path, flag="output_dir"):
    """Fail before any work if the output directory is a file or cannot be created/written."""
    import os
    if path is None or not str(path).strip():
        raise UserError(f"--{flag} is empty")
    path = os.fspath(path)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise UserError(f"--{flag} {path} exists and is not a directory")
    _check_creatable_dir(path, f"--{flag} {path}")
    return path


def image_size_of(path):
    """(height, width) of an image file from its header (checked against the pixel
    budget), or None if it cannot be read (the loader reports that later)."""
    from lucid_repro import limits
    size = limits.check_image_file(path)
    return None if size is None else (size[1], size[0])


def fit_longer_side(hw, side):
    """(h, w) scaled so that the longer side is `side` (hw None: a square of `side`)."""
    if hw is None:
        return side, side
    h, w = hw
    scale = side / max(h, w)
    return max(1, round(h * scale)), max(1, round(w * scale))


def memory_estimate():
    """A `lucid_repro.limits.MemoryEstimate` for the --model of this script."""
    from lucid_repro import limits
    return limits.MemoryEstimate(FLAGS.model if "model" in FLAGS else None)


def check_photo_memory():
    """(forward-only scripts on one photo) Refuse an --image whose forward pass at --size
    would not fit in memory, before the model loads; reads only the image's size."""
    if not FLAGS.image:
        return
    from lucid_repro import limits
    from lucid_repro.images import load_any_image
    h, w = load_any_image(FLAGS.image, max_side=FLAGS.size).shape[:2]
    est = memory_estimate()
    est.add("network activations", limits.network_bytes(FLAGS.model, h, w, backward=False))
    est.check(f"--size={FLAGS.size} ({h}x{w} image)")


def check_3d_memory(batch):
    """(3D scripts) Refuse --texture_size / --view_size / --frames / --naive_size that would not fit in
    memory, before the mesh, the renderer or the model are loaded."""
    from lucid_repro import limits
    t, v = FLAGS.texture_size, FLAGS.view_size
    flat = FLAGS.naive_size or min(t, v)
    est = memory_estimate()
    est.add("network activations", max(limits.network_bytes(FLAGS.model, v, v, batch=batch),
                                       limits.network_bytes(FLAGS.model, flat, flat, batch=batch,
                                                            transforms=True) if FLAGS.naive else 0))
    est.add("texture parameterization", limits.param_bytes(t, t) + limits.image_bytes(t, t, count=3)
            + (limits.param_bytes(flat, flat) if FLAGS.naive else 0))
    est.add("OpenGL views", limits.GL_SERVER_BYTES + limits.gl_bytes(v))
    est.add("turntable frames", limits.image_bytes(v, v, count=2 * FLAGS.frames))
    est.check(f"--texture_size={t} --view_size={v} --frames={FLAGS.frames}"
              + (f" --naive_size={FLAGS.naive_size}" if FLAGS.naive and FLAGS.naive_size else ""))
