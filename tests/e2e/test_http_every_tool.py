"""Over Streamable HTTP (the real command under uvicorn, the real ``mcp`` client), in both protocol eras: every
tool, resources, a subscription notified, and progress streamed while PostHog AI answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.server.subscriptions import ResourceUpdated

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.e2e.clients import Mode, is_subset, text_of
from tests.e2e.http_server import HttpServer, http_client
from tests.e2e.http_server import per_request_server as per_request_server  # the fixture
from tests.e2e.test_every_tool_stdio import CASES, Case, succeeded_as_declared
from tests.server.resources.support import append_segments, object_reads, recording_uri, wait_until
from tests.server.resources.test_subscriptions import Updates, subscribe

LIVE = RECORDING_IDS["design_review_live"]


@pytest.fixture(scope="module")
def server(per_request_server: HttpServer) -> HttpServer:
    return per_request_server


@pytest.fixture(scope="module", params=["auto", "legacy"])
async def client(
    request: pytest.FixtureRequest, server: HttpServer, sandbox_server: SandboxServer
) -> AsyncIterator[Client]:
    mode: Mode = request.param
    async with http_client(server.url, mode, sandbox_server.api_key) as connected:
        yield connected


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[case.tool for case in CASES])
async def test_tool_calls_posthog_with_the_callers_key(client: Client, sandbox: SandboxServer, case: Case) -> None:
    result = await client.call_tool(case.tool, case.arguments)

    assert succeeded_as_declared(case.op, result), f"{case.tool} gave an unexpected result:\n{text_of(result)}"
    seen = [r for r in sandbox.state.requests if r.api_path is not None]
    assert len(seen) == 1, [f"{r.method} {r.path}" for r in seen]
    assert seen[0].method == case.op.method
    assert seen[0].path == case.path
    assert seen[0].query == case.query
    if case.op.method in ("POST", "PATCH"):
        assert is_subset(case.sent, seen[0].json), seen[0].json
    assert seen[0].header("authorization") == f"Bearer {sandbox.api_key}"


@pytest.mark.anyio
async def test_era_tools_and_resources(client: Client, request: pytest.FixtureRequest) -> None:
    legacy = request.node.callspec.params["client"] == "legacy"
    assert (client.protocol_version == "2025-11-25") is legacy
    assert len((await client.list_tools()).tools) == len(CASES)
    listed = await client.list_resources()
    assert listed.resources
    read = await client.read_resource(recording_uri(RECORDING_IDS["pricing_review"]))
    text = read.contents[0]
    assert isinstance(text, types.TextResourceContents)
    assert "churn by plan" in text.text


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_progress_is_streamed_while_posthog_ai_answers(
    server: HttpServer, sandbox: SandboxServer, mode: Mode
) -> None:
    progress: list[tuple[float, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, message))

    async with http_client(server.url, mode, sandbox.api_key) as client:
        result = await client.call_tool(
            "conversations_create", {"content": "How many recordings?"}, progress_callback=on_progress
        )
    assert not result.is_error, text_of(result)
    assert progress, "no notifications/progress reached the client"
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_subscription_is_notified(server: HttpServer, sandbox: SandboxServer, mode: Mode) -> None:
    uri = recording_uri(LIVE)
    updates = Updates()
    line = {"text": "Ship it over HTTP.", "timestamp": 43_000.0, "speaker": "Lena Ortiz"}
    async with http_client(server.url, mode, sandbox.api_key, message_handler=updates) as client:
        sandbox.state.clear_requests()
        if mode == "legacy":
            await subscribe(client, uri)
            await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
            await append_segments(sandbox, LIVE, [line])
            await wait_until(lambda: uri in updates.uris, what="notifications/resources/updated", seconds=10)
        else:
            async with client.listen(resource_subscriptions=[uri]) as subscription:
                await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
                await append_segments(sandbox, LIVE, [line])
                with anyio.fail_after(10):
                    assert await subscription.__anext__() == ResourceUpdated(uri=uri)
    polls = object_reads(sandbox, LIVE)
    assert polls
    assert all(r.header("authorization") == f"Bearer {sandbox.api_key}" for r in polls)
