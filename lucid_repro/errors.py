"""The one exception type for bad user input.

Anything a user can get wrong (a path, a layer name, a channel, a size) raises
`UserError` with a one-line message; the scripts turn it into `error: <message>`
on stderr and exit status 2, without a traceback.
"""


class UserError(ValueError):
    """Bad input from the user: printed as one line, exit status 2."""


def first_line(error):
    """The first line of an exception's message (its type's name if empty): what a
    one-line error quotes of a library's multi-line message."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def check(condition, message):
    if not condition:
        raise UserError(message)


class NumericalError(UserError):
    """The loss or a gradient stopped being finite; the parameterization kept its
    last good state (`image`: its output then, or None)."""

    def __init__(self, message, step=None, image=None):
        super().__init__(message)
        self.step, self.image = step, image


class Interrupted(Exception):
    """A run stopped by SIGINT/SIGTERM after saving what it had; exit status 128 + signum."""

    def __init__(self, message, signum):
        super().__init__(message)
        self.signum = signum
