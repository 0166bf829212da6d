"""Faults of the connection itself: nobody listening, redirects to another origin, and a call the client cancels
while PostHog is still answering. Real loopback HTTP, real MCP client, the real server in-process."""

from __future__ import annotations

import re
from collections.abc import Iterator

import anyio
import pytest
from pydantic import SecretStr

from posthog_environments_mcp.sandbox import Fault, SandboxServer, SandboxState
from posthog_environments_mcp.sandbox.seed import DEFAULT_KEY, RECORDING_IDS
from posthog_environments_mcp.server.config import Settings
from tests.reliability.support import (
    FAST,
    SLACK,
    CountingTransport,
    fast_settings,
    free_port,
    inproc,
    stopwatch,
    structured,
    text_of,
)

READY = RECORDING_IDS["pricing_review"]
RECORDING_PATH = f"desktop_recordings/{READY}"
RETRY_BUDGET = FAST["connect_timeout"] + FAST["retry_max_wait"] + FAST["connect_timeout"]


@pytest.fixture
def other_origin() -> Iterator[SandboxServer]:
    """A second PostHog-like server on another port: another origin, which must never see the key."""
    with SandboxServer(state=SandboxState()) as server:
        yield server


@pytest.mark.anyio
async def test_connection_refused_then_recovery() -> None:
    """Nobody listens: an isError naming the host within the retry bound; once PostHog is up, the same server works.

    A refused connection never reached PostHog, so even a call that is not safe to repeat is retried."""
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    settings = Settings(api_key=SecretStr(DEFAULT_KEY), host=host, project_id="1", **FAST)
    async with inproc(settings) as client:
        with stopwatch() as watch:
            result = await client.call_tool("desktop_recordings_create", {"platform": "zoom"})
        text = text_of(result)
        assert result.is_error, text
        assert f"could not connect to {host}" in text
        assert "Check POSTHOG_HOST" in text
        attempts = re.search(r"Attempts: (\d+)", text)
        assert attempts is not None, text
        assert 2 <= int(attempts.group(1)) <= FAST["max_retries"] + 1
        assert watch.elapsed < RETRY_BUDGET + SLACK

        with SandboxServer(state=SandboxState(), port=port) as revived:
            recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))
            assert recording["id"] == READY
            assert [r.method for r in revived.state.requests] == ["GET"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "tool", "arguments", "method", "path"),
    [
        (302, "desktop_recordings_get", {"id": READY}, "GET", RECORDING_PATH),
        (301, "desktop_recordings_list", {"limit": 2}, "GET", "desktop_recordings"),
        (307, "desktop_recordings_create", {"platform": "zoom"}, "POST", "desktop_recordings"),
        (308, "desktop_recordings_update", {"id": READY, "notes": "x"}, "PATCH", RECORDING_PATH),
    ],
)
async def test_cross_origin_redirect_is_not_followed(
    sandbox: SandboxServer,
    other_origin: SandboxServer,
    status: int,
    tool: str,
    arguments: dict[str, object],
    method: str,
    path: str,
) -> None:
    sandbox.state.inject(
        Fault(method=method, path=path, kind="redirect", status=status, location=f"{other_origin.base_url}/api/x/")
    )
    async with inproc(fast_settings(sandbox)) as client:
        with stopwatch() as watch:
            result = await client.call_tool(tool, arguments)

        text = text_of(result)
        assert result.is_error, text
        assert f"HTTP status: {status}" in text
        assert "redirecting to another origin (127.0.0.1); not followed" in text
        assert "Set POSTHOG_HOST" in text
        assert other_origin.state.requests == []
        assert len(sandbox.state.requests) == 1
        assert watch.elapsed < FAST["read_timeout"] + SLACK
        assert structured(await client.call_tool("desktop_recordings_get", {"id": READY}))["id"] == READY


@pytest.mark.anyio
async def test_redirect_to_another_host_name_of_the_same_machine_is_not_followed(sandbox: SandboxServer) -> None:
    """``localhost`` and ``127.0.0.1`` reach the same socket but are different origins: the key stays put."""
    sandbox.state.inject(
        Fault(kind="redirect", path=RECORDING_PATH, location=f"http://localhost:{sandbox.port}/api/x/")
    )
    async with inproc(fast_settings(sandbox)) as client:
        result = await client.call_tool("desktop_recordings_get", {"id": READY})

    assert result.is_error
    assert "another origin (localhost)" in text_of(result)
    assert [r.path for r in sandbox.state.requests] == [f"/api/environments/1/{RECORDING_PATH}/"]


@pytest.mark.anyio
async def test_same_origin_redirect_is_followed_with_the_key(sandbox: SandboxServer) -> None:
    """The control case: PostHog moving a path on its own host is followed, the key going to that host only."""
    sandbox.state.inject(
        Fault(
            kind="redirect",
            status=301,
            path="/api/environments/1/old/*",
            location=f"/api/environments/1/{RECORDING_PATH}/",
        )
    )
    sandbox.state.inject(
        Fault(
            kind="redirect", status=302, path=RECORDING_PATH, location=f"{sandbox.base_url}/api/environments/1/old/x/"
        )
    )
    async with inproc(fast_settings(sandbox)) as client:
        recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))

    assert recording["id"] == READY
    seen = sandbox.state.requests
    assert [r.path for r in seen] == [
        f"/api/environments/1/{RECORDING_PATH}/",
        "/api/environments/1/old/x/",
        f"/api/environments/1/{RECORDING_PATH}/",
    ]
    assert all(r.header("authorization") == f"Bearer {sandbox.api_key}" for r in seen)


@pytest.mark.anyio
async def test_cancellation_aborts_the_upstream_request(sandbox: SandboxServer) -> None:
    """The client gives up on a call while PostHog is slow: the server drops the upstream request at once (no
    response left open, the only concurrency slot free again) and the next call is answered promptly."""
    sandbox.state.inject(Fault(method="GET", path=RECORDING_PATH, kind="delay", delay=5.0))
    transport = CountingTransport()
    settings = fast_settings(sandbox, read_timeout=10.0, call_timeout=30.0, max_concurrency=1)
    async with inproc(settings, transport=transport) as client:
        with stopwatch() as watch, anyio.move_on_after(0.3) as scope:
            await client.call_tool("desktop_recordings_get", {"id": READY})
        assert scope.cancelled_caught
        assert watch.elapsed < 0.3 + SLACK
        assert transport.sent == 1
        assert transport.in_flight == 0  # the upstream request was abandoned with the call, not left running

        with stopwatch() as watch:
            recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))
        assert recording["id"] == READY
        assert watch.elapsed < 1.0  # the delayed request no longer holds the only slot (it has 4 s to go)
        assert transport.in_flight == 0
        assert transport.peak == 1
