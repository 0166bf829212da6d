"""Starting the real server as a stdio subprocess and talking to it with the real MCP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from posthog_environments_mcp.sandbox import SandboxServer
from tests.conftest import server_command, server_env

Mode = Literal["auto", "legacy"]
RAW_INITIALIZE: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
}
"""A 2025-11-25 ``initialize`` request as raw JSON-RPC, for tests that speak the wire protocol themselves."""


@asynccontextmanager
async def stdio_session(
    sandbox: SandboxServer, mode: Mode, stderr_path: Path, *args: str, **env: str
) -> AsyncIterator[Client]:
    """The installed command as a subprocess, its stderr kept in ``stderr_path`` for log assertions."""
    command = server_command()
    params = StdioServerParameters(command=command[0], args=[*command[1:], *args], env=server_env(sandbox, **env))
    with stderr_path.open("a", encoding="utf-8") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode=mode, read_timeout_seconds=60) as client:
            yield client


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def is_subset(expected: Any, actual: Any) -> bool:
    """``expected`` is contained in ``actual`` (dict keys recursively; lists element-wise)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and is_subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(is_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)
