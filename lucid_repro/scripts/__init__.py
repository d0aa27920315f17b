"""absl entry points: `python -m lucid_repro.scripts.<name> --help`.

A script imports its recipe (for the declaration `SECTION`, its flag defaults), and a
recipe imports TensorFlow; TensorFlow is imported here first, with its C++ start-up
notices hidden (`runtime.import_tensorflow_quietly`), so that a bad flag's `error: ...` is
still the one line on stderr."""
from lucid_repro.runtime import import_tensorflow_quietly

import_tensorflow_quietly()
