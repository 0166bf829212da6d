"""Stopping at once on Ctrl-C (SIGINT) or SIGTERM, with one line on stderr and no traceback.

Without this, asyncio turns the first Ctrl-C into a cancellation that then waits on the thread blocked reading
stdin, the second into a ``KeyboardInterrupt`` traceback, and SIGTERM kills the process without cleaning up.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from types import FrameType

import anyio

from .. import SERVER_NAME
from ..logs import LOGGER_NAME

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells expect, so a script running the server stops too."""


class Stopped(BaseException):
    """SIGTERM outside the event loop (start-up, shutdown), raised like ``KeyboardInterrupt`` is for SIGINT."""

    def __init__(self, signum: signal.Signals) -> None:
        super().__init__(signum.name)
        self.signum = signum


def raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum))


def exit_status(stopped_by: signal.Signals | None) -> int:
    """0 for a normal end or a requested stop (SIGTERM); 130 after Ctrl-C."""
    return INTERRUPTED if stopped_by == signal.SIGINT else 0


_said: list[signal.Signals] = []


def say_stopped(stopped_by: signal.Signals) -> None:
    """The one line a stop prints; a second Ctrl-C while stopping (which ends the clean-up) adds nothing."""
    if not _said:
        _said.append(stopped_by)
        print(f"{SERVER_NAME}: stopped ({stopped_by.name}).", file=sys.stderr, flush=True)


async def run_until_signal(serve: Callable[[], Awaitable[None]]) -> signal.Signals | None:
    """Run ``serve`` until it returns or a stop signal arrives; on a signal everything it runs is cancelled
    (in-flight calls included, their clean-up still runs) and the signal is returned."""
    if sys.platform == "win32":  # pragma: no cover - no POSIX signals; Ctrl-C arrives as KeyboardInterrupt
        await serve()
        return None
    stopped_by: list[signal.Signals] = []
    with anyio.open_signal_receiver(*STOP_SIGNALS) as signals:
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                async for received in signals:
                    stopped_by.append(received)
                    # The stop line says it all; per-request lines of the calls being cancelled would repeat it.
                    logging.getLogger(LOGGER_NAME).setLevel(logging.WARNING)
                    group.cancel_scope.cancel()
                    return

            group.start_soon(watch)
            await serve()
            group.cancel_scope.cancel()
    return stopped_by[0] if stopped_by else None
