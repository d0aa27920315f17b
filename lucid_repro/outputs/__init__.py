"""Files the scripts and the recipes' demos write besides images (lucid_repro.images
writes those): JSON records of settings and results."""
import json
import os

from lucid_repro.images import atomic_path


def write_json(path, record):
    """Write a JSON record atomically (temp file + rename)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1, sort_keys=False)
            f.write("\n")
    return os.fspath(path)
