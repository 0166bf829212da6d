"""SIGTERM while a call is in flight: the server stops accepting connections, lets the call finish, exits 0."""

from __future__ import annotations

import signal
from pathlib import Path

import anyio
import httpx2
import pytest

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from tests.e2e.clients import text_of
from tests.e2e.http_server import http_client, http_server
from tests.server.resources.support import wait_until

UPSTREAM_DELAY = 3.0


def refuses_connections(base: str) -> bool:
    try:
        httpx2.get(f"{base}/healthz", timeout=1)
    except httpx2.ConnectError:
        return True
    except httpx2.HTTPError:
        return False
    return False


@pytest.mark.anyio
async def test_sigterm_drains_the_call_in_flight(sandbox: SandboxServer, tmp_path: Path) -> None:
    sandbox.state.inject(Fault(method="GET", path="endpoints", kind="delay", delay=UPSTREAM_DELAY))
    env = {"POSTHOG_MCP_AUTH": "per-request", "POSTHOG_MCP_SHUTDOWN_GRACE": "20"}
    with http_server(sandbox, tmp_path / "server.log", **env) as server:
        async with http_client(server.url, "auto", sandbox.api_key) as client:
            await client.list_tools()  # the client checks results against the output schemas it already has
            result = None

            async def call() -> None:
                nonlocal result
                result = await client.call_tool("endpoints_list", {})

            async with anyio.create_task_group() as group:
                group.start_soon(call)
                await wait_until(lambda: any(r.api_path == "endpoints" for r in sandbox.state.requests), "the call")
                server.process.send_signal(signal.SIGTERM)
                await wait_until(
                    lambda: refuses_connections(server.base), "the listener to close", seconds=UPSTREAM_DELAY
                )
                assert result is None, "the call was still in flight when new connections were refused"
        assert result is not None
        assert not result.is_error, text_of(result)
        assert server.process.wait(timeout=30) == 0
