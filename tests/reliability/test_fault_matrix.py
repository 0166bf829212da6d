"""The fault matrix: each way PostHog or the network fails, injected in the sandbox over real loopback HTTP, driven
through a real MCP client against the real server. For each: what the agent gets (a result after a retry, or an
``isError`` result naming the status, PostHog's detail and the next step), how long it took, how many requests
PostHog saw, and that the same server answers the next call.

``docs/fault-matrix.md`` is this table in words; ``test_every_case_is_documented`` keeps the two together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest
from mcp import Client

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.reliability.support import FAST, SLACK, fast_settings, inproc, stopwatch, structured, text_of

READY = RECORDING_IDS["pricing_review"]
LIVE = RECORDING_IDS["design_review_live"]
RECORDING_PATH = f"desktop_recordings/{READY}"
MATRIX_DOC = Path(__file__).resolve().parents[2] / "docs" / "fault-matrix.md"

READ_TIMEOUT: float = FAST["read_timeout"]
CALL_TIMEOUT: float = FAST["call_timeout"]
RETRY_MAX_WAIT: float = FAST["retry_max_wait"]
MAX_ATTEMPTS: int = FAST["max_retries"] + 1
RETRY_BUDGET = READ_TIMEOUT + RETRY_MAX_WAIT + READ_TIMEOUT
"""First attempt, then retries that stop before the wait bound, the last one at most a read timeout long."""

THROTTLED = "throttled_error"
WAIT_1_S = "Request was throttled. Expected available in 1 seconds."
WAIT_30_S = "Request was throttled. Expected available in 30 seconds."
WAIT_62_S = "Request was throttled. Expected available in 62 seconds."
APPEND_PATH = f"desktop_recordings/{LIVE}/append_segments"


def throttled(detail: str) -> dict[str, Any]:
    return {"type": THROTTLED, "code": "throttled", "detail": detail, "attr": None}


def on_recording(**fault: Any) -> Callable[[], list[Fault]]:
    return lambda: [Fault(method="GET", path=RECORDING_PATH, **fault)]


@dataclass(frozen=True)
class Case:
    id: str
    faults: Callable[[], list[Fault]]
    outcome: Literal["success", "error"]
    requests: tuple[int, int]
    """Least and most requests PostHog may see (retries included)."""
    within: float
    """Seconds the call may take at most (before scheduling slack)."""
    says: tuple[str, ...] = ()
    """Substrings the agent must find in the result: status, PostHog's detail, the next step."""
    at_least: float = 0.0
    """Seconds the call must take at least: a wait PostHog asked for was honoured."""
    tool: str = "desktop_recordings_get"
    arguments: dict[str, Any] = field(default_factory=lambda: {"id": READY})


CASES = [
    Case("429-detail-hint", on_recording(status=429, body=throttled(WAIT_1_S)),
         "success", (2, 2), within=1.0 + 2 * READ_TIMEOUT, at_least=0.95),
    Case("429-retry-after", on_recording(status=429, headers={"Retry-After": "1"}, body=throttled(WAIT_30_S)),
         "success", (2, 2), within=1.0 + 2 * READ_TIMEOUT, at_least=0.95),
    Case("429-no-hint", on_recording(status=429, times=None,
                                     body={"detail": "Too many concurrent requests. Please try again later."}),
         "error", (2, MAX_ATTEMPTS), within=RETRY_BUDGET,
         says=("HTTP status: 429", "Too many concurrent requests", "rate limiting this key", "Retry later")),
    Case("429-wait-over-bound", on_recording(status=429, body=throttled(WAIT_62_S)),
         "error", (1, 1), within=READ_TIMEOUT,
         says=("HTTP status: 429", "Expected available in 62 seconds", "Retry in 62 seconds")),
    Case("500", on_recording(status=500), "error", (1, 1), within=READ_TIMEOUT,
         says=("HTTP status: 500", "A server error occurred.", "Try again in a minute")),
    Case("502-once", on_recording(status=502), "success", (2, 2), within=RETRY_BUDGET),
    Case("503-once", on_recording(status=503), "success", (2, 2), within=RETRY_BUDGET),
    Case("504-once", on_recording(status=504), "success", (2, 2), within=RETRY_BUDGET),
    Case("503-persistent", on_recording(status=503, times=None, headers={"Retry-After": "0.1"}),
         "error", (MAX_ATTEMPTS, MAX_ATTEMPTS), within=RETRY_BUDGET,
         says=("HTTP status: 503", f"Attempts: {MAX_ATTEMPTS}", "PostHog failed on its side")),
    Case("502-html-page", on_recording(kind="html", times=None), "error", (2, MAX_ATTEMPTS), within=RETRY_BUDGET,
         says=("502 Bad Gateway with an HTML error page", "Try again in a minute")),
    Case("read-timeout", on_recording(kind="delay", delay=READ_TIMEOUT * 3, times=None),
         "error", (2, MAX_ATTEMPTS), within=CALL_TIMEOUT,
         says=(f"went silent for over {READ_TIMEOUT:g} s", "did not answer in time")),
    Case("reset-mid-body-once", on_recording(kind="disconnect"), "success", (2, 2), within=RETRY_BUDGET),
    Case("reset-mid-body", on_recording(kind="disconnect", times=None), "error", (2, MAX_ATTEMPTS),
         within=RETRY_BUDGET, says=("connection broke before PostHog's answer was complete", "try again")),
    Case("malformed-json", on_recording(kind="malformed_json"), "error", (1, 1), within=READ_TIMEOUT,
         says=("HTTP status: 200", "a body that is not JSON", "not a proxy")),
    Case("html-200", on_recording(kind="html", status=200), "error", (1, 1), within=READ_TIMEOUT,
         says=("answered 200 with an HTML page", "not a proxy")),
    Case("empty-200", on_recording(kind="empty"), "error", (1, 1), within=READ_TIMEOUT,
         says=("answered 200 with an empty body",)),
    Case("oversized-body", on_recording(kind="oversized", size=300_000), "error", (1, 1), within=READ_TIMEOUT,
         says=("300000 bytes, over the 100000-byte limit",)),
    Case("stream-cut", lambda: [Fault(method="POST", path="conversations", kind="cut_stream", after_events=3)],
         "error", (1, 1), within=2.0, tool="conversations_create", arguments={"content": "How many recordings?"},
         says=("interrupted", "received 3 events", "conversations_get")),
    Case("stream-stalled", lambda: [Fault(method="POST", path="conversations", kind="stall_stream", after_events=2)],
         "error", (1, 1), within=READ_TIMEOUT + 1.0, tool="conversations_create",
         arguments={"content": "How many recordings?"}, says=("stopped sending", "received 2 events")),
    Case("stream-not-an-event-stream", lambda: [Fault(method="POST", path="conversations", kind="html", status=200)],
         "error", (1, 1), within=READ_TIMEOUT, tool="conversations_create",
         arguments={"content": "How many recordings?"},
         says=("answered 200 with an HTML page", "instead of an event stream")),
    Case("post-503-not-retried", lambda: [Fault(method="POST", path="desktop_recordings", status=503)],
         "error", (1, 1), within=READ_TIMEOUT, tool="desktop_recordings_create", arguments={"platform": "zoom"},
         says=("HTTP status: 503",)),
    Case("post-reset-not-retried", lambda: [Fault(method="POST", path="desktop_recordings", kind="disconnect")],
         "error", (1, 1), within=READ_TIMEOUT, tool="desktop_recordings_create", arguments={"platform": "zoom"},
         says=("connection broke", "may have reached PostHog", "check first")),
    Case("retry-safe-post-503", lambda: [Fault(method="POST", path=APPEND_PATH, status=503)],
         "success", (2, 2), within=RETRY_BUDGET, tool="desktop_recordings_append_segments",
         arguments={"id": LIVE, "segments": [{"text": "Ship it Friday.", "timestamp": 424242.0}]}),
    Case("retry-safe-post-reset", lambda: [Fault(method="POST", path=APPEND_PATH, kind="disconnect")],
         "success", (2, 2), within=RETRY_BUDGET, tool="desktop_recordings_append_segments",
         arguments={"id": LIVE, "segments": [{"text": "Ship it Friday.", "timestamp": 424242.0}]}),
]  # fmt: skip


@pytest.fixture
async def client(sandbox: SandboxServer) -> Any:
    sandbox.state.stream_chunk_delay = 0.01
    async with inproc(fast_settings(sandbox, max_response_bytes=100_000)) as connected:
        yield connected


async def assert_still_answering(client: Client, sandbox: SandboxServer) -> None:
    """The same server, right after the fault, answers a plain call correctly and promptly."""
    sandbox.state.clear_faults()
    with stopwatch() as watch:
        result = await client.call_tool("desktop_recordings_get", {"id": READY})
    assert structured(result)["id"] == READY
    assert watch.elapsed < READ_TIMEOUT + SLACK


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_fault(client: Client, sandbox: SandboxServer, case: Case) -> None:
    for fault in case.faults():
        sandbox.state.inject(fault)

    with stopwatch() as watch:
        result = await client.call_tool(case.tool, case.arguments)

    text = text_of(result)
    if case.outcome == "success":
        assert not result.is_error, text
        assert isinstance(result.structured_content, dict), text
    else:
        assert result.is_error, text
        assert text.startswith(f"{case.tool} "), text
        assert "Next step" in text, text
        for expected in case.says:
            assert expected in text, f"{expected!r} not in:\n{text}"
    seen = [r for r in sandbox.state.requests if r.api_path is not None]
    low, high = case.requests
    assert low <= len(seen) <= high, [f"{r.method} {r.path}" for r in seen]
    assert case.at_least <= watch.elapsed <= case.within + SLACK, f"took {watch.elapsed:.2f} s"
    await assert_still_answering(client, sandbox)


@pytest.mark.anyio
async def test_retried_append_is_applied_once(client: Client, sandbox: SandboxServer) -> None:
    """A retry-safe POST whose first answer was lost (the request was applied) is retried without duplicating."""
    sandbox.state.inject(Fault(method="POST", path=APPEND_PATH, kind="disconnect"))
    segment = {"text": "Only once, please.", "timestamp": 515151.0}

    result = await client.call_tool("desktop_recordings_append_segments", {"id": LIVE, "segments": [segment]})

    texts = [segment["text"] for segment in structured(result)["transcript_segments"]]
    assert texts.count("Only once, please.") == 1
    assert len([r for r in sandbox.state.requests if r.method == "POST"]) == 2


@pytest.mark.anyio
async def test_non_retry_safe_post_lost_answer_creates_exactly_one(client: Client, sandbox: SandboxServer) -> None:
    """The create went through but its answer was lost: not retried (no duplicate), and the agent is told to check."""
    before = len(sandbox.state.projects[1].recordings)
    sandbox.state.inject(Fault(method="POST", path="desktop_recordings", kind="disconnect"))

    result = await client.call_tool("desktop_recordings_create", {"platform": "meet"})

    assert result.is_error
    assert "may have reached PostHog" in text_of(result)
    assert len(sandbox.state.projects[1].recordings) == before + 1
    assert len([r for r in sandbox.state.requests if r.method == "POST"]) == 1


@pytest.mark.anyio
async def test_stream_that_keeps_trickling_ends_at_the_call_deadline(sandbox: SandboxServer) -> None:
    """Every event arrives within the read timeout, but the whole answer would take longer than the deadline."""
    sandbox.state.stream_chunk_delay = 0.4
    async with inproc(fast_settings(sandbox, call_timeout=1.0, read_timeout=1.0)) as client:
        with stopwatch() as watch:
            result = await client.call_tool("conversations_create", {"content": "How many recordings?"})

        text = text_of(result)
        assert result.is_error, text
        assert "within the 1 s deadline" in text
        assert "conversations_get" in text
        assert watch.elapsed < 1.0 + SLACK
        sandbox.state.stream_chunk_delay = 0.0
        await assert_still_answering(client, sandbox)


def test_every_case_is_documented() -> None:
    doc = MATRIX_DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, flags=re.MULTILINE))
    assert {case.id for case in CASES} <= documented
