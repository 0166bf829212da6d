"""Serving MCP over stdio, with a start-up note on stderr for a person at a terminal."""

from __future__ import annotations

import logging
import sys

from mcp.server.stdio import stdio_server

from .app import build_registry, create_server
from .config import Settings
from .logs import LOGGER_NAME

logger = logging.getLogger(LOGGER_NAME)


def startup_note(settings: Settings, tool_count: int) -> str:
    where = f"the built-in sandbox at {settings.host}" if settings.sandbox else settings.host
    lines = [
        f"posthog-environments-mcp: {tool_count} tools ready, talking to {where}"
        + (f" (default project {settings.project_id})." if settings.project_id else "."),
    ]
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


async def serve_stdio(settings: Settings) -> int:
    registry = build_registry(settings)
    server = create_server(settings, registry=registry)
    print(startup_note(settings, len(registry)), file=sys.stderr, flush=True)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
    return 0
