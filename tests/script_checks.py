"""Shared assertion of the scripts' bad-input contract: one `error:` line naming the
problem, exit status 2, and nothing written (no output, no JSON, no temp file)."""
import os


def assert_refused(r, needle, folder, *outputs):
    assert r.returncode == 2, r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr
    assert not [p for p in outputs if p.exists()], r.stderr
    assert not [p for p in os.listdir(folder) if p.startswith(".tmp")]


def run_script(module, args, cwd, env=None, timeout=600):
    """Run `python -m <module> <args>` in `cwd` (a fresh process: the scripts' own flag
    parsing, exit status and stderr), returning a CompletedProcess with text output.
    `module` is a short script name ('cppn') or a full module path."""
    import subprocess
    import sys
    if "." not in module:
        module = f"lucid_repro.scripts.{module}"
    run_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    run_env.update(env or {})
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          env=run_env, cwd=str(cwd), timeout=timeout)
