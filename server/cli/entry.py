"""The installed command's entry point: a stop signal while the command line is still loading ends it as it
would later, with one line and no traceback.

Loading the command line (the SDK and its models) takes most of a second; ``main`` only handles signals once it
runs. This module imports nothing heavy, so it is loaded before a Ctrl-C can land mid-import.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from .. import SERVER_NAME

_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 0}
"""As ``main`` exits after a stop: 130 after Ctrl-C (128 + SIGINT), 0 after a requested stop."""


def _stop_while_loading(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM mid-import: the line, then the exit (``SystemExit`` unwinds the import without a traceback)."""
    sys.exit(_said(signal.Signals(signum)))


def main() -> int:
    previous = signal.signal(signal.SIGTERM, _stop_while_loading)
    try:
        from .main import main as run_command_line
    except KeyboardInterrupt:
        return _said(signal.SIGINT)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return run_command_line()


def _said(signum: signal.Signals) -> int:
    print(f"{SERVER_NAME}: stopped ({signum.name}).", file=sys.stderr, flush=True)
    return _STATUS[signum]
