"""--images and --max_images: the image collection of the scripts that run a network over
many images (issue 26: filters' neighbours, embeddings, top patches, multifaceted units).

    collection_flags.define()                 # at the top of the script
    images = collection_flags.load()          # in main(): an ImageCollection (UserError if unusable)

No TensorFlow here (the collection is read before the model loads, so a bad folder fails
fast).
"""
from absl import flags

FLAGS = flags.FLAGS
# The flags this module's functions define belong to the script that calls them, so that
# the script's --help lists them with their defaults (absl attributes a flag to its caller).
flags.disclaim_key_flags()


def define(max_images=None):
    flags.DEFINE_string("images", None, "folder of JPEG/PNG images, read recursively; unreadable files are "
                        "skipped with a warning (default: the offline default collection: the packaged photos "
                        "and scikit-image's sample images)")
    flags.DEFINE_integer("max_images", max_images, "use at most this many images (the first ones in path order)")


def load():
    """The collection the flags name (a one-line UserError for a missing, empty or imageless
    folder; skipped files are counted in `.skipped`)."""
    from lucid_repro.collection import from_flags
    return from_flags(FLAGS.images, FLAGS.max_images)
