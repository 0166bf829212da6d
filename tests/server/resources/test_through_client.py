"""Resources through a real MCP client: stdio subprocess and in-process, both protocol eras, against the sandbox."""

from __future__ import annotations

import json
import warnings

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.session import IncomingMessage
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp.shared.subscriptions import ResourceUpdated

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import CONVERSATION_IDS, RECORDING_IDS
from tests.server.resources.support import (
    CONVERSATION_TEMPLATE,
    PAGE_SIZE,
    RECORDING_TEMPLATE,
    TRANSCRIPT_TEMPLATE,
    Mode,
    Transport,
    append_segments,
    assert_matches_snapshot,
    connect,
    conversation_uri,
    object_reads,
    recording_uri,
    wait_until,
)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.parametrize("mode", ["auto", "legacy"]),
    pytest.mark.parametrize("transport", ["stdio", "inproc"]),
]

LIVE = RECORDING_IDS["design_review_live"]
HIRING = RECORDING_IDS["hiring_debrief"]
SIGNUPS = CONVERSATION_IDS["daily_signups"]
# Ada's recordings, newest started_at first, then her conversations, newest updated_at first (Grace's is not hers).
EXPECTED_ORDER = [
    *(
        recording_uri(RECORDING_IDS[name])
        for name in (
            "design_review_live",
            "weekly_standup",
            "pricing_review",
            "design_huddle",
            "acme_onboarding",
            "hiring_debrief",
            "voice_memo",
        )
    ),
    conversation_uri(CONVERSATION_IDS["pricing_actions"]),
    conversation_uri(CONVERSATION_IDS["daily_signups"]),
]


def _texts(result: types.ReadResourceResult) -> dict[str, str]:
    return {c.mime_type or "": c.text for c in result.contents if isinstance(c, types.TextResourceContents)}


async def _all_pages(client: Client) -> list[list[types.Resource]]:
    pages: list[list[types.Resource]] = []
    cursor: str | None = None
    while True:
        page = await client.list_resources(cursor=cursor)
        pages.append(page.resources)
        cursor = page.next_cursor
        if cursor is None:
            return pages
        assert len(pages) < 10, "the cursor never ends"


async def test_browse_read_and_complete(sandbox: SandboxServer, transport: Transport, mode: Mode) -> None:
    async with connect(sandbox, transport, mode) as client:
        assert client.server_capabilities.resources is not None
        assert client.server_capabilities.resources.subscribe is True
        assert client.server_capabilities.completions is not None

        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == [RECORDING_TEMPLATE, TRANSCRIPT_TEMPLATE, CONVERSATION_TEMPLATE]
        assert all(t.mime_type == "text/markdown" and t.title and t.description and t.name for t in templates)

        pages = await _all_pages(client)
        uris = [r.uri for page in pages for r in page]
        assert len(pages) > 1
        assert all(len(page) <= PAGE_SIZE for page in pages)
        assert uris == EXPECTED_ORDER
        assert len(set(uris)) == len(uris)
        listed = {r.uri: r for page in pages for r in page}
        assert listed[recording_uri(HIRING)].title == "Hiring debrief - Senior Backend Engineer"
        assert listed[recording_uri(HIRING)].mime_type == "text/markdown"
        assert "Zoom" in (listed[recording_uri(HIRING)].description or "")
        lists = [r for r in sandbox.state.requests if r.api_path in ("desktop_recordings", "conversations")]
        assert lists
        assert all(int(r.query["limit"][0]) <= PAGE_SIZE for r in lists), "pages must not load everything"

        recording = _texts(await client.read_resource(recording_uri(HIRING)))
        assert set(recording) == {"text/markdown", "application/json"}
        assert_matches_snapshot("recording_hiring_debrief.md", recording["text/markdown"])
        assert json.loads(recording["application/json"])["id"] == HIRING

        transcript = _texts(await client.read_resource(recording_uri(LIVE) + "/transcript"))
        assert set(transcript) == {"text/markdown"}
        assert "> [00:00:08] Ada Lovelace: I like the illustration" in transcript["text/markdown"]
        assert "## Summary" not in transcript["text/markdown"]

        conversation = _texts(await client.read_resource(conversation_uri(SIGNUPS)))
        assert_matches_snapshot("conversation_daily_signups.md", conversation["text/markdown"])
        assert len(json.loads(conversation["application/json"])["messages"]) == 5

        ref = types.ResourceTemplateReference(uri=RECORDING_TEMPLATE)
        by_prefix = await client.complete(ref, {"name": "id", "value": LIVE[:-1]})
        assert by_prefix.completion.values == [RECORDING_IDS[n] for n in ("design_review_live", "weekly_standup",
            "pricing_review", "design_huddle", "acme_onboarding", "hiring_debrief", "voice_memo")]  # fmt: skip
        by_title = await client.complete(ref, {"name": "id", "value": "hiring"})
        assert by_title.completion.values == [HIRING]
        conversations = await client.complete(
            types.ResourceTemplateReference(uri=CONVERSATION_TEMPLATE), {"name": "id", "value": "c0a7e"}
        )
        assert conversations.completion.values == [CONVERSATION_IDS["pricing_actions"], SIGNUPS]
        project = await client.complete(ref, {"name": "project_id", "value": ""})
        assert project.completion.values == ["1"]

        missing = recording_uri("7f3c1a20-0000-4000-8000-999999999999")
        with pytest.raises(MCPError) as caught:
            await client.read_resource(missing)
        assert caught.value.code == (-32002 if mode == "legacy" else types.INVALID_PARAMS)
        assert f"Resource not found: {missing}" in caught.value.message


async def test_forbidden_with_a_scoped_key(sandbox: SandboxServer, transport: Transport, mode: Mode) -> None:
    key = sandbox.state.add_key(scopes=["conversation:read"])
    async with connect(sandbox, transport, mode, api_key=key) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource(recording_uri(HIRING))
        assert caught.value.code == types.INTERNAL_ERROR
        assert "HTTP status: 403" in caught.value.message
        assert "desktop_recording:read" in caught.value.message
        assert recording_uri(HIRING) in caught.value.message

        # The key can still read and list what it is allowed to.
        listed = await client.list_resources()
        assert [r.uri for r in listed.resources] == EXPECTED_ORDER[-2:]
        readable = _texts(await client.read_resource(conversation_uri(SIGNUPS)))
        assert "# PostHog AI conversation" in readable["text/markdown"]


async def test_follow_a_recording_being_made(sandbox: SandboxServer, transport: Transport, mode: Mode) -> None:
    uri = recording_uri(LIVE)
    updates: list[str] = []

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updates.append(message.params.uri)

    new_line = {"text": "Let's make the button bigger.", "timestamp": 42_000.0, "speaker": "Lena Ortiz"}
    async with connect(sandbox, transport, mode, message_handler=on_message) as client:
        before = _texts(await client.read_resource(uri))["text/markdown"]
        assert "make the button bigger" not in before
        sandbox.state.clear_requests()
        if mode == "legacy":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await client.session.subscribe_resource(uri)  # pyright: ignore[reportDeprecated]
            await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
            await append_segments(sandbox, LIVE, [new_line])
            await wait_until(lambda: uri in updates, what="notifications/resources/updated")
        else:
            async with client.listen(resource_subscriptions=[uri]) as subscription:
                assert subscription.honored.resource_subscriptions == [uri]
                await wait_until(lambda: len(object_reads(sandbox, LIVE)) >= 1, what="the first poll")
                await append_segments(sandbox, LIVE, [new_line])
                with anyio.fail_after(5):
                    event = await subscription.__anext__()
                assert event == ResourceUpdated(uri=uri)
        after = _texts(await client.read_resource(uri, cache_mode="refresh"))["text/markdown"]
        assert "> [00:00:42] Lena Ortiz: Let's make the button bigger." in after
