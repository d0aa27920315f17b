"""Process-level start-up of the entry points (scripts, demo), kept out of the library.

TensorFlow >= 2.17 prints its start-up notices (oneDNN, CUDA stub) through C++ absl
logging before `TF_CPP_MIN_LOG_LEVEL` is read, straight to file descriptor 2. A script's
stderr must be one `error: ...` line on bad input, so entry points import TensorFlow with
descriptor 2 pointed at /dev/null, unless the user asked for TF's logs
(TF_CPP_MIN_LOG_LEVEL=0). Library users (notebooks) are not affected.

`deterministic()` turns on TensorFlow's deterministic kernels for the process: the
scripts and the tests choose it; the library never does.
"""
import os
import sys


def import_tensorflow_quietly():
    """Import TensorFlow with its start-up notices hidden; returns the module."""
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3") == "0":
        import tensorflow as tf
        return tf
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                import tensorflow as tf
                # the first device query probes CUDA (cuInit), which logs a line on a
                # machine without a GPU: do it here, while descriptor 2 is muted
                tf.config.list_physical_devices()
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    return tf


def deterministic(seed=0):
    """Make seeded runs repeat bit for bit in this process: TensorFlow's deterministic
    kernels (`tf.config.experimental.enable_op_determinism()`, process-wide and slower
    on GPU). A choice of the entry point (the scripts' `common.run`, the tests'
    conftest), never made by a library call. With determinism on TF refuses random ops
    that have no seed at all, so its global seed is set to `seed` too; the library's own
    randomness does not use it (every draw comes from a generator seeded per call)."""
    tf = import_tensorflow_quietly()
    tf.config.experimental.enable_op_determinism()
    tf.random.set_seed(seed)
