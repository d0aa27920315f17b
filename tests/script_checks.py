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


class ScriptRun:
    """A started script run (`start_script`): the parts of subprocess.Popen the tests use,
    for a child of the fork server or, when it must be fresh, a real Popen."""

    def __init__(self, module, args, cwd, env, timeout, fresh):
        import json
        import subprocess
        import sys
        import tempfile
        self.args = [module, *args]
        self.returncode = None
        self._popen = self._tmp = None
        server = None if fresh else _fork_server()
        if server is None or any(k.startswith(_IMPORT_TIME_ENV) and server.env.get(k) != env.get(k)
                                 for k in set(env) | set(server.env)):
            self._popen = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True, env=env, cwd=str(cwd))
            self.pid = self._popen.pid
            return
        self._server = server
        self._tmp = tempfile.TemporaryDirectory(prefix="script-run-")
        self._out = os.path.join(self._tmp.name, "stdout")
        self._err = os.path.join(self._tmp.name, "stderr")
        server.stdin.write(json.dumps({"module": module, "argv": [str(a) for a in args], "cwd": str(cwd),
                                       "env": env, "stdout": self._out, "stderr": self._err,
                                       "timeout": timeout}) + "\n")
        server.stdin.flush()
        self.pid = json.loads(server.stdout.readline())["pid"]
        self._timed_out = False

    def send_signal(self, sig):
        if self.returncode is None:
            os.kill(self.pid, sig)

    def poll(self):
        if self._popen is not None:
            self.returncode = self._popen.poll()
        elif self.returncode is None:
            import select
            if select.select([self._server.stdout], [], [], 0)[0]:
                self._collect()
        return self.returncode

    def _collect(self):
        import json
        reply = json.loads(self._server.stdout.readline())
        self.returncode, self._timed_out = reply["returncode"], reply["timeout"]

    def communicate(self, timeout=None):
        """(stdout, stderr) once the run has ended (the server enforces the run's own
        timeout; `timeout` here is accepted for Popen's signature)."""
        import subprocess
        if self._popen is not None:
            out, err = self._popen.communicate(timeout=timeout)
            self.returncode = self._popen.returncode
            return out, err
        if self.returncode is None:
            self._collect()
        read = lambda p: open(p, encoding="utf-8", errors="replace").read() if os.path.exists(p) else ""
        out, err = read(self._out), read(self._err)
        self._tmp.cleanup()
        if self._timed_out:
            raise subprocess.TimeoutExpired(self.args, timeout, out, err)
        return out, err

    def wait(self, timeout=None):
        self.stdout_text, self.stderr_text = self.communicate(timeout)
        return self.returncode


def start_script(module, args, cwd, env=None, timeout=600, fresh=False):
    """Start `python -m <module> <args>` in `cwd` without waiting (for tests that signal a
    run); see `run_script`. `env` adds to (a value of None: removes from) this process's
    environment."""
    if "." not in module:
        module = f"lucid_repro.scripts.{module}"
    run_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    run_env.update(env or {})
    run_env = {k: v for k, v in run_env.items() if v is not None}    # None: unset it
    return ScriptRun(module, args, cwd, run_env, timeout, fresh)


def run_script(module, args, cwd, env=None, timeout=600, fresh=False):
    """Run `python -m <module> <args>` in `cwd` and return a CompletedProcess with text
    stdout/stderr and the exit status. `module` is a short script name ('cppn') or a
    module path. The run is a forked child of a process that has TensorFlow and Keras
    imported (tests/script_server.py: the script's own flag parsing, code, output and exit
    status, without paying the import again); `fresh=True`, or an `env` that changes an
    import-time variable of TensorFlow, starts a new interpreter instead."""
    import subprocess
    run = start_script(module, args, cwd, env=env, timeout=timeout, fresh=fresh)
    out, err = run.communicate(timeout)
    return subprocess.CompletedProcess(run.args, run.returncode, out, err)
