"""Two callers on one deployment, each with their own sandbox key (different projects and scopes), at once:
each sees only its own data, gets its own 403s, hears only its own notifications, and every upstream request
carried the key of the caller it was made for."""

from __future__ import annotations

from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.server.subscriptions import ResourceUpdated

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.e2e.clients import Mode, text_of
from tests.e2e.http_server import HttpServer, http_client
from tests.e2e.http_server import per_request_server as per_request_server  # the fixture
from tests.server.resources.support import object_reads, recording_uri, wait_until
from tests.server.resources.test_subscriptions import Updates, subscribe

LIVE = RECORDING_IDS["design_review_live"]
STAGING = RECORDING_IDS["staging_smoke_test"]


@pytest.fixture(scope="module")
def server(per_request_server: HttpServer) -> HttpServer:
    return per_request_server


async def add_segment(sandbox: SandboxServer, project: int, recording_id: str, text: str) -> None:
    """A recorder writing to PostHog directly (with the sandbox's own key, not a tenant's)."""
    async with httpx2.AsyncClient() as http:
        response = await http.post(
            f"{sandbox.base_url}/api/environments/{project}/desktop_recordings/{recording_id}/append_segments/",
            json={"segments": [{"text": text, "timestamp": 50_000.0, "speaker": "Ada"}]},
            headers={"Authorization": f"Bearer {sandbox.api_key}"},
        )
        response.raise_for_status()


def ids(result: Any) -> set[str]:
    assert not result.is_error, text_of(result)
    return {item["id"] for item in result.structured_content["results"]}


async def follow(client: Client, mode: Mode, uri: str, updates: Updates, changed: anyio.Event) -> list[str]:
    """Follow ``uri`` until ``changed`` is set and a notification had time to arrive; return what was heard."""
    heard: list[str] = []
    if mode == "legacy":
        await subscribe(client, uri)
        await changed.wait()
        await wait_until(lambda: bool(updates.uris), what=f"an update of {uri}", seconds=10)
        await anyio.sleep(0.6)  # three poll intervals: room for a stray notification to show up
        return list(updates.uris)
    async with client.listen(resource_subscriptions=[uri]) as subscription:
        await changed.wait()
        with anyio.fail_after(10):
            event = await subscription.__anext__()
        assert isinstance(event, ResourceUpdated)
        heard.append(event.uri)
        with anyio.move_on_after(0.6):
            event = await subscription.__anext__()
            assert isinstance(event, ResourceUpdated)
            heard.append(event.uri)
    return heard


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_two_tenants_are_isolated(server: HttpServer, sandbox: SandboxServer, mode: Mode) -> None:
    alice = sandbox.state.add_key(("*",), projects=[1])
    bob = sandbox.state.add_key(("desktop_recording:write",), projects=[2])
    sandbox.state.clear_requests()
    results: dict[str, Any] = {}
    heard: dict[str, list[str]] = {}
    alice_changed, bob_changed = anyio.Event(), anyio.Event()
    alice_updates, bob_updates = Updates(), Updates()
    bob_url = f"{server.url}?project_id=2"

    async with (
        http_client(server.url, mode, alice, message_handler=alice_updates) as a,
        http_client(bob_url, mode, bob, message_handler=bob_updates) as b,
    ):
        created = await b.call_tool("desktop_recordings_create", {"platform": "meet"})
        assert not created.is_error, text_of(created)
        bobs_recording = str(created.structured_content["id"])  # type: ignore[index]

        async def call(name: str, client: Client, tool: str, arguments: dict[str, Any]) -> None:
            results[name] = await client.call_tool(tool, arguments)

        async def listen(name: str, client: Client, uri: str, updates: Updates, changed: anyio.Event) -> None:
            heard[name] = await follow(client, mode, uri, updates, changed)

        async def change_both() -> None:
            await wait_until(lambda: bool(object_reads(sandbox, LIVE)), what="alice's poller")
            await wait_until(lambda: bool(object_reads(sandbox, bobs_recording)), what="bob's poller")
            await add_segment(sandbox, 1, LIVE, "For Alice only.")
            alice_changed.set()
            await add_segment(sandbox, 2, bobs_recording, "For Bob only.")
            bob_changed.set()

        async with anyio.create_task_group() as group:
            group.start_soon(listen, "alice", a, recording_uri(LIVE), alice_updates, alice_changed)
            group.start_soon(listen, "bob", b, recording_uri(bobs_recording, "2"), bob_updates, bob_changed)
            for round_ in range(3):
                group.start_soon(call, f"alice list {round_}", a, "desktop_recordings_list", {"limit": 100})
                group.start_soon(call, f"bob list {round_}", b, "desktop_recordings_list", {"limit": 100})
            group.start_soon(call, "alice other project", a, "desktop_recordings_list", {"project_id": "2"})
            group.start_soon(call, "bob no scope", b, "conversations_list", {})
            group.start_soon(call, "bob other project", b, "desktop_recordings_list", {"project_id": "1"})
            group.start_soon(change_both)

    for round_ in range(3):
        alice_ids, bob_ids = ids(results[f"alice list {round_}"]), ids(results[f"bob list {round_}"])
        assert LIVE in alice_ids
        assert STAGING not in alice_ids
        assert bobs_recording not in alice_ids
        assert bob_ids == {STAGING, bobs_recording}
    for name, needle in [
        ("alice other project", "requested project"),
        ("bob no scope", "conversation:read"),
        ("bob other project", "requested project"),
    ]:
        assert results[name].is_error, name
        assert "403" in text_of(results[name]), text_of(results[name])
        assert needle in text_of(results[name]), text_of(results[name])
    assert set(heard["alice"]) == {recording_uri(LIVE)}
    assert set(heard["bob"]) == {recording_uri(bobs_recording, "2")}

    upstream = [r for r in sandbox.state.requests if r.header("authorization") != f"Bearer {sandbox.api_key}"]
    by_key = {alice: f"Bearer {alice}", bob: f"Bearer {bob}"}
    for r in upstream:
        if LIVE in r.path:
            assert r.header("authorization") == by_key[alice], r.path
        if bobs_recording in r.path or "conversations" in r.path:
            assert r.header("authorization") == by_key[bob], r.path
    alice_paths = {r.path for r in upstream if r.header("authorization") == by_key[alice]}
    bob_paths = {r.path for r in upstream if r.header("authorization") == by_key[bob]}
    assert "/api/environments/2/desktop_recordings/" in alice_paths, "alice's own 403 used her key"
    assert "/api/environments/1/desktop_recordings/" in bob_paths, "bob's own 403 used his key"
    assert "/api/environments/2/conversations/" in bob_paths
    assert not any(LIVE in path for path in bob_paths)
    assert not any(bobs_recording in path for path in alice_paths)
    assert len(upstream) == len([r for r in upstream if r.header("authorization") in by_key.values()])


@pytest.mark.anyio
async def test_followers_of_one_uri_are_served_with_their_own_key(server: HttpServer, sandbox: SandboxServer) -> None:
    alice = sandbox.state.add_key(("*",), projects=[1])
    carol = sandbox.state.add_key(("conversation:read",), projects=[1])
    alice_updates, carol_updates = Updates(), Updates()
    uri = recording_uri(LIVE)
    async with (
        http_client(server.url, "legacy", alice, message_handler=alice_updates) as a,
        http_client(server.url, "legacy", carol, message_handler=carol_updates) as c,
    ):
        sandbox.state.clear_requests()
        await subscribe(a, uri)
        await subscribe(c, uri)
        await wait_until(lambda: bool(object_reads(sandbox, LIVE)), what="the first poll")
        await add_segment(sandbox, 1, LIVE, "Only for those who may read it.")
        await wait_until(lambda: bool(alice_updates.uris), what="alice's update", seconds=10)
        await anyio.sleep(0.6)
    assert carol_updates.uris == [], "carol may not read recordings, so she hears nothing about them"
    keys = {r.header("authorization") for r in object_reads(sandbox, LIVE)} - {f"Bearer {sandbox.api_key}"}
    assert keys == {f"Bearer {alice}", f"Bearer {carol}"}, "each follower's poller uses its own key"
