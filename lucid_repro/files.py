"""Writing files so that a failed run leaves nothing half-written: `atomic_path`. No
dependency beyond the standard library, so every layer can use it (the images, the
declarations' JSON records, the transform network's saved model)."""
import os
import tempfile


def _atomic_target(path):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=directory)
    os.close(fd)
    return path, tmp


class atomic_path:
    """Context manager yielding a temp path in the target's directory; renamed
    onto the target only if the block succeeds, removed otherwise."""

    def __init__(self, path):
        self.path, self.tmp = _atomic_target(path)

    def __enter__(self):
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp creates 0600
            os.replace(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.remove(self.tmp)
        return False
