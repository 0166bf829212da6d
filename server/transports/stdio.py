"""Serving MCP over stdio, with a start-up note on stderr for a person at a terminal."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
from mcp.server import Server
from mcp.server.stdio import stdio_server

from .. import SERVER_NAME
from ..config import ConfigError, Settings, misconfiguration_notice
from ..handlers.app import build_registry, create_server
from ..handlers.misconfigured import create_misconfigured_server
from ..logs import LOGGER_NAME
from .drain import draining
from .pipes import pipe_streams, pipes_usable
from .signals import exit_status, run_until_signal, say_stopped

logger = logging.getLogger(LOGGER_NAME)


def startup_note(settings: Settings, tool_count: int) -> str:
    where = f"the built-in sandbox at {settings.host}" if settings.sandbox else settings.host
    lines = [
        f"{SERVER_NAME}: {tool_count} tools ready, talking to {where}"
        + (f" (default project {settings.project_id})." if settings.project_id else "."),
    ]
    if tool_count == 0:
        lines.append("No tool passes the filters: check --tools, --exclude-tools, --toolsets and --read-only.")
    if settings.api_key is None:
        lines.append("No API key set: tools are listed, and each call explains how to set POSTHOG_API_KEY.")
    lines.append("This is an MCP server speaking JSON-RPC on stdin/stdout; it is waiting for a client.")
    if sys.stdin.isatty():
        lines += [
            "Connect a client, for example:",
            "  npx @modelcontextprotocol/inspector posthog-environments-mcp --sandbox",
            "  or add it to Claude Desktop (see claude_desktop_config.example.json).",
            "Try one tool from a shell:",
            "  posthog-environments-mcp --sandbox call desktop_recordings_list '{\"limit\": 3}'",
            "Press Ctrl-C to stop.",
        ]
    return "\n".join(lines)


class DaemonThreadStdin(anyio.AsyncFile[str]):
    """stdin for ``stdio_server``, read by one daemon thread so that stopping never waits for the next line.

    anyio's worker threads cannot be abandoned: a read blocked on an idle pipe or terminal would hold a stopping
    server, and then the interpreter's exit, until the client writes again. A daemon thread is left behind instead.
    It reads a private duplicate of fd 0 without a buffer lock, so it cannot stall the interpreter's shutdown.
    """

    def __init__(self, fd: int = 0) -> None:
        super().__init__(io.TextIOWrapper(io.FileIO(os.dup(fd), "r"), encoding="utf-8", errors="replace"))
        self._send, self._lines = anyio.create_memory_object_stream[str](16)
        self._reader: threading.Thread | None = None

    def _read_lines(self, token: anyio.lowlevel.EventLoopToken) -> None:
        # RuntimeError: the event loop has finished; the others: the reading side has gone. Nobody reads any more.
        with contextlib.suppress(RuntimeError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            for line in iter(self._line_or_eof, ""):
                anyio.from_thread.run(self._send.send, line, token=token)
            anyio.from_thread.run_sync(self._send.close, token=token)

    def _line_or_eof(self) -> str:
        try:
            return self.wrapped.readline()
        except OSError:  # a broken stdin ends the session as its end would
            return ""

    async def readline(self) -> str:
        if self._reader is None:
            token = anyio.lowlevel.current_token()
            self._reader = threading.Thread(target=self._read_lines, args=(token,), name="stdin-reader", daemon=True)
            self._reader.start()
        try:
            return await self._lines.receive()
        except anyio.EndOfStream:
            return ""


async def _serve(server: Server[Any], call_timeout: float) -> int:
    async def serve() -> None:
        with contextlib.ExitStack() as stack:
            # On pipes (what a client spawns us with) the event loop reads and writes: no thread hop per message
            # (server/transports/pipes.py). A terminal or a file keeps the SDK's streams with a daemon-thread stdin.
            stdin: anyio.AsyncFile[str]
            stdout: anyio.AsyncFile[str] | None
            stdin, stdout = stack.enter_context(pipe_streams()) if pipes_usable() else (DaemonThreadStdin(), None)
            try:
                async with stdio_server(stdin=stdin, stdout=stdout) as streams:
                    # The end of stdin waits for the answers still due (server/transports/drain.py).
                    read_stream, write_stream = draining(*streams, call_timeout)
                    await server.run(read_stream, write_stream, server.create_initialization_options())
            except* (BrokenPipeError, ConnectionResetError):  # the client stopped reading: the session is over
                print(f"{SERVER_NAME}: the client closed its end of stdout; stopped.", file=sys.stderr, flush=True)

    stopped_by = await run_until_signal(serve)
    if stopped_by is not None:
        say_stopped(stopped_by)
    return exit_status(stopped_by)


async def serve_stdio(settings: Settings) -> int:
    registry = build_registry(settings)
    server = create_server(settings, registry=registry)
    print(startup_note(settings, len(registry)), file=sys.stderr, flush=True)
    return await _serve(server, settings.call_timeout)


async def serve_misconfigured(error: ConfigError) -> int:
    """Serve the explanation of a bad configuration to the client (see ``server/handlers/misconfigured.py``)."""
    print(f"{SERVER_NAME}: configuration error.\n{misconfiguration_notice(error)}", file=sys.stderr, flush=True)
    return await _serve(create_misconfigured_server(error), Settings().call_timeout)
