"""A PostHog (or a proxy in front of it) whose answers are hostile: text that cannot be encoded, JSON nested
thousands deep, NaN, 17 MB of tiny fields, megabyte error details, odd error shapes, echoed keys, cookies,
redirects and event streams of 50k chunks. Each case goes over real loopback HTTP through a real MCP client;
each asserts what the agent gets, a generous time bound, and that the same server answers the next call.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from posthog_environments_mcp.server.posthog.json_text import MAX_DEPTH
from tests.reliability.support import SLACK, fast_settings, inproc, stopwatch, structured, text_of

READY = RECORDING_IDS["pricing_review"]
RECORDING_PATH = f"desktop_recordings/{READY}"
BUDGET = 20_000
CONVERSATION = "0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a"


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[Client]:
    async with inproc(fast_settings(sandbox, result_budget_chars=BUDGET, call_timeout=10.0)) as connected:
        yield connected


def raw_answer(body: bytes | str, *, status: int = 200, path: str = RECORDING_PATH, method: str = "GET") -> Fault:
    return Fault(method=method, path=path, kind="raw_json", status=status, body=body)


QUICK = 3.0
"""Seconds any call of these tests may take, save those with 17 MB answers (which state their own bound)."""


async def bounded(client: Client, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """The call, asserting it ended within ``QUICK`` seconds whatever PostHog sent."""
    with stopwatch() as watch:
        result = await client.call_tool(name, arguments)
    assert watch.elapsed < QUICK + SLACK, f"{name} took {watch.elapsed:.1f} s"
    return result


def text_size(result: types.CallToolResult) -> int:
    return sum(len(block.text) for block in result.content if isinstance(block, types.TextContent))


async def still_answering(client: Client) -> None:
    with stopwatch() as watch:
        recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))
    assert recording["id"] == READY
    assert watch.elapsed < 1.0 + SLACK


def recording_json(**fields: str) -> str:
    """A recording body with raw JSON text spliced into the given fields."""
    extra = "".join(f',"{name}":{value}' for name, value in fields.items())
    return f'{{"id":"{READY}","platform":"zoom"{extra}}}'


def frames(*events: tuple[str, Any]) -> bytes:
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


# Decoding that cannot crash


@pytest.mark.anyio
async def test_lone_surrogates_and_invalid_utf8_are_replaced(client: Client, sandbox: SandboxServer) -> None:
    body = recording_json(notes='"before \\ud800 after"', meeting_title='"\\udfff\\ud83d\\ude00"').encode()
    body = body.replace(b"zoom", b"zo\xff\xfeom")
    sandbox.state.inject(raw_answer(body))

    recording = structured(await bounded(client, "desktop_recordings_get", {"id": READY}))

    assert recording["notes"] == "before \ufffd after"
    assert recording["meeting_title"] == "\ufffd\U0001f600"  # a real pair stays the emoji it encodes
    assert recording["platform"] == "zo\ufffd\ufffdom"
    await still_answering(client)


@pytest.mark.anyio
async def test_lone_surrogate_in_an_error_detail(client: Client, sandbox: SandboxServer) -> None:
    sandbox.state.inject(raw_answer('{"detail": "bad \\ud800 id", "type": "validation_error"}', status=400))

    result = await bounded(client, "desktop_recordings_get", {"id": READY})

    text = text_of(result)
    assert result.is_error
    assert "HTTP status: 400" in text
    assert "bad \ufffd id" in text
    await still_answering(client)


@pytest.mark.anyio
async def test_lone_surrogates_and_invalid_utf8_in_stream_frames(client: Client, sandbox: SandboxServer) -> None:
    stream = (
        frames(("conversation", {"id": CONVERSATION}))
        + b'event: message\ndata: {"type":"ai","content":"half \xff\xfe"}\n\n'
        + b'event: message\ndata: {"type":"ai","id":"m1","content":"done \\ud800"}\n\n'
    )
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="event_stream", body=stream))

    summary = structured(await bounded(client, "conversations_create", {"content": "Hi", "conversation": CONVERSATION}))

    assert summary["status"] == "completed"
    assert summary["answer"] == "done \ufffd"
    await still_answering(client)


@pytest.mark.anyio
async def test_nan_and_infinity_become_null_so_the_text_is_valid_json(client: Client, sandbox: SandboxServer) -> None:
    too_big = {"speed": "1e999", "shouted": "-1E+400", "long": "1" * 400 + ".5"}  # each overflows a float
    sandbox.state.inject(raw_answer(recording_json(duration="NaN", segment_count="-Infinity", **too_big)))

    result = await bounded(client, "desktop_recordings_get", {"id": READY})

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the text result")

    data = json.loads(text_of(result).split("\n")[0], parse_constant=refuse)
    assert (data["duration"], data["segment_count"], data["speed"]) == (None, None, None)
    assert (data["shouted"], data["long"]) == (None, None)
    await still_answering(client)


@pytest.mark.anyio
async def test_json_nested_thousands_deep_is_a_clear_error(client: Client, sandbox: SandboxServer) -> None:
    depth = 5000
    sandbox.state.inject(raw_answer(recording_json(notes="[" * depth + "]" * depth)))

    with stopwatch() as watch:
        result = await client.call_tool("desktop_recordings_get", {"id": READY})

    text = text_of(result)
    assert result.is_error
    assert f"PostHog's answer nests deeper than {MAX_DEPTH} levels" in text
    assert "Next step: PostHog's answer cannot be shown safely. Narrow the request" in text
    assert watch.elapsed < 2.0 + SLACK
    await still_answering(client)


@pytest.mark.anyio
async def test_a_deep_stream_frame_keeps_the_conversation_id_and_partial_answer(
    client: Client, sandbox: SandboxServer
) -> None:
    deep = "[" * 3000 + "]" * 3000
    stream = (
        frames(
            ("conversation", {"id": CONVERSATION}),
            ("message", {"type": "ai", "content": "The answer so far"}),
        )
        + f'event: message\ndata: {{"type":"ai","id":"m1","content":{deep}}}\n\n'.encode()
    )
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="event_stream", body=stream))

    result = await bounded(client, "conversations_create", {"content": "Hi", "conversation": CONVERSATION})

    text = text_of(result)
    assert result.is_error
    assert f"nests deeper than {MAX_DEPTH} levels" in text
    assert f"Conversation {CONVERSATION}" in text
    assert "The answer so far" in text
    await still_answering(client)


# Budgeting that cannot freeze


@functools.cache
def many_fields_body(fields: int) -> bytes:
    """About 17 MB: one object with ``fields`` small fields, inside an ordinary recording."""
    inner = b",".join(b'"field_%07d":"v%d"' % (n, n % 10) for n in range(fields))
    return recording_json().encode()[:-1] + b',"extra":{' + inner + b"}}"


@pytest.mark.anyio
async def test_a_17_mb_object_of_600k_fields_ends_in_time_while_other_calls_are_answered(
    client: Client, sandbox: SandboxServer
) -> None:
    body = many_fields_body(600_000)
    assert len(body) > 12_000_000
    sandbox.state.inject(raw_answer(body))
    others: list[float] = []

    async def meanwhile() -> None:
        await anyio.sleep(0.3)
        for _ in range(3):
            with stopwatch() as watch:
                structured(await client.call_tool("endpoints_list", {}))
            others.append(watch.elapsed)

    with stopwatch() as watch:
        async with anyio.create_task_group() as group:
            group.start_soon(meanwhile)
            result = await client.call_tool("desktop_recordings_get", {"id": READY})

    assert watch.elapsed < 10.0 + SLACK  # the call deadline
    assert text_size(result) <= BUDGET
    assert "too many fields" in text_of(result)
    assert structured(result)["id"] == READY
    assert max(others) < 3.0  # answered while the big one was being read and cut, not after it
    await still_answering(client)


@pytest.mark.anyio
async def test_a_realistic_18_mb_conversation_is_cut_in_time(client: Client, sandbox: SandboxServer) -> None:
    message = {"type": "ai", "content": "The weekly active users grew 4% on the pricing page. " * 40}
    messages = [{**message, "id": f"m{n}"} for n in range(8000)]
    body = json.dumps({"id": CONVERSATION, "title": "Growth", "status": "idle", "messages": messages})
    assert len(body) > 17_000_000
    sandbox.state.inject(raw_answer(body, path=f"conversations/{CONVERSATION}"))

    with stopwatch() as watch:
        result = await client.call_tool("conversations_get", {"conversation": CONVERSATION})

    assert watch.elapsed < 10.0 + SLACK
    data = structured(result)
    assert data["id"] == CONVERSATION
    assert text_size(result) <= BUDGET
    assert re.search(r"`messages` cut to its first \d+ of 8000 items", text_of(result))
    await still_answering(client)


@pytest.mark.anyio
async def test_cancelling_while_a_huge_answer_is_cut(client: Client, sandbox: SandboxServer) -> None:
    sandbox.state.inject(raw_answer(many_fields_body(600_000)))

    # Cancelled early (the whole call takes ~0.8 s on a quiet machine), so the cancel lands while 17 MB are being
    # read, parsed and cut, however fast the machine is.
    with stopwatch() as watch, anyio.move_on_after(0.1) as scope:
        await client.call_tool("desktop_recordings_get", {"id": READY})

    assert scope.cancelled_caught
    # the client shares this event loop, which a worker parsing 17 MB can hold for a moment (the GIL)
    assert watch.elapsed < 0.1 + 4.0
    with stopwatch() as watch:  # the abandoned worker may still be finishing its (bounded) parse meanwhile
        recording = structured(await client.call_tool("desktop_recordings_get", {"id": READY}))
    assert recording["id"] == READY
    assert watch.elapsed < 5.0


# One size budget for everything the agent receives


@pytest.mark.anyio
async def test_a_5_mb_error_detail_is_cut_with_a_notice(client: Client, sandbox: SandboxServer) -> None:
    detail = "The query failed. " * 300_000
    sandbox.state.inject(Fault(method="GET", path=RECORDING_PATH, status=400, body={"detail": detail}))

    result = await bounded(client, "desktop_recordings_get", {"id": READY})

    text = text_of(result)
    assert result.is_error
    assert text_size(result) <= BUDGET
    assert "HTTP status: 400" in text
    assert "more characters of PostHog's text]" in text
    await still_answering(client)


@pytest.mark.anyio
async def test_an_interrupted_conversation_is_cut_to_the_budget(client: Client, sandbox: SandboxServer) -> None:
    steps = [("message", {"type": "tool", "id": f"s{n}", "content": "x" * 3000}) for n in range(3000)]
    stream = frames(("conversation", {"id": CONVERSATION}), *steps)  # ~9 MB and no final answer
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="event_stream", body=stream))

    result = await bounded(client, "conversations_create", {"content": "Hi", "conversation": CONVERSATION})

    text = text_of(result)
    assert result.is_error
    assert text_size(result) <= BUDGET
    assert (
        f"conversations_create interrupted: the stream closed before the final answer arrived. "
        f"Conversation {CONVERSATION} (received 3001 events)" in text
    )
    assert "Read the whole conversation with conversations_get" in text
    await still_answering(client)


@pytest.mark.anyio
async def test_an_event_stream_over_the_response_limit_stops(sandbox: SandboxServer) -> None:
    steps = [("message", {"type": "tool", "id": f"s{n}", "content": "x" * 1000}) for n in range(400)]
    stream = frames(("conversation", {"id": CONVERSATION}), *steps)
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="event_stream", body=stream))
    settings = fast_settings(sandbox, result_budget_chars=BUDGET, max_response_bytes=100_000)
    async with inproc(settings) as client:
        result = await bounded(client, "conversations_create", {"content": "Hi", "conversation": CONVERSATION})

        text = text_of(result)
        assert result.is_error
        assert "event stream exceeded the 100000-byte limit; reading stopped" in text
        assert f"Conversation {CONVERSATION}" in text
        assert text_size(result) <= BUDGET
        await still_answering(client)


@pytest.mark.anyio
async def test_a_huge_bad_argument_gives_a_short_validation_error(client: Client, sandbox: SandboxServer) -> None:
    result = await bounded(
        client, "desktop_recordings_append_segments", {"id": READY, "segments": [{"bad": "x" * 100}] * 50_000}
    )

    text = text_of(result)
    assert result.is_error
    assert text.startswith("Invalid arguments for desktop_recordings_append_segments; nothing was sent")
    assert text_size(result) <= BUDGET
    assert "more problems of the same kind are not listed" in text
    assert sandbox.state.requests == []
    await still_answering(client)


# Odd shapes and schemas


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ('{"detail": ["This field is required.", "Another."]}', '["This field is required.","Another."]'),
        ('{"detail": {"name": ["too long"]}, "attr": 7}', '{"name":["too long"]}'),
        ("42", "42"),
        ('[{"error": "x"}]', '[{"error": "x"}]'),
    ],
)
async def test_error_bodies_of_any_shape_are_error_results(
    client: Client, sandbox: SandboxServer, body: str, shown: str
) -> None:
    sandbox.state.inject(raw_answer(body, status=400))

    result = await bounded(client, "desktop_recordings_get", {"id": READY})  # never a JSON-RPC -32602

    text = text_of(result)
    assert result.is_error
    assert "HTTP status: 400" in text
    assert shown in text
    await still_answering(client)


@pytest.mark.anyio
async def test_an_answer_off_the_output_schema_is_text_only_and_logged_once(
    client: Client, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    off_schema = recording_json(duration_seconds='"many"', team='{"unit": "s"}')
    sandbox.state.inject(Fault(method="GET", path=RECORDING_PATH, kind="raw_json", body=off_schema, times=2))

    with caplog.at_level(logging.WARNING, logger="posthog_environments_mcp.output"):
        results = [await bounded(client, "desktop_recordings_get", {"id": READY}) for _ in range(2)]

    for result in results:
        assert result.structured_content is None  # pyright: ignore[reportUnknownMemberType]
        assert "does not match this tool's published output schema" in text_of(result)
        assert '"duration_seconds":"many"' in text_of(result)
    logged = [r for r in caplog.records if "output schema" in r.getMessage()]
    assert len(logged) == 1
    await still_answering(client)


# Never hand the agent what it should not see


@pytest.mark.anyio
async def test_an_echoed_key_is_redacted_from_results_and_errors(client: Client, sandbox: SandboxServer) -> None:
    sandbox.state.inject(
        Fault(method="GET", path=RECORDING_PATH, kind="echo_auth", body=recording_json(notes='"{authorization}"'))
    )
    sandbox.state.inject(
        Fault(method="GET", path="endpoints", kind="echo_auth", status=400, body='{"detail": "got {authorization}"}')
    )

    recording = await bounded(client, "desktop_recordings_get", {"id": READY})
    failed = await bounded(client, "endpoints_list", {})

    assert structured(recording)["notes"] == "Bearer [redacted: API key]"
    assert failed.is_error
    assert "got Bearer [redacted: API key]" in text_of(failed)
    for result in (recording, failed):
        assert sandbox.api_key not in result.model_dump_json()
    await still_answering(client)


@pytest.mark.anyio
async def test_a_key_spelled_with_an_escape_is_redacted_too(client: Client, sandbox: SandboxServer) -> None:
    """Compact answers are shown as PostHog spelled them (no second serialisation), but not one whose ``\\u``
    escape would hide the key from the text search: that one is serialised, searched and redacted."""
    key = sandbox.api_key
    escaped = f"\\u{ord(key[0]):04x}{key[1:]}"  # the same string, its first letter written as an escape
    sandbox.state.inject(raw_answer(recording_json(notes=f'"Bearer {escaped}"')))

    recording = await bounded(client, "desktop_recordings_get", {"id": READY})

    assert structured(recording)["notes"] == "Bearer [redacted: API key]"
    assert key not in recording.model_dump_json()
    await still_answering(client)


@pytest.mark.anyio
async def test_compact_answers_are_shown_as_sent_and_pretty_ones_compacted(
    client: Client, sandbox: SandboxServer
) -> None:
    compact = recording_json(notes='"a \\"quoted\\" note, with \\/ and caf\u00e9"')
    pretty = json.dumps(json.loads(compact), indent=2, ensure_ascii=False)
    sandbox.state.inject(raw_answer(compact))
    sandbox.state.inject(raw_answer(pretty))

    as_sent = await bounded(client, "desktop_recordings_get", {"id": READY})
    compacted = await bounded(client, "desktop_recordings_get", {"id": READY})

    assert as_sent.content[0] == types.TextContent(text=compact)
    assert compacted.content[0] == types.TextContent(
        text=json.dumps(json.loads(pretty), separators=(",", ":"), ensure_ascii=False)
    )
    assert structured(as_sent) == structured(compacted) == json.loads(compact)


@pytest.mark.anyio
async def test_cookies_from_posthog_are_never_replayed(client: Client, sandbox: SandboxServer) -> None:
    sandbox.state.inject(
        Fault(
            method="GET",
            path=RECORDING_PATH,
            status=400,
            body={"detail": "x"},
            headers={"Set-Cookie": "sessionid=stolen; Path=/", "Content-Type": "application/json"},
        )
    )
    refused = await bounded(client, "desktop_recordings_get", {"id": READY})

    await still_answering(client)
    await still_answering(client)

    assert refused.is_error
    assert [r.header("cookie") for r in sandbox.state.requests] == [None, None, None]


@pytest.mark.anyio
async def test_a_same_origin_redirect_does_not_repeat_the_query(client: Client, sandbox: SandboxServer) -> None:
    moved = f"{sandbox.base_url}/api/environments/1/desktop_recordings/?limit=2&offset=0"
    sandbox.state.inject(Fault(method="GET", path="desktop_recordings", kind="redirect", status=302, location=moved))

    page = structured(await bounded(client, "desktop_recordings_list", {"limit": 2, "offset": 0}))

    assert len(page["results"]) == 2
    first, second = sandbox.state.requests
    assert first.query == {"limit": ["2"], "offset": ["0"]}
    assert second.query == {"limit": ["2"], "offset": ["0"]}  # the Location's query, not ours appended again
    await still_answering(client)


# Event streams in linear time, progress coalesced


@pytest.mark.anyio
async def test_50k_stream_events_are_handled_fast_with_few_progress_notifications(
    client: Client, sandbox: SandboxServer
) -> None:
    count = 50_000
    giant_kind = b'event: message\ndata: {"type":"%s","id":"k"}\n\n' % (b"k\\n" * 50_000)  # upstream text in a note
    head = giant_kind + f'event: conversation\ndata: {{"id":"{CONVERSATION}"}}\n\n'.encode()
    steps = b"".join(
        b'event: message\ndata: {"type":"tool","id":"s%d","content":"step"}\n\n' % n for n in range(count // 2)
    )
    chunks = b"".join(b'event: message\ndata: {"type":"ai","content":"%d"}\n\n' % n for n in range(count // 2))
    final = b'event: message\ndata: {"type":"ai","id":"final","content":"All done."}\n\n'
    sandbox.state.inject(
        Fault(method="POST", path="conversations", kind="event_stream", body=head + steps + chunks + final)
    )
    notes: list[str | None] = []

    async def on_progress(_done: float, _total: float | None, message: str | None) -> None:
        notes.append(message)

    with stopwatch() as watch:
        result = await client.call_tool(
            "conversations_create",
            {"content": "Hi", "conversation": CONVERSATION},
            progress_callback=on_progress,
        )

    summary = structured(result)
    assert summary["status"] == "completed"
    assert summary["answer"] == "All done."
    assert watch.elapsed < 8.0 + SLACK  # well under the 10 s deadline
    assert 1 <= len(notes) <= 4 * watch.elapsed + 4  # at most four a second, plus the first and the final one
    assert notes[-1] == "ai message received"
    assert all(len(note or "") <= 80 for note in notes)  # one short line each, whatever PostHog names its steps
    await still_answering(client)


DOCUMENTED = {
    "lone-surrogate": test_lone_surrogates_and_invalid_utf8_are_replaced,
    "lone-surrogate-in-stream": test_lone_surrogates_and_invalid_utf8_in_stream_frames,
    "nan-infinity": test_nan_and_infinity_become_null_so_the_text_is_valid_json,
    "nested-too-deep": test_json_nested_thousands_deep_is_a_clear_error,
    "deep-stream-frame": test_a_deep_stream_frame_keeps_the_conversation_id_and_partial_answer,
    "600k-fields": test_a_17_mb_object_of_600k_fields_ends_in_time_while_other_calls_are_answered,
    "18-mb-conversation": test_a_realistic_18_mb_conversation_is_cut_in_time,
    "cancel-while-cutting": test_cancelling_while_a_huge_answer_is_cut,
    "5-mb-error-detail": test_a_5_mb_error_detail_is_cut_with_a_notice,
    "interrupted-turn-over-budget": test_an_interrupted_conversation_is_cut_to_the_budget,
    "huge-bad-argument": test_a_huge_bad_argument_gives_a_short_validation_error,
    "stream-over-limit": test_an_event_stream_over_the_response_limit_stops,
    "error-body-any-shape": test_error_bodies_of_any_shape_are_error_results,
    "off-output-schema": test_an_answer_off_the_output_schema_is_text_only_and_logged_once,
    "echoed-key": test_an_echoed_key_is_redacted_from_results_and_errors,
    "escaped-echoed-key": test_a_key_spelled_with_an_escape_is_redacted_too,
    "set-cookie": test_cookies_from_posthog_are_never_replayed,
    "redirect-with-query": test_a_same_origin_redirect_does_not_repeat_the_query,
    "50k-stream-events": test_50k_stream_events_are_handled_fast_with_few_progress_notifications,
}
"""Each row of the "Hostile answers" table and its test (``forged-log-line`` is ``test_log_lines.py``)."""


def test_every_hostile_case_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, flags=re.MULTILINE))
    assert {*DOCUMENTED, "forged-log-line"} <= documented
