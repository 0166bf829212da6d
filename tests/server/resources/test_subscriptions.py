"""How subscriptions poll PostHog: only while followed, until settled, through failures, never after shutdown,
and within a budget: caps per session and server, canonical URIs, one poller per (credential, URI), a share of
the key's rate limit, backing off on 429.

In-process (fast) with a short poll interval; ``test_through_client`` covers both eras over stdio too.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import CONVERSATION_IDS, RECORDING_IDS
from tests.server.resources.support import (
    Mode,
    Updates,
    append_segments,
    connect,
    conversation_uri,
    object_reads,
    patch_recording,
    recording_uri,
    shared_state,
    subscribe,
    unsubscribe,
    wait_until,
)

pytestmark = pytest.mark.anyio

INTERVAL = 0.05
LIVE = RECORDING_IDS["design_review_live"]
SEGMENT = {"text": "One more thing.", "timestamp": 61_000.0, "speaker": "Lena Ortiz"}


@asynccontextmanager
async def legacy_client(sandbox: SandboxServer, updates: Updates, **overrides: Any) -> AsyncGenerator[Client]:
    async with connect(sandbox, "inproc", "legacy", message_handler=updates, poll_interval=INTERVAL, **overrides) as c:
        yield c


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


async def test_a_client_that_vanishes_loses_its_subscriptions(sandbox: SandboxServer) -> None:
    uri = recording_uri(LIVE)
    async with shared_state(sandbox, poll_interval=INTERVAL) as (server, state):
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
    async with shared_state(sandbox, poll_interval=INTERVAL) as (server, state), Client(server, mode="auto") as client:
        async with client.listen(resource_subscriptions=[uri]), client.listen(resource_subscriptions=[uri]):
            assert state.subscriptions.followers(uri) == 2
            assert len(state.subscriptions.polling) == 1, "one poller per object, however many follow it"
        await wait_until(lambda: state.subscriptions.followers(uri) == 0, what="the streams to end server-side")
        await wait_until(lambda: not state.subscriptions.polling, what="the poller to stop")


# == within a budget: caps, canonical URIs, one poller per (credential, URI), rate share, 429 =================

BOUND = 20.0


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


async def _still_serves(client: Client) -> None:
    listed = await client.list_resources()
    assert listed.resources


# -- caps ----------------------------------------------------------------------------------------------------------


async def test_a_connection_over_its_cap_gets_a_clear_error(sandbox: SandboxServer) -> None:
    async with connect(sandbox, "inproc", "legacy", poll_interval=INTERVAL, max_subscriptions_per_session=2) as c:
        await subscribe(c, recording_uri(LIVE))
        await subscribe(c, recording_uri(LIVE) + "/transcript")
        await subscribe(c, recording_uri(LIVE, project="001"))  # the same resource again: not a new one
        with anyio.fail_after(BOUND), pytest.raises(MCPError) as raised:
            await subscribe(c, conversation_uri(_uuid(1)))
        assert raised.value.error.code == types.INVALID_REQUEST
        assert "Too many subscriptions" in raised.value.error.message
        assert "POSTHOG_MCP_MAX_SUBSCRIPTIONS_PER_SESSION" in raised.value.error.message
        await unsubscribe(c, recording_uri(LIVE) + "/transcript")
        await subscribe(c, conversation_uri(_uuid(1)))  # room again after an unsubscribe
        await _still_serves(c)


async def test_a_listen_stream_with_5000_uris_is_refused_before_any_poll(sandbox: SandboxServer) -> None:
    uris = [recording_uri(_uuid(n)) for n in range(5000)]
    async with connect(sandbox, "inproc", "auto", poll_interval=INTERVAL) as client:
        sandbox.state.clear_requests()
        with anyio.fail_after(BOUND), pytest.raises(MCPError) as raised:
            async with client.listen(resource_subscriptions=uris):
                pass
        assert "Too many subscriptions" in raised.value.error.message
        assert "5000" in raised.value.error.message
        await anyio.sleep(INTERVAL * 4)
        assert sandbox.state.requests == [], "nothing was polled"
        await _still_serves(client)
        async with client.listen(resource_subscriptions=[recording_uri(LIVE)]):  # a normal stream still works
            await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_server_cap_counts_every_connection(sandbox: SandboxServer, mode: Mode) -> None:
    async with (
        shared_state(sandbox, poll_interval=INTERVAL, max_subscriptions=2) as (server, state),
        Client(server, mode="legacy") as first,
    ):
        await subscribe(first, recording_uri(LIVE))
        await subscribe(first, recording_uri(LIVE) + "/transcript")
        async with Client(server, mode=mode) as second:
            with anyio.fail_after(BOUND), pytest.raises(MCPError) as raised:
                await _follow(second, mode, conversation_uri(_uuid(2)))
            assert "POSTHOG_MCP_MAX_SUBSCRIPTIONS)" in raised.value.error.message
            assert state.subscriptions.followed == 2
            await _still_serves(second)


async def _follow(client: Client, mode: Mode, uri: str) -> None:
    """Follow ``uri`` the way the era does (a listen stream is opened and closed again)."""
    if mode == "legacy":
        await subscribe(client, uri)
        return
    async with client.listen(resource_subscriptions=[uri]):
        pass


# -- canonical URIs and one poller -----------------------------------------------------------------------------------


async def test_spellings_of_one_resource_share_one_poller_and_each_hears_its_own(sandbox: SandboxServer) -> None:
    plain, padded = recording_uri(LIVE), recording_uri(LIVE.upper(), project="0001")
    first_updates, second_updates = Updates(), Updates()
    async with shared_state(sandbox, poll_interval=INTERVAL) as (server, state):
        async with (
            Client(server, mode="legacy", message_handler=first_updates) as first,
            Client(server, mode="legacy", message_handler=second_updates) as second,
        ):
            await subscribe(first, plain)
            await subscribe(second, padded)
            assert state.subscriptions.followers(plain) == 2
            assert len(state.subscriptions.polling) == 1, "one poller for both spellings"
            await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
            await append_segments(sandbox, LIVE, [SEGMENT])
            await wait_until(lambda: first_updates.uris and second_updates.uris, what="both updates")
            assert first_updates.uris == [plain]
            assert second_updates.uris == [padded]
        await wait_until(lambda: not state.subscriptions.polling, what="the poller to stop")


async def test_listen_streams_with_different_spellings_share_one_poller(sandbox: SandboxServer) -> None:
    plain, padded = recording_uri(LIVE), recording_uri(LIVE, project="01")
    async with shared_state(sandbox, poll_interval=INTERVAL) as (server, state), Client(server, mode="auto") as client:
        async with (
            client.listen(resource_subscriptions=[plain]) as first,
            client.listen(resource_subscriptions=[padded]) as second,
        ):
            assert len(state.subscriptions.polling) == 1
            await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
            await append_segments(sandbox, LIVE, [SEGMENT])
            with anyio.fail_after(BOUND):
                heard = [await first.__anext__(), await second.__anext__()]
            assert [e.uri for e in heard if isinstance(e, ResourceUpdated)] == [plain, padded]
        await wait_until(lambda: not state.subscriptions.polling, what="the poller to stop")


async def test_one_poller_per_credential_and_no_one_hears_anothers_updates(sandbox: SandboxServer) -> None:
    """Two callers with different keys follow the same recording: two pollers, each with its own key; the one
    whose key PostHog refuses hears nothing, even though the other's poller sees the change."""
    other_key = sandbox.state.add_key()
    mine, theirs = Updates(), Updates()
    uri = recording_uri(LIVE)
    async with (
        shared_state(sandbox, poll_interval=INTERVAL) as (server, state),
        Client(server, mode="legacy", message_handler=mine) as me,
        Client(server, mode="legacy", message_handler=theirs) as them,
    ):
        await subscribe(me, uri)
        state.api_key = other_key
        await subscribe(them, uri)
        state.api_key = None
        assert len(state.subscriptions.polling) == 2, "one poller per credential"
        assert all(other_key not in repr(key) for key in state.subscriptions.polling), "keyed by a digest"
        await wait_until(
            lambda: (
                {r.headers.get("authorization") for r in object_reads(sandbox, LIVE)}
                == {f"Bearer {sandbox.api_key}", f"Bearer {other_key}"}
            ),
            what="both keys used, each by its own poller",
        )
        sandbox.state.revoke_key(other_key)
        await anyio.sleep(INTERVAL * 4)
        await append_segments(sandbox, LIVE, [SEGMENT])
        await wait_until(lambda: mine.uris == [uri], what="my update")
        await anyio.sleep(INTERVAL * 6)
        assert theirs.uris == [], "a refused key's caller hears nothing from another key's poller"
        await _still_serves(me)


# -- rate share and 429 --------------------------------------------------------------------------------------------


async def test_polling_spends_only_its_share_of_the_rate_limit(sandbox: SandboxServer) -> None:
    """600/min at 10 % = one poll a second for the key, although the interval asks for twenty."""
    async with connect(
        sandbox, "inproc", "legacy", poll_interval=INTERVAL, poll_rate_limit=600, poll_rate_share=0.1
    ) as client:
        sandbox.state.clear_requests()
        await subscribe(client, recording_uri(LIVE))
        await subscribe(client, conversation_uri(_uuid(3)))
        await anyio.sleep(2.5)
        polls = [r for r in sandbox.state.requests if r.method == "GET"]
        assert 1 <= len(polls) <= 4, f"{len(polls)} polls in 2.5 s"
        await _still_serves(client)


async def test_a_429_pauses_the_keys_polling(sandbox: SandboxServer) -> None:
    """With the HTTP layer's retries on (the default), a poll is still one request: the next tick is the retry."""
    async with connect(sandbox, "inproc", "legacy", poll_interval=INTERVAL) as client:
        sandbox.state.clear_requests()
        sandbox.state.inject(
            Fault(method="GET", path=f"desktop_recordings/{LIVE}", status=429, headers={"Retry-After": "2"})
        )
        await subscribe(client, recording_uri(LIVE))
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the throttled poll")
        await anyio.sleep(1.0)
        assert len(object_reads(sandbox, LIVE)) == 1, "no poll while PostHog asked to wait"
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 3, what="polling to resume", seconds=BOUND)
        await _still_serves(client)


async def test_churned_subscriptions_do_not_starve_the_keys_other_pollers(sandbox: SandboxServer) -> None:
    """Subscribing and unsubscribing in a loop gives each cancelled poller's rate slot back."""
    async with connect(
        sandbox, "inproc", "legacy", poll_interval=INTERVAL, poll_rate_limit=600, poll_rate_share=0.1
    ) as client:
        await subscribe(client, recording_uri(LIVE))
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
        for n in range(30):
            await subscribe(client, conversation_uri(_uuid(100 + n)))
            await unsubscribe(client, conversation_uri(_uuid(100 + n)))
        before = len(object_reads(sandbox, LIVE))
        await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= before + 2, what="polling at its pace", seconds=6)
        await _still_serves(client)
