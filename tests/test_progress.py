"""Progress bars in logs: when stderr is not a terminal, a loop prints whole lines, at most
one per 5 % of the total (plus the first), and no carriage returns."""
import subprocess
import sys

LOOP = """
import time
from lucid_repro.progress import bar
b = bar(total=400, desc="steps", leave=False)
for _ in range(400):
    time.sleep(0.001)
    b.update(1)
    b.set_postfix(loss=1.0)     # as render() does every step
b.close()
"""


def test_progress_not_a_tty_prints_few_lines(tmp_path):
    log = tmp_path / "log"
    with open(log, "w") as fh:   # a file, as with `make demo > log`
        r = subprocess.run([sys.executable, "-c", LOOP], stdout=fh, stderr=subprocess.STDOUT, timeout=120)
    assert r.returncode == 0
    text = log.read_text()
    assert "\r" not in text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert 2 <= len(lines) <= 22, text           # 0 %, then every 5 % at most
    assert "400/400" in lines[-1]


def test_progress_disabled_prints_nothing(tmp_path):
    r = subprocess.run([sys.executable, "-c", LOOP.replace('leave=False', 'leave=False, disable=True')],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
