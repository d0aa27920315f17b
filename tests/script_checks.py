"""Shared assertion of the scripts' bad-input contract: one `error:` line naming the
problem, exit status 2, and nothing written (no output, no JSON, no temp file)."""
import os


def assert_refused(r, needle, folder, *outputs):
    assert r.returncode == 2, r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr
    assert not [p for p in outputs if p.exists()], r.stderr
    assert not [p for p in os.listdir(folder) if p.startswith(".tmp")]
