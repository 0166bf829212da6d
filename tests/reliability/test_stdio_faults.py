"""A few faults through the real command as a stdio subprocess (settings from the environment, in both protocol
eras): retry after 429, a POST that is not retried, a stalled event stream, and a cancelled call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from mcp import Client

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.e2e.clients import Mode, stdio_session
from tests.reliability.support import FAST, FAST_ENV, SLACK, stopwatch, structured, text_of

READY = RECORDING_IDS["pricing_review"]
RECORDING_PATH = f"desktop_recordings/{READY}"


@pytest.fixture(scope="module", params=["auto", "legacy"])
async def client(
    request: pytest.FixtureRequest, sandbox_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Client]:
    mode: Mode = request.param
    stderr = tmp_path_factory.mktemp("stdio-faults") / "server-stderr.log"
    env = {**FAST_ENV, "POSTHOG_MCP_MAX_CONCURRENCY": "1"}
    async with stdio_session(sandbox_server, mode, stderr, **env) as connected:
        yield connected


async def still_answering(client: Client) -> None:
    with stopwatch() as watch:
        recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))
    assert recording["id"] == READY
    assert watch.elapsed < FAST["read_timeout"] + SLACK


@pytest.mark.anyio
async def test_429_with_detail_hint_is_retried_after_the_wait(client: Client, sandbox: SandboxServer) -> None:
    detail = "Request was throttled. Expected available in 1 seconds."
    sandbox.state.inject(Fault(method="GET", path=RECORDING_PATH, status=429, body={"detail": detail}))

    with stopwatch() as watch:
        recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))

    assert recording["id"] == READY
    assert len(sandbox.state.requests) == 2
    assert 0.95 <= watch.elapsed <= 1.0 + 2 * FAST["read_timeout"] + SLACK
    await still_answering(client)


@pytest.mark.anyio
async def test_post_that_is_not_retry_safe_is_sent_once_on_503(client: Client, sandbox: SandboxServer) -> None:
    sandbox.state.inject(Fault(method="POST", path="desktop_recordings", status=503, times=None))

    result = await client.call_tool("desktop_recordings_create", {"platform": "zoom"})

    text = text_of(result)
    assert result.is_error, text
    assert "HTTP status: 503" in text
    assert [r.method for r in sandbox.state.requests] == ["POST"]
    await still_answering(client)


@pytest.mark.anyio
async def test_stalled_event_stream_ends_in_bounded_time(client: Client, sandbox: SandboxServer) -> None:
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="stall_stream", after_events=2))

    with stopwatch() as watch:
        result = await client.call_tool("conversations_create", {"content": "How many recordings?"})

    text = text_of(result)
    assert result.is_error, text
    assert "stopped sending" in text
    assert "conversations_get" in text
    assert watch.elapsed < FAST["read_timeout"] + 1.0 + SLACK
    await still_answering(client)


@pytest.mark.anyio
async def test_cancelled_call_frees_the_only_slot(client: Client, sandbox: SandboxServer) -> None:
    """With POSTHOG_MCP_MAX_CONCURRENCY=1, the client cancels a PostHog AI call whose answer trickles in (each
    event within the read timeout, the whole answer taking seconds). The server must drop the upstream stream at
    once: otherwise the next call would queue behind it until the answer or the deadline ends."""
    sandbox.state.stream_chunk_delay = 0.3
    with stopwatch() as watch, anyio.move_on_after(0.5) as scope:
        await client.call_tool("conversations_create", {"content": "How many recordings?"})
    assert scope.cancelled_caught
    assert watch.elapsed < 0.5 + SLACK
    assert [r.api_path for r in sandbox.state.requests] == ["conversations"]

    with stopwatch() as watch:
        recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))
    assert recording["id"] == READY
    assert watch.elapsed < FAST["read_timeout"]  # the stream had more than a second left to run


@pytest.mark.anyio
async def test_a_lone_surrogate_from_posthog_does_not_kill_the_process(client: Client, sandbox: SandboxServer) -> None:
    """It used to: ``json`` turns ``"\\ud800"`` into a lone surrogate, which the stdio writer cannot encode as
    UTF-8, and the whole process died ("Connection closed" for every later call)."""
    body = f'{{"id": "{READY}", "notes": "lone \\ud800 surrogate", "meeting_title": "\\udc00"}}'
    sandbox.state.inject(Fault(method="GET", path=RECORDING_PATH, kind="raw_json", body=body))
    sandbox.state.inject(
        Fault(method="GET", path="endpoints", kind="raw_json", status=400, body='{"detail": "bad \\ud800"}')
    )

    recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))
    failed = await client.call_tool("endpoints_list", {})

    assert recording["notes"] == "lone \ufffd surrogate"
    assert recording["meeting_title"] == "\ufffd"
    assert failed.is_error
    assert "bad \ufffd" in text_of(failed)
    await still_answering(client)
