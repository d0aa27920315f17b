"""Shared assertion of the scripts' bad-input contract: one `error:` line naming the
problem, exit status 2, and nothing written (no output, no JSON, no temp file)."""
import os


def assert_refused(r, needle, folder, *outputs):
    assert r.returncode == 2, r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], r.stderr
    assert not [p for p in outputs if p.exists()], r.stderr
    assert not [p for p in os.listdir(folder) if p.startswith(".tmp")]



# Environment variables TensorFlow / Keras / the BLAS read while being imported: a run that
# changes one of them needs a fresh interpreter (the fork server imported them already).
_IMPORT_TIME_ENV = ("TF_", "ONEDNN", "KERAS", "OMP_", "MKL", "OPENBLAS", "CUDA", "XLA", "PYTHONHASHSEED", "PYTHONOPTIMIZE")
_server = None


def _fork_server():
    """This test process's fork server (tests/script_server.py), started on first use."""
    import atexit
    import json
    import subprocess
    import sys
    global _server
    if _server is None or _server.poll() is not None:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        _server = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "script_server.py")],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True, env=env)
        ready = json.loads(_server.stdout.readline())
        assert ready.get("ready"), ready
        _server.env = env
        atexit.register(_server.kill)
    return _server


def run_script(module, args, cwd, env=None, timeout=600, fresh=False):
    """Run `python -m <module> <args>` in `cwd` and return a CompletedProcess with text
    stdout/stderr and the exit status. `module` is a short script name ('cppn') or a
    module path. The run is a forked child of a process that has TensorFlow and Keras
    imported (tests/script_server.py: the script's own flag parsing, code, output and exit
    status, without paying the import again); `fresh=True`, or an `env` that changes an
    import-time variable of TensorFlow, starts a new interpreter instead."""
    import json
    import subprocess
    import sys
    import tempfile
    if "." not in module:
        module = f"lucid_repro.scripts.{module}"
    run_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    run_env.update(env or {})
    server = None if fresh else _fork_server()
    if server is None or any(k.startswith(_IMPORT_TIME_ENV) and server.env.get(k) != run_env.get(k)
                             for k in set(run_env) | set(server.env)):
        return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                              env=run_env, cwd=str(cwd), timeout=timeout)
    with tempfile.TemporaryDirectory(prefix="script-run-") as tmp:
        out, err = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        server.stdin.write(json.dumps({"module": module, "argv": [str(a) for a in args], "cwd": str(cwd),
                                       "env": run_env, "stdout": out, "stderr": err,
                                       "timeout": timeout}) + "\n")
        server.stdin.flush()
        reply = json.loads(server.stdout.readline())
        read = lambda p: open(p, encoding="utf-8", errors="replace").read() if os.path.exists(p) else ""
        stdout, stderr = read(out), read(err)
    if reply["timeout"]:
        raise subprocess.TimeoutExpired([module, *args], timeout, stdout, stderr)
    return subprocess.CompletedProcess([module, *args], reply["returncode"], stdout, stderr)
