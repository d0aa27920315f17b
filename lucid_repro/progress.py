"""Progress bars that suit where they print.

On a terminal (and in Jupyter/Colab) this is plain `tqdm.auto.tqdm`: one bar redrawn in
place. When the stream is not a terminal (CI logs, `make demo > log`), tqdm would still
redraw the bar ten times a second with carriage returns, which a log keeps as thousands
of lines. There `bar()` returns a `LogBar` instead: one complete line (ending in a
newline, no carriage return) at the start and then at most every `LOG_PERCENT` percent of
the total (every `LOG_SECONDS` seconds when the total is unknown); clearing a finished
bar writes nothing.
"""
import math
import sys

from tqdm import std
from tqdm.auto import tqdm as auto_tqdm
from tqdm.autonotebook import tqdm as _frontend    # tqdm.notebook's bar inside Jupyter

LOG_PERCENT = 5
LOG_SECONDS = 30.0


def is_terminal(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class LogBar(std.tqdm):
    """tqdm for logs: whole lines, at most one per `LOG_PERCENT` % of the total."""
    monitor_interval = 0     # tqdm's monitor thread would force a redraw every 10 s

    def __init__(self, *args, **kwargs):
        total = kwargs.get("total")
        if total:
            kwargs["miniters"] = max(1, math.ceil(total * LOG_PERCENT / 100))
            kwargs["mininterval"] = 0
        else:
            kwargs["mininterval"] = LOG_SECONDS
        kwargs["dynamic_ncols"] = False
        kwargs.setdefault("ncols", 100)
        super().__init__(*args, **kwargs)

    def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
        super().set_postfix(ordered_dict, refresh=False, **kwargs)    # shown with the next line

    def set_description(self, desc=None, refresh=True):
        super().set_description(desc, refresh=False)

    def display(self, msg=None, pos=None):
        if msg is not None and not msg.strip():
            return False          # clearing (leave=False): nothing to clear in a log
        self.fp.write((self.__str__() if msg is None else msg) + "\n")
        self.fp.flush()
        return True


def bar(*args, file=None, **kwargs):
    """`tqdm(...)` for a terminal or notebook, `LogBar(...)` for a log. Same arguments
    as tqdm; `file` defaults to sys.stderr."""
    stream = sys.stderr if file is None else file
    if _frontend is not std.tqdm or is_terminal(stream) or kwargs.get("disable") is True:
        return auto_tqdm(*args, file=file, **kwargs)
    return LogBar(*args, file=stream, **kwargs)
