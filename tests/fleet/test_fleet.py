"""Several workers behind a real nginx (round-robin) with a real Redis: the fleet keeps one rate budget per key,
survives losing Redis mid-run without losing or repeating a call, and serves 2025-11-25 sessions through the
balancer (sticky on ``Mcp-Session-Id``) as well as stateless 2026-07-28 calls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.e2e.clients import Mode, text_of
from tests.e2e.http_server import http_client
from tests.fleet.support import Fleet, RedisServer, fleet_servers, redis_server

pytestmark = [pytest.mark.slow, pytest.mark.anyio]


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as running:
        yield running


async def call_all(
    url: str, calls: list[tuple[str, dict[str, Any]]], mode: Mode = "auto"
) -> list[types.CallToolResult]:
    """Every call at once through one client (each its own POST through the balancer in 2026-07-28)."""
    results: dict[int, types.CallToolResult] = {}
    async with http_client(url, mode) as client:

        async def one(index: int, tool: str, arguments: dict[str, Any]) -> None:
            results[index] = await client.call_tool(tool, arguments)

        async with anyio.create_task_group() as group:
            for index, (tool, arguments) in enumerate(calls):
                group.start_soon(one, index, tool, arguments)
    return [results[index] for index in range(len(calls))]


def upstream(sandbox: SandboxServer, path: str, method: str = "GET") -> list[Any]:
    return [r for r in sandbox.state.requests if r.api_path == path and r.method == method]


async def test_the_fleet_keeps_one_budget_per_key(sandbox: SandboxServer, redis: RedisServer, tmp_path: Path) -> None:
    """Budget 20/min: 60 concurrent calls spread over three workers in two processes put exactly 20 upstream;
    the other 40 are isError results that say when to retry; Redis holds only keyed hashes of the key."""
    env = {"POSTHOG_MCP_REDIS_URL": redis.url, "POSTHOG_MCP_RATE_PER_MINUTE": "20", "POSTHOG_MCP_CALL_TIMEOUT": "5"}
    with fleet_servers(sandbox, tmp_path, [2, 1], **env) as fleet:
        sandbox.state.clear_requests()
        results = await call_all(fleet.url, [("desktop_recordings_list", {})] * 60)
        logs = fleet.logs()
    sent = upstream(sandbox, "desktop_recordings")
    done = [r for r in results if not r.is_error]
    refused = [text_of(r) for r in results if r.is_error]
    assert len(sent) == 20
    assert len(done) == 20
    assert len(refused) == 40
    assert all("rate budget for this PostHog key is spent" in text and "Retry in" in text for text in refused)
    assert all("Nothing was sent to PostHog" in text for text in refused)
    for log in logs:  # both processes served calls: the budget held across them, not inside one
        assert "GET desktop_recordings/ ->" in log
    keys = await redis_keys(redis)
    assert any(key.startswith("posthog-mcp:budget:") for key in keys)
    assert all(key.startswith("posthog-mcp:") for key in keys)
    assert not any(sandbox.api_key in key for key in keys)


async def redis_keys(redis: RedisServer) -> list[str]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis.url)  # pyright: ignore[reportUnknownMemberType]
    try:
        return [key.decode() for key in await client.keys("*")]  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    finally:
        await client.aclose()


LIVE = RECORDING_IDS["design_review_live"]


def creates(prefix: str, count: int) -> list[tuple[str, dict[str, Any]]]:
    """Segment appends (a write that is not safe to repeat), each with its own text."""
    return [
        ("desktop_recordings_append_segments", {"id": LIVE, "segments": [{"text": f"{prefix}-{i}", "timestamp": 1.5}]})
        for i in range(count)
    ]


def titles_sent(sandbox: SandboxServer) -> list[str]:
    sent = upstream(sandbox, f"desktop_recordings/{LIVE}/append_segments", "POST")
    return [r.json["segments"][0]["text"] for r in sent]


def count_in(logs: list[str], text: str) -> list[int]:
    return [log.count(text) for log in logs]


async def wait_for_logs(fleet: Fleet, text: str, url: str) -> None:
    """Calls (reads) until every worker has logged ``text``; bounded."""
    with anyio.fail_after(30):
        while not all(count_in(fleet.logs(), text)):
            await call_all(url, [("desktop_recordings_list", {})] * 4)
            await anyio.sleep(0.3)


async def test_losing_redis_mid_run_loses_no_call_and_recovers(
    sandbox: SandboxServer, redis: RedisServer, tmp_path: Path
) -> None:
    """Redis SIGKILLed between batches of creates (not safe to repeat): every create is answered and reaches
    PostHog exactly once; each worker logs the loss once and, once Redis is back, the recovery once."""
    env = {"POSTHOG_MCP_REDIS_URL": redis.url}
    with fleet_servers(sandbox, tmp_path, [1, 1], **env) as fleet:
        sandbox.state.clear_requests()
        before = await call_all(fleet.url, creates("before", 6))
        redis.kill()
        during = await call_all(fleet.url, creates("during", 10))
        redis.start()
        await wait_for_logs(fleet, "is back", fleet.url)
        after = await call_all(fleet.url, creates("after", 6))
        logs = fleet.logs()
        keys = await redis_keys(redis)
    for result in [*before, *during, *after]:
        assert not result.is_error, text_of(result)
    expected = [f"{phase}-{i}" for phase, n in (("before", 6), ("during", 10), ("after", 6)) for i in range(n)]
    assert sorted(titles_sent(sandbox)) == sorted(expected)  # none lost, none sent twice
    assert count_in(logs, "lost Redis at") == [1, 1]
    assert count_in(logs, "is back: the fleet shares its state again") == [1, 1]
    assert any(key.startswith("posthog-mcp:budget:") for key in keys)  # shared again after the recovery


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stateless_legacy_and_modern_calls_go_to_any_worker(
    sandbox: SandboxServer, redis: RedisServer, tmp_path: Path, mode: Mode
) -> None:
    """POSTHOG_MCP_LEGACY_SESSIONS=stateless behind round-robin nginx, over two processes: a 2025-11-25 session's
    requests land on both and every call is answered; so are 2026-07-28 calls."""
    env = {"POSTHOG_MCP_REDIS_URL": redis.url, "POSTHOG_MCP_LEGACY_SESSIONS": "stateless"}
    with fleet_servers(sandbox, tmp_path, [1, 1], **env) as fleet:
        for _ in range(2):
            results = await call_all(fleet.url, [("desktop_recordings_list", {}), ("endpoints_list", {})] * 4, mode)
            assert all(not result.is_error for result in results), [text_of(r) for r in results]
            assert all("results" in text_of(result) for result in results)
        logs = fleet.logs()
    for log in logs:  # both processes made upstream calls
        assert "/ -> 200 in" in log


async def test_stateful_legacy_sessions_stick_to_a_worker_by_client_address(
    sandbox: SandboxServer, redis: RedisServer, tmp_path: Path
) -> None:
    """Stateful 2025-11-25 sessions behind nginx hashing on the client address (deploy/nginx.conf): the
    session's initialize and every later request reach the one worker holding it."""
    env = {"POSTHOG_MCP_REDIS_URL": redis.url}
    with fleet_servers(sandbox, tmp_path, [1, 1], affinity="$remote_addr", **env) as fleet:
        for _ in range(2):
            results = await call_all(fleet.url, [("desktop_recordings_list", {})] * 4, "legacy")
            assert all(not result.is_error for result in results), [text_of(r) for r in results]


@asynccontextmanager
async def asking_client(url: str) -> AsyncIterator[Client]:
    """A 2026-07-28 client that declares elicitation (so the server asks); the test answers by hand."""

    async def never(_context: ClientRequestContext, _params: types.ElicitRequestParams) -> types.ErrorData:
        return types.ErrorData(code=types.INVALID_REQUEST, message="answered by the test itself")

    async with (
        httpx2.AsyncClient(timeout=60) as http,
        Client(streamable_http_client(url, http_client=http), mode="auto", elicitation_callback=never) as client,
    ):
        yield client


async def test_a_confirmation_answered_on_another_worker_is_used_once_fleet_wide(
    sandbox: SandboxServer, redis: RedisServer, tmp_path: Path
) -> None:
    """2026-07-28 behind round-robin nginx, one POSTHOG_MCP_STATE_KEY: asked on one worker, answered on the
    next; the same answer replayed to the other worker is refused (the single-use check is in Redis)."""
    env = {"POSTHOG_MCP_REDIS_URL": redis.url, "POSTHOG_MCP_STATE_KEY": "s" * 32}
    yes: types.InputResponses = {"confirm_delete": types.ElicitResult(action="accept", content={"confirm": True})}
    delete = ("desktop_recordings_delete", {"id": RECORDING_IDS["pricing_review"]})
    with fleet_servers(sandbox, tmp_path, [1, 1], **env) as fleet:
        sandbox.state.clear_requests()
        async with asking_client(fleet.url) as client:
            asked = await client.session.call_tool(*delete, allow_input_required=True)
            assert isinstance(asked, types.InputRequiredResult)
            assert asked.request_state is not None
            done = await client.session.call_tool(*delete, input_responses=yes, request_state=asked.request_state)
            with pytest.raises(MCPError) as replayed:
                await client.session.call_tool(*delete, input_responses=yes, request_state=asked.request_state)
        logs = fleet.logs()
    assert not done.is_error, text_of(done)
    assert "already used" in replayed.value.error.message
    assert len([r for r in sandbox.state.requests if r.method == "DELETE"]) == 1
    for log in logs:  # the rounds were spread over both processes
        assert "desktop_recordings/{id}/ ->" in log
