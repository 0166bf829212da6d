"""stdin and stdout as asyncio pipe transports, for the usual case: an MCP client that spawned us with pipes.

The SDK's ``stdio_server`` reads and writes through anyio worker threads: a hop to a thread and back for every
line read, and two for every message written (the write, then the flush). On pipes the event loop can do both
itself, without blocking: lines arrive through ``loop.connect_read_pipe``, answers leave through
``loop.connect_write_pipe`` (written at once while the pipe has room; ``flush`` waits only while it is full).

Only pipes and sockets are served this way. A terminal or a file keeps the thread-based streams: asyncio would
switch a terminal, which the shell shares, to non-blocking mode, and cannot poll a regular file. While serving,
fd 1 points at stderr (as the SDK does), so a stray ``print`` cannot corrupt the protocol; it is restored after.
"""

from __future__ import annotations

import asyncio
import io
import os
import stat
import sys
from collections.abc import Generator
from contextlib import contextmanager

import anyio

UNBOUNDED_LINE = sys.maxsize
"""A line may be as long as it is (as with a file's ``readline``): the size rules apply to what it says."""


def is_pipe(fd: int) -> bool:
    """A pipe or a socket, which asyncio can poll; not a terminal or a file (or a closed descriptor)."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def pipes_usable() -> bool:
    return sys.platform != "win32" and is_pipe(0) and is_pipe(1)


class PipeStdin(anyio.AsyncFile[str]):
    """Lines from a private duplicate of fd 0, read by the event loop; UTF-8, bad bytes replaced (as the SDK)."""

    def __init__(self, fd: int = 0) -> None:
        self._pipe = io.FileIO(os.dup(fd), "r")
        super().__init__(io.TextIOWrapper(self._pipe, encoding="utf-8", errors="replace"))
        self._reader: asyncio.StreamReader | None = None
        self._transport: asyncio.ReadTransport | None = None

    async def readline(self) -> str:
        if self._reader is None:
            self._reader = asyncio.StreamReader(limit=UNBOUNDED_LINE)
            reader = self._reader
            loop = asyncio.get_running_loop()
            self._transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self._pipe)
        try:
            line = await self._reader.readline()
        except ConnectionError:  # a broken stdin ends the session as its end would
            return ""
        return line.decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        else:
            self._pipe.close()


class PipeStdout(anyio.AsyncFile[str]):
    """Messages written to a pipe by the event loop; ``flush`` returns once every byte is in the pipe."""

    def __init__(self, fd: int) -> None:
        self._pipe = io.FileIO(os.dup(fd), "w")
        super().__init__(io.TextIOWrapper(self._pipe, encoding="utf-8"))
        self._writer: asyncio.StreamWriter | None = None

    async def _connected(self) -> asyncio.StreamWriter:
        if self._writer is None:
            loop = asyncio.get_running_loop()
            protocol = asyncio.StreamReaderProtocol(asyncio.StreamReader())
            transport, _ = await loop.connect_write_pipe(lambda: protocol, self._pipe)
            transport.set_write_buffer_limits(high=0)  # flush (drain) waits until nothing is left buffered
            self._writer = asyncio.StreamWriter(transport, protocol, None, loop)
        return self._writer

    async def write(self, text: str) -> int:  # pyright: ignore[reportIncompatibleMethodOverride]
        (await self._connected()).write(text.encode("utf-8"))
        return len(text)

    async def flush(self) -> None:
        await (await self._connected()).drain()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        else:
            self._pipe.close()


@contextmanager
def pipe_streams() -> Generator[tuple[PipeStdin, PipeStdout]]:
    """The two pipe streams; fd 1 is diverted to stderr meanwhile, and both ends are blocking again after."""
    wire = os.dup(1)
    os.dup2(2, 1)
    stdin, stdout = PipeStdin(0), PipeStdout(wire)
    try:
        yield stdin, stdout
    finally:
        stdin.close()
        stdout.close()
        for fd in (0, wire):  # asyncio made them non-blocking, and the descriptions are shared with fds 0 and 1
            os.set_blocking(fd, True)
        os.dup2(wire, 1)
        os.close(wire)
