"""What the scripts and `make demo` write: `write_json` here (JSON records of settings
and results; lucid_repro.images writes the images), and one module per article section
(`lucid_repro.outputs.feature_vis`, ...) holding that section's demo() and file writers.
The recipes in `lucid_repro.recipes` only compute; they never import this package."""
import json
import os

from lucid_repro.images import atomic_path


class SectionSkipped(Exception):
    """Raised by a section's demo() that cannot run here (e.g. no classifier weights);
    the message is the reason, which `make demo` prints and the report lists."""


def write_json(path, record):
    """Write a JSON record atomically (temp file + rename)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1, sort_keys=False)
            f.write("\n")
    return os.fspath(path)
