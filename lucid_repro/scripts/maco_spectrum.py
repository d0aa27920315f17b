"""The natural-image magnitude spectrum MaCo fixes (`--param=maco`), from an image collection.

python -m lucid_repro.scripts.maco_spectrum --output=spectrum.npy                 # the default collection
python -m lucid_repro.scripts.maco_spectrum --images=DIR --size=128 --output=mine.npy
python -m lucid_repro.scripts.feature_vis --param=maco --maco_spectrum=mine.npy

Each image: shorter side to --size, centre crop, colours into Lucid's decorrelated basis
(each image's mean removed), |rfft2| per channel; the mean over the collection is saved as
float32 [3, size, size // 2 + 1]. The packaged lucid_repro/data/maco_spectrum.npy is this
script's output on the default collection at --size=128.
"""
from absl import flags

from lucid_repro.scripts import collection_flags, common

collection_flags.define()
flags.DEFINE_integer("size", 128, "spectrum resolution (images cropped to size x size)")
flags.DEFINE_integer("batch_size", 16, "images in memory at a time")
flags.DEFINE_bool("progress", True, "show a progress bar")
flags.DEFINE_string("output", "maco_spectrum.npy", "output .npy")
FLAGS = flags.FLAGS


def main(argv):
    common.positive("size", FLAGS.size)
    common.positive("batch_size", FLAGS.batch_size)
    common.check_writable_output(FLAGS.output)
    import numpy as np
    from lucid_repro.files import atomic_path
    from lucid_repro.recipes.maco import estimate_spectrum
    collection = collection_flags.load()
    spectrum = estimate_spectrum(collection, FLAGS.size, FLAGS.batch_size, progress=FLAGS.progress)
    with atomic_path(FLAGS.output) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, spectrum)
    print(f"wrote {FLAGS.output}: spectrum {list(spectrum.shape)} from {len(collection)} images"
          + (f" ({len(collection.skipped)} skipped)" if collection.skipped else ""))


if __name__ == "__main__":
    common.run(main)
