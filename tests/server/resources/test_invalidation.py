"""A write made through this server tells the followers of what it changed at once, not at the next poll.

One process without Redis (the fleet case is in tests/fleet/): the poll interval is set to 30 s, so a
notification within a few seconds can only come from the write's invalidation. The catalog declares which
operations change which resource (``Operation.invalidates``).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.subscriptions import ResourceUpdated

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import CONVERSATION_IDS, RECORDING_IDS
from posthog_environments_mcp.tools.catalog import OPERATIONS_BY_NAME
from tests.e2e.clients import text_of
from tests.server.resources.support import (
    Mode,
    Updates,
    connect,
    conversation_uri,
    object_reads,
    recording_uri,
    subscribe,
    wait_until,
)

pytestmark = pytest.mark.anyio

LIVE = RECORDING_IDS["design_review_live"]
CONVERSATION = CONVERSATION_IDS["daily_signups"]
SLOW_POLLS = 30.0
BOUND = 3.0
"""Far under the poll interval: only the invalidation can notify this soon."""

WRITES: dict[str, tuple[str, dict[str, Any]]] = {
    "desktop_recordings_append_segments": (
        recording_uri(LIVE),
        {"id": LIVE, "segments": [{"text": "Heard at once.", "timestamp": 99_000.0, "speaker": "Ada"}]},
    ),
    "desktop_recordings_update": (recording_uri(LIVE), {"id": LIVE, "meeting_title": "Renamed live"}),
    "desktop_recordings_delete": (recording_uri(LIVE), {"id": LIVE}),
    "conversations_append_message": (conversation_uri(CONVERSATION), {"conversation": CONVERSATION, "content": "Ok"}),
    "conversations_cancel": (conversation_uri(CONVERSATION), {"conversation": CONVERSATION}),
}


def test_the_catalog_declares_what_each_write_changes() -> None:
    declared = {name for name, op in OPERATIONS_BY_NAME.items() if op.invalidates is not None}
    assert declared == {*WRITES, "conversations_create"}
    for name in declared:
        changes = OPERATIONS_BY_NAME[name].invalidates
        assert changes is not None
        assert changes.id_argument in OPERATIONS_BY_NAME[name].input_model.model_fields, name
        assert OPERATIONS_BY_NAME[name].resource_kind in (None, changes.kind), name


async def write(client: Client, tool: str, arguments: dict[str, Any]) -> None:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)


@pytest.mark.parametrize("tool", sorted(WRITES))
async def test_a_write_notifies_a_legacy_follower_at_once_and_only_once(sandbox: SandboxServer, tool: str) -> None:
    uri, arguments = WRITES[tool]
    updates = Updates()
    async with connect(sandbox, "inproc", "legacy", message_handler=updates, poll_interval=SLOW_POLLS) as client:
        await subscribe(client, uri)
        object_id = uri.rsplit("/", 1)[1]
        await wait_until(lambda: bool(object_reads(sandbox, object_id)), what="the first poll")
        await write(client, tool, arguments)
        await wait_until(lambda: bool(updates.uris), what=f"the update after {tool}", seconds=BOUND)
        await anyio.sleep(0.5)  # the poller re-reads the object at once: that must not notify a second time
        assert updates.uris == [uri]


async def test_a_write_notifies_a_listen_stream_at_once(sandbox: SandboxServer) -> None:
    uri, arguments = WRITES["desktop_recordings_append_segments"]
    async with (
        connect(sandbox, "inproc", "auto", poll_interval=SLOW_POLLS) as client,
        client.listen(resource_subscriptions=[uri]) as stream,
    ):
        await wait_until(lambda: bool(object_reads(sandbox, LIVE)), what="the first poll")
        await write(client, "desktop_recordings_append_segments", arguments)
        with anyio.fail_after(BOUND):
            event = await stream.__anext__()
        assert isinstance(event, ResourceUpdated)
        assert event.uri == uri


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_writes_that_change_nothing_followed_notify_nobody(sandbox: SandboxServer, mode: Mode) -> None:
    updates = Updates()
    async with connect(sandbox, "inproc", mode, message_handler=updates, poll_interval=SLOW_POLLS) as client:
        await write(client, "conversations_create", {"content": "A new question"})  # no id: nobody follows it
        await write(client, "desktop_recordings_update", {"id": LIVE, "notes": "unfollowed"})
        await anyio.sleep(0.3)
    assert updates.uris == []


def test_without_redis_the_redis_library_is_never_imported() -> None:
    """The stdio path (no POSTHOG_MCP_REDIS_URL) opens the server state without loading ``redis``."""
    code = (
        "import sys, anyio\n"
        "from posthog_environments_mcp.server.handlers.app import build_registry, open_state\n"
        "from posthog_environments_mcp.server.config import Settings\n"
        "async def main():\n"
        "    settings = Settings()\n"
        "    async with open_state(settings, build_registry(settings)):\n"
        "        pass\n"
        "anyio.run(main)\n"
        "print('redis' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False", done.stderr
