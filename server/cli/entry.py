"""The installed command's entry point: a stop signal while the command line is still loading ends it as it
would later, with one line and no traceback.

Loading the command line (the SDK and its models) takes most of a second; ``main`` only handles signals once it
runs. This module imports nothing heavy, so it is loaded before a Ctrl-C can land mid-import.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from .. import SERVER_NAME

_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 0}
"""As ``main`` exits after a stop: 130 after Ctrl-C (128 + SIGINT), 0 after a requested stop."""


def _stop_while_loading(signum: int, _frame: FrameType | None) -> None:
    """The line, then the exit at once. Nothing is open yet to clean up, and an exception raised here could be
    swallowed: a signal handler runs wherever the interpreter is, a finalizer or a broad ``except`` included
    (seen once under load: the import went on and the server started despite the SIGTERM)."""
    stopped_by = signal.Signals(signum)
    print(f"{SERVER_NAME}: stopped ({stopped_by.name}).", file=sys.stderr, flush=True)
    os._exit(_STATUS[stopped_by])


def main() -> int:
    previous = {signum: signal.signal(signum, _stop_while_loading) for signum in _STATUS}
    try:
        from .main import main as run_command_line
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return run_command_line()
