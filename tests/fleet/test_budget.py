"""The rate budget in one process (no Redis) and when Redis cannot be reached at start, through a real MCP client
in process against the sandbox: the budget holds, a call waits when room comes within its deadline, and a worker
that cannot reach Redis starts anyway with its share of the budget and says so once."""

from __future__ import annotations

import logging
import subprocess
import sys

import mcp_types as types
import pytest
from mcp import Client
from pydantic import SecretStr

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.server.config import Settings
from posthog_environments_mcp.server.handlers.app import create_server
from posthog_environments_mcp.server.shared.state import shared_state
from tests.e2e.clients import Mode, text_of
from tests.fleet.support import free_port
from tests.server.resources.support import settings_for

pytestmark = pytest.mark.anyio


async def list_calls(settings: Settings, count: int, mode: Mode, workers: int = 1) -> list[types.CallToolResult]:
    server = create_server(settings, shared=shared_state(settings, workers=workers))
    async with Client(server, mode=mode, read_timeout_seconds=30) as client:  # type: ignore[arg-type]
        return [await client.call_tool("desktop_recordings_list", {}) for _ in range(count)]


def sent(sandbox: SandboxServer) -> int:
    return len([r for r in sandbox.state.requests if r.api_path == "desktop_recordings"])


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_one_process_keeps_the_budget(sandbox: SandboxServer, mode: Mode) -> None:
    """3 per minute: the fourth and fifth calls are isErrors that name the budget and when to retry; not sent."""
    results = await list_calls(settings_for(sandbox, rate_per_minute=3, call_timeout=5), 5, mode)
    assert [r.is_error for r in results] == [False, False, False, True, True]
    text = text_of(results[3])
    assert "3 per minute (POSTHOG_MCP_RATE_PER_MINUTE)" in text
    assert "Retry in" in text
    assert sandbox.api_key not in text
    assert sent(sandbox) == 3


async def test_a_zero_budget_is_off(sandbox: SandboxServer) -> None:
    results = await list_calls(settings_for(sandbox, rate_per_minute=0, rate_per_hour=0), 3, "auto")
    assert not any(r.is_error for r in results)
    assert sent(sandbox) == 3


async def test_redis_unreachable_at_start_serves_with_a_split_budget(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody listens at the Redis URL: the worker serves, warns once (without the URL's password), and keeps
    its 1/2 share of 4 per minute as one of two workers."""
    url = f"redis://:hunter2-password@127.0.0.1:{free_port()}/0"
    settings = settings_for(sandbox, rate_per_minute=4, call_timeout=5, redis_url=SecretStr(url))
    with caplog.at_level(logging.WARNING, logger="posthog_environments_mcp.shared"):
        results = await list_calls(settings, 4, "auto", workers=2)
    assert [r.is_error for r in results] == [False, False, True, True]
    warnings = [r.getMessage() for r in caplog.records if r.name == "posthog_environments_mcp.shared"]
    assert len(warnings) == 1
    assert "unreachable at start" in warnings[0]
    assert "budget split by 2 worker(s)" in warnings[0]
    assert "hunter2" not in warnings[0]
    assert sent(sandbox) == 2


def test_without_a_redis_url_redis_is_never_imported() -> None:
    """The optional dependency stays optional: stdio and a lone HTTP app build and run without loading it."""
    code = (
        "import sys\n"
        "from posthog_environments_mcp.server.config import Settings\n"
        "from posthog_environments_mcp.server.transports.stdio import serve_stdio\n"
        "from posthog_environments_mcp.server.transports.http_app import build_http_app\n"
        "from posthog_environments_mcp.server.transports.settings import HttpSettings\n"
        "build_http_app(Settings(), HttpSettings())\n"
        "assert not [m for m in sys.modules if m == 'redis' or m.startswith('redis.')], 'redis was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
