"""How subscriptions poll PostHog: only while followed, until settled, through failures, never after shutdown.

In-process (fast) with a short poll interval; ``test_through_client`` covers both eras over stdio too.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.session import IncomingMessage
from mcp.server import Server
from mcp.shared.exceptions import MCPDeprecationWarning

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import CONVERSATION_IDS, RECORDING_IDS
from posthog_environments_mcp.server.app import AppState, build_registry, create_server, open_state
from tests.resources.support import (
    append_segments,
    connect,
    conversation_uri,
    object_reads,
    patch_recording,
    recording_uri,
    settings_for,
    wait_until,
)

pytestmark = pytest.mark.anyio

INTERVAL = 0.05
LIVE = RECORDING_IDS["design_review_live"]
SEGMENT = {"text": "One more thing.", "timestamp": 61_000.0, "speaker": "Lena Ortiz"}


class Updates:
    """``notifications/resources/updated`` as the legacy client receives them."""

    def __init__(self) -> None:
        self.uris: list[str] = []

    async def __call__(self, message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            self.uris.append(message.params.uri)


@asynccontextmanager
async def legacy_client(sandbox: SandboxServer, updates: Updates, **overrides: Any) -> AsyncGenerator[Client]:
    async with connect(sandbox, "inproc", "legacy", message_handler=updates, poll_interval=INTERVAL, **overrides) as c:
        yield c


async def subscribe(client: Client, uri: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        await client.session.subscribe_resource(uri)  # pyright: ignore[reportDeprecated]


async def unsubscribe(client: Client, uri: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        await client.session.unsubscribe_resource(uri)  # pyright: ignore[reportDeprecated]


async def assert_polling_stopped(sandbox: SandboxServer, object_id: str) -> None:
    """No read of the object reaches PostHog any more (one already in flight may still land)."""
    await anyio.sleep(INTERVAL * 2)
    settled = len(object_reads(sandbox, object_id))
    await anyio.sleep(INTERVAL * 6)
    assert len(object_reads(sandbox, object_id)) == settled


async def test_polls_only_while_subscribed(sandbox: SandboxServer) -> None:
    updates = Updates()
    async with legacy_client(sandbox, updates) as client:
        await client.read_resource(recording_uri(LIVE))
        sandbox.state.clear_requests()
        await anyio.sleep(INTERVAL * 4)
        assert object_reads(sandbox, LIVE) == [], "nobody subscribed: PostHog is not polled"
        await subscribe(client, recording_uri(LIVE))
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 3, what="polling")
        await unsubscribe(client, recording_uri(LIVE))
        await assert_polling_stopped(sandbox, LIVE)
        assert updates.uris == [], "nothing changed, so nothing was announced"


async def test_stops_after_announcing_that_the_recording_settled(sandbox: SandboxServer) -> None:
    updates = Updates()
    async with legacy_client(sandbox, updates) as client:
        sandbox.state.clear_requests()
        await subscribe(client, recording_uri(LIVE))
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
        await patch_recording(sandbox, LIVE, {"status": "ready", "duration_seconds": 900})
        await wait_until(lambda: updates.uris == [recording_uri(LIVE)], what="the final update")
        await assert_polling_stopped(sandbox, LIVE)
        text = (await client.read_resource(recording_uri(LIVE))).contents[0]
        assert isinstance(text, types.TextResourceContents)
        assert "- **Status:** ready" in text.text


async def test_transcript_subscribers_hear_only_transcript_changes(sandbox: SandboxServer) -> None:
    updates = Updates()
    recording, transcript = recording_uri(LIVE), recording_uri(LIVE) + "/transcript"
    async with legacy_client(sandbox, updates) as client:
        sandbox.state.clear_requests()
        await subscribe(client, recording)
        await subscribe(client, transcript)
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
        await patch_recording(sandbox, LIVE, {"notes": "Bring the mock-ups."})
        await wait_until(lambda: recording in updates.uris, what="the recording update")
        await anyio.sleep(INTERVAL * 4)
        assert transcript not in updates.uris
        await append_segments(sandbox, LIVE, [SEGMENT])
        await wait_until(lambda: transcript in updates.uris, what="the transcript update")
        assert updates.uris.count(recording) == 2


async def test_a_failed_poll_is_retried_and_the_server_keeps_serving(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="posthog_environments_mcp.resources")
    updates = Updates()
    async with legacy_client(sandbox, updates, max_retries=0) as client:
        sandbox.state.clear_requests()
        await subscribe(client, recording_uri(LIVE))
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
        sandbox.state.inject(Fault(method="GET", path=f"desktop_recordings/{LIVE}", times=3, status=503))
        await wait_until(lambda: not sandbox.state.faults.pending(), what="three failed polls")
        await append_segments(sandbox, LIVE, [SEGMENT])
        await wait_until(lambda: updates.uris == [recording_uri(LIVE)], what="the update after failures")
        listed = await client.list_resources()
        assert listed.resources, "the server still answers"
    warned = [r.getMessage() for r in caplog.records if "polling desktop_recordings failed" in r.getMessage()]
    assert len(warned) == 1, "a failing streak is logged once, not on every tick"
    assert "503" in warned[0]


async def test_a_listen_stream_is_polled_only_while_open(sandbox: SandboxServer) -> None:
    uri = conversation_uri(CONVERSATION_IDS["pricing_actions"])
    async with connect(sandbox, "inproc", "auto", poll_interval=INTERVAL) as client:
        sandbox.state.clear_requests()
        async with client.listen(resource_subscriptions=[uri]):
            await wait_until(lambda: len(object_reads(sandbox, CONVERSATION_IDS["pricing_actions"])) >= 1)
        await anyio.sleep(INTERVAL)
        # An idle conversation is settled: one read to learn that, then polling stops even while listening.
        assert len(object_reads(sandbox, CONVERSATION_IDS["pricing_actions"])) == 1

        sandbox.state.clear_requests()
        async with client.listen(resource_subscriptions=[recording_uri(LIVE)]):
            await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 3, what="polling while listening")
        await assert_polling_stopped(sandbox, LIVE)


async def test_pollers_end_with_the_server(sandbox: SandboxServer) -> None:
    """A client that leaves without unsubscribing: the lifespan's task group takes its poller down."""
    sandbox.state.clear_requests()
    async with legacy_client(sandbox, Updates()) as client:
        await subscribe(client, recording_uri(LIVE))
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 2, what="polling")
    await assert_polling_stopped(sandbox, LIVE)


@asynccontextmanager
async def shared_state(sandbox: SandboxServer) -> AsyncGenerator[tuple[Server[AppState], AppState]]:
    """A server whose state outlives its connections, as with Streamable HTTP's one lifespan for many clients."""
    settings = settings_for(sandbox, poll_interval=INTERVAL)
    async with open_state(settings, build_registry(settings)) as state:

        @asynccontextmanager
        async def lifespan(_server: Server[AppState]) -> AsyncGenerator[AppState]:
            yield state

        server = create_server(settings)
        server.lifespan = lifespan
        yield server, state


async def test_a_client_that_vanishes_loses_its_subscriptions(sandbox: SandboxServer) -> None:
    uri = recording_uri(LIVE)
    async with shared_state(sandbox) as (server, state):
        async with Client(server, mode="legacy") as client:
            await subscribe(client, uri)
            assert state.subscriptions.followers(uri) == 1
            await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
            assert state.subscriptions.polling
        # Gone without unsubscribing: the connection's teardown forgets it, and its poller stops.
        assert state.subscriptions.followers(uri) == 0
        await wait_until(lambda: not state.subscriptions.polling, what="the poller to stop")
        await assert_polling_stopped(sandbox, LIVE)


async def test_listen_streams_count_as_followers_while_open(sandbox: SandboxServer) -> None:
    uri = recording_uri(LIVE)
    async with shared_state(sandbox) as (server, state), Client(server, mode="auto") as client:
        async with client.listen(resource_subscriptions=[uri]), client.listen(resource_subscriptions=[uri]):
            assert state.subscriptions.followers(uri) == 2
            assert len(state.subscriptions.polling) == 1, "one poller per object, however many follow it"
        await wait_until(lambda: state.subscriptions.followers(uri) == 0, what="the streams to end server-side")
        await wait_until(lambda: not state.subscriptions.polling, what="the poller to stop")
