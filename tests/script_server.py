"""A fork server for the tests' script runs (`script_checks.run_script`).

Every `python -m lucid_repro.scripts.X` the suite starts used to pay Python's start and
TensorFlow's and Keras' import (about 5 s of CPU each, the larger part of a bad-input
test). This process pays them once: it imports those third-party libraries only (no
lucid_repro module, no absl flag of a script), then, for each request read from stdin,
forks a child that becomes the script run: it takes the request's working directory,
environment and argv, sends stdout and stderr to files, and runs the module as
`__main__` (`runpy`, as `python -m` does). The child parses its own flags, runs its own
code and exits with its own status, which the server reports back.

What a forked child cannot change is what TensorFlow read while it was imported
(TF_ENABLE_ONEDNN_OPTS, TF_CPP_* ...): `script_checks.run_script` starts a fresh
interpreter for any request whose environment differs from this server's in such a
variable. Nothing here has started a TensorFlow thread pool before the fork (imports
only), so each child starts its own, as a fresh process would.

Protocol: one JSON object per line on stdin {"module", "argv", "cwd", "env", "stdout",
"stderr", "timeout"}; two JSON lines back: {"pid"} of the child at once, {"returncode"} when it ends (negative: killed by that signal,
as subprocess reports it; "timeout": true when it ran past its limit and was killed).
"""
import json
import os
import signal
import sys
import time

PRELOADED = ("numpy", "PIL.Image", "absl.app", "absl.flags", "absl.logging", "tensorflow", "keras",
             "scipy.optimize", "tqdm", "imageio")


def _preload():
    import importlib
    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _child(req):
    """In the forked child: become `python -m <module> <argv>`; never returns."""
    code = 1
    try:
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
            out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, fd)
            os.close(out)
        import runpy
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # what `python -m` puts on the path: the working directory, then PYTHONPATH
        extra = [p for p in req["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
        sys.path[:1] = [os.getcwd()] + [os.path.abspath(p) for p in extra]
        sys.argv = [req["module"], *req["argv"]]
        try:
            runpy.run_module(req["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as e:
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        import atexit
        atexit._run_exitfuncs()          # what the interpreter runs at a normal exit
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code & 0xFF)


def _wait(pid, timeout):
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), False
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status), True
        time.sleep(0.02)


def main():
    _preload()
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        req = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(req)
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()
        returncode, timed_out = _wait(pid, req["timeout"])
        sys.stdout.write(json.dumps({"returncode": returncode, "timeout": timed_out}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
