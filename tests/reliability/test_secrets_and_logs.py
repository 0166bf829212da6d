"""The API key never shows: not in the server's log (stderr of the real command, at DEBUG), not in any tool result,
not in a repr of the settings. And the log has one line per upstream call: method, path template, status,
duration and retries, without ids or request bodies."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from pydantic import SecretStr

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from posthog_environments_mcp.server.config import RawSettings, build_settings
from posthog_environments_mcp.server.definitions.registry import known_areas
from posthog_environments_mcp.server.logs import LOGGER_NAME, configure_logging
from posthog_environments_mcp.server.posthog.target import Target
from tests.e2e.clients import stdio_session
from tests.e2e.test_every_tool_stdio import CASES
from tests.reliability.support import FAST_ENV, fast_settings, inproc, text_of

LIVE = RECORDING_IDS["design_review_live"]
HIRING = RECORDING_IDS["hiring_debrief"]
BODY_MARKER = "body-marker-7d1f0c"
WRONG_KEY = "phx_WrongKeyThatPostHogDoesNotKnow00000000"
LOG_LINE = re.compile(
    r"posthog_environments_mcp\.http: (GET|POST|PATCH|DELETE) (\S+) -> (.+?) in \d+ ms \(retries: (\d+)\)"
)

FAULTED_CALLS: list[tuple[Fault | None, str, dict[str, Any]]] = [
    (Fault(method="GET", path=f"desktop_recordings/{HIRING}", status=429,
           body={"detail": "Request was throttled. Expected available in 0.2 seconds."}),
     "desktop_recordings_get", {"id": HIRING}),
    (Fault(method="POST", path="desktop_recordings", status=503), "desktop_recordings_create", {"platform": "zoom"}),
    (Fault(method="GET", path="desktop_recordings", kind="disconnect"), "desktop_recordings_list", {"limit": 1}),
    (Fault(method="GET", path="endpoints", kind="html", status=200), "endpoints_list", {}),
    (Fault(method="GET", path="conversations", kind="malformed_json"), "conversations_list", {}),
    (Fault(method="GET", path=f"desktop_recordings/{HIRING}", kind="redirect",
           location="http://localhost:9/steal"), "desktop_recordings_get", {"id": HIRING}),
    (Fault(method="POST", path="conversations", kind="cut_stream", after_events=2),
     "conversations_create", {"content": "hello"}),
    (Fault(method="PATCH", path=f"desktop_recordings/{HIRING}", status=400,
           body={"type": "validation_error", "code": "invalid", "detail": "Bad notes.", "attr": "notes"}),
     "desktop_recordings_update", {"id": HIRING, "notes": BODY_MARKER}),
    (None, "desktop_recordings_update", {"id": HIRING, "meeting_title": BODY_MARKER}),
    (None, "desktop_recordings_append_segments", {"id": LIVE, "segments": [{"text": BODY_MARKER, "timestamp": 1.5}]}),
    (None, "desktop_recordings_list", {"search": "crlf\r\nAuthorization: Bearer x\x00"}),
    (None, "desktop_recordings_list", {"search": "x" * 70_000}),
]  # fmt: skip

INVALID_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("desktop_recordings_get", {"id": "../../admin"}),
    ("desktop_recordings_get", {"id": HIRING, "api_key": "phx_guess"}),
    ("endpoints_get", {}),
    ("desktop_recordings_list", {"limit": 0}),
    ("conversations_append_message", {"conversation": "x", "content": BODY_MARKER * 2000}),
]


def secret_fragments(key: str) -> list[str]:
    """The key and any 12-character piece of it: a truncated excerpt must not leak part of it either."""
    return [key, *(key[start : start + 12] for start in range(0, len(key) - 11, 4))]


def everything_in(result: types.CallToolResult) -> str:
    return result.model_dump_json(by_alias=True) + text_of(result)


def test_settings_and_target_reprs_hide_the_key() -> None:
    key = "phx_ReprCheckKey0000000000000000000000000"
    settings = build_settings(RawSettings(api_key=key, host="eu", project_id="7"), known_areas())
    shown = [repr(settings), str(settings), repr(Target.from_settings(settings)), repr(settings.api_key)]
    for text in shown:
        assert key not in text
        assert "phx_Repr" not in text
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == key


@pytest.mark.anyio
async def test_key_never_appears_in_logs_or_results(sandbox: SandboxServer, tmp_path: Path) -> None:
    key = sandbox.api_key
    stderr_path = tmp_path / "server-stderr.log"
    results: list[types.CallToolResult] = []
    rejected = 0
    async with stdio_session(sandbox, "auto", stderr_path, POSTHOG_MCP_LOG_LEVEL="DEBUG", **FAST_ENV) as client:
        for fault, tool, arguments in FAULTED_CALLS:
            sandbox.state.clear_faults()
            if fault is not None:
                sandbox.state.inject(fault)
            results.append(await client.call_tool(tool, arguments))
        sandbox.state.clear_faults()
        for tool, arguments in INVALID_CALLS:
            result = await client.call_tool(tool, arguments)
            assert result.is_error
            assert text_of(result).startswith(f"Invalid arguments for {tool}; nothing was sent")
            rejected += 1
            results.append(result)
        for case in CASES:
            results.append(await client.call_tool(case.tool, case.arguments))
        sandbox.state.revoke_key(key)
        unauthorized = await client.call_tool("endpoints_list", {})
        results.append(unauthorized)

    assert unauthorized.is_error
    assert "HTTP status: 401" in text_of(unauthorized)
    assert "The API key is missing, invalid or revoked" in text_of(unauthorized)
    log = stderr_path.read_text(encoding="utf-8")
    everything = [log, *(everything_in(result) for result in results)]
    for fragment in secret_fragments(key):
        assert not any(fragment in text for text in everything), f"key fragment {fragment!r} leaked"

    calls = [match for line in log.splitlines() if (match := LOG_LINE.search(line))]
    assert len(calls) == len(results) - rejected, "one log line per call that passed validation"
    assert BODY_MARKER not in log
    for match in calls:
        template = match.group(2)
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", template), f"an id in the log: {match.group(0)}"
    retried = [m for m in calls if m.group(2) == "desktop_recordings/{id}/" and m.group(3) == "200"]
    assert any(m.group(4) == "1" for m in retried), "the retry after 429 is counted in its log line"
    assert any(m.group(3) == "401" for m in calls)


@pytest.mark.anyio
async def test_wrong_key_is_never_echoed(sandbox: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = fast_settings(sandbox, api_key=SecretStr(WRONG_KEY))
    async with inproc(settings) as client:
        result = await client.call_tool("endpoints_list", {})

    assert result.is_error
    assert "HTTP status: 401" in text_of(result)
    assert "The API key is missing, invalid or revoked" in text_of(result)
    assert [r.header("authorization") for r in sandbox.state.requests] == [f"Bearer {WRONG_KEY}"]
    shown = [everything_in(result), caplog.text, repr(settings)]
    for fragment in secret_fragments(WRONG_KEY):
        assert not any(fragment in text for text in shown)


@pytest.mark.anyio
async def test_log_level_is_configurable(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    """POSTHOG_MCP_LOG_LEVEL as the command line applies it: at WARNING a successful call logs nothing, at INFO
    exactly its one line, on stderr (stdout carries the protocol)."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger(LOGGER_NAME).level)
    lines: dict[str, list[str]] = {}
    try:
        for level in ("WARNING", "INFO"):
            configure_logging(level, SecretStr(sandbox.api_key))
            async with inproc(fast_settings(sandbox)) as client:
                assert not (await client.call_tool("endpoints_list", {})).is_error
            captured = capsys.readouterr()
            assert not LOG_LINE.search(captured.out)
            lines[level] = [line for line in captured.err.splitlines() if LOG_LINE.search(line)]
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger(LOGGER_NAME).setLevel(saved[2])
    assert lines["WARNING"] == []
    assert len(lines["INFO"]) == 1
    assert "GET endpoints/ -> 200" in lines["INFO"][0]
