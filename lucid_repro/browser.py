"""A headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`),
standard library only: open a page, evaluate JavaScript, collect console errors and
failed loads, take screenshots. Used by the report's browser test and to take
docs/report.png (`python -m lucid_repro.browser PAGE OUT.png`).

Chromium comes from the system (Debian: `apt-get install chromium`, the Makefile's
`sysdeps`); `find_chromium()` returns None where there is none. WebGL runs on SwiftShader
(software), so model-viewer renders without a GPU.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_chromium():
    env = os.environ.get("CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _above(fd, low):
    """A copy of `fd` numbered >= low (the original is closed)."""
    import fcntl
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, low)
    os.close(fd)
    return new


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page. `with Browser() as b: b.open(url); ...`"""

    def __init__(self, width=1280, height=900, scale=1, mobile=False, binary=None, timeout=120):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise BrowserError("no chromium found (apt-get install chromium)")
        self.timeout = timeout
        self.events = []
        self._id = 0
        self._buf = b""
        self._profile = tempfile.mkdtemp(prefix="lucid_repro_chromium_")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # chromium reads commands on fd 3 and answers on fd 4: move our ends above 4 first
        to_chrome_r, from_chrome_w = (_above(fd, 10) for fd in (to_chrome_r, from_chrome_w))

        def child_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        args = [self.binary, "--headless", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--mute-audio",
                "--hide-scrollbars", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={self._profile}",
                "about:blank"]
        self.proc = subprocess.Popen(args, pass_fds=(3, 4, to_chrome_r, from_chrome_w), preexec_fn=child_fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=scale, mobile=mobile)

    # -- protocol
    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not answer in time")
            import select
            ready, _, _ = select.select([self._from_chrome], [], [], 0.5)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise BrowserError("chromium closed the pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, session=False, timeout=None, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise BrowserError(f"{method}: {m['error'].get('message')}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def pump(self, seconds):
        """Collect events for `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except BrowserError:
            pass

    # -- page
    def open(self, url, timeout=None):
        self.events = []
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + (timeout or self.timeout)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read_message(deadline))

    def evaluate(self, expression, timeout=None):
        r = self.call("Runtime.evaluate", session=True, timeout=timeout, expression=expression,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise BrowserError(f"JavaScript error: {r['exceptionDetails'].get('text')}")
        return r.get("result", {}).get("value")

    def wait_for(self, expression, timeout=None):
        """Poll `expression` until it is truthy; returns its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            self.pump(0.5)
        raise BrowserError(f"timed out waiting for {expression}")

    def errors(self):
        """Console errors, uncaught exceptions and failed loads seen since the last open()."""
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                  for a in p.get("args", [])))
            elif e.get("method") == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
            elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                entry = p["entry"]
                out.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        return out

    def screenshot(self, path, full_page=False, clip=None):
        """PNG of the viewport (or the whole page, or clip = (x, y, w, h) in page pixels)."""
        params = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            clip = (0, 0, size["width"], size["height"])
        if clip:
            x, y, w, h = clip
            params.update(clip={"x": x, "y": y, "width": w, "height": h, "scale": 1},
                          captureBeyondViewport=True)
        data = self.call("Page.captureScreenshot", session=True, **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv):
    """python -m lucid_repro.browser PAGE.html OUT.png [WIDTH [HEIGHT]]: a screenshot of
    the page's top (WIDTH x HEIGHT, default 1280 x 2400) once its 3D viewers are loaded."""
    if len(argv) < 3:
        print("usage: python -m lucid_repro.browser PAGE.html OUT.png [WIDTH [HEIGHT]]", file=sys.stderr)
        return 2
    width = int(argv[3]) if len(argv) > 3 else 1280
    height = int(argv[4]) if len(argv) > 4 else 2400
    url = "file://" + os.path.abspath(argv[1]) + "?selftest"
    with Browser(width=width, height=height, timeout=600) as b:
        b.open(url)
        result = json.loads(b.wait_for("(document.getElementById('selftest-result') || {}).textContent"))
        b.evaluate("window.scrollTo(0, 0)")
        b.pump(1.0)
        b.screenshot(argv[2], clip=(0, 0, width, height))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
