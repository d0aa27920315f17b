"""Flags of the scripts that run on random-weight VGG19 (He, Wang & Hopcroft 2016):
--pooling and the greedy stacked construction (--stacked, --stacked_k,
--stacked_steps, --stacked_size), and the model they load."""
from absl import flags

from lucid_repro.scripts import common

FLAGS = flags.FLAGS
# The flags this module's functions define belong to the script that calls them, so that
# the script's --help lists them with their defaults (absl attributes a flag to its caller).
flags.disclaim_key_flags()
STACKED_FLAGS = ("stacked_k", "stacked_steps", "stacked_size")


def define(built_on, pooling):
    """`built_on`: what the stacked weights are chosen on ("the image", "the texture", ...);
    `pooling`: the default of --pooling (the section's "library" row)."""
    flags.DEFINE_enum("pooling", pooling, ["avg", "max"], "VGG pooling (Gatys and He et al.: avg)")
    flags.DEFINE_bool("stacked", False,
                      f"ranvgg19: He et al.'s greedy stacked random weights (built on {built_on})")
    flags.DEFINE_integer("stacked_k", 4, "stacked: weight sets sampled per layer")
    flags.DEFINE_integer("stacked_steps", 64, "stacked: inversion steps per candidate")
    flags.DEFINE_integer("stacked_size", 64, "stacked: reference image size")


def check():
    for name in STACKED_FLAGS:
        common.positive(name, getattr(FLAGS, name))


def load_model(image, layers):
    """(model, stacked report) of --model with --pooling; with --stacked, the random
    weights are chosen greedily on `image` for `layers`."""
    import functools

    from lucid_repro.models import random_vgg
    from lucid_repro.recipes.feature_inversion import stacked_ranvgg19
    stacked = functools.partial(stacked_ranvgg19, image, layers, k=FLAGS.stacked_k, size=FLAGS.stacked_size,
                                steps=FLAGS.stacked_steps, progress=FLAGS.progress) if FLAGS.stacked else None
    model, report = random_vgg.load_model(FLAGS.model, FLAGS.weights, FLAGS.seed, FLAGS.pooling,
                                          stacked=stacked, **common.model_kwargs())
    common.apply_band_flags(model)
    common.describe_model(model)
    return model, report


def stacked_bytes(model_name):
    """Memory of the stacked construction's inversions (0 without --stacked)."""
    from lucid_repro import limits
    side = FLAGS.stacked_size
    return limits.network_bytes(model_name, side, side, batch=2) if FLAGS.stacked else 0


def size_flags(size_flag):
    """The flags a memory refusal names."""
    return size_flag + (f" --stacked_size={FLAGS.stacked_size}" if FLAGS.stacked else "")
