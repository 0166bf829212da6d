"""A burst of 200 parallel tool calls through one server process (the real command over stdio) with
POSTHOG_MCP_MAX_CONCURRENCY=4: every call gets its own correct answer, and PostHog never has more than four of
the server's requests in flight at once.

How "in flight" is measured on the sandbox side: every request is held for ``HOLD`` seconds before it is answered,
and the sandbox stamps each request when it arrives. A request in flight at the server occupies one of the
client's slots until its answer has been read, so if at most ``CAP`` are in flight, no ``CAP + 1`` arrivals can
fall within less than ``HOLD`` seconds of each other; a server sending more at once would show ``CAP + 1`` (or
200) arrivals within a few milliseconds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import anyio
import mcp_types as types
import pytest

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.e2e.clients import stdio_session
from tests.reliability.support import stopwatch, structured

CALLS = 200
CAP = 4
HOLD = 0.03


def add_recordings(sandbox: SandboxServer, count: int) -> dict[str, str]:
    """``count`` more recordings in project 1, each with its own id and title; returns title by id."""
    state = sandbox.state
    with state.lock:
        recordings = state.projects[1].recordings
        template = recordings[RECORDING_IDS["pricing_review"]]
        titles: dict[str, str] = {}
        for n in range(count):
            recording_id = f"a11ce000-0000-4000-8000-{n:012d}"
            titles[recording_id] = f"Load test meeting #{n}"
            recordings[recording_id] = dataclasses.replace(
                template, id=recording_id, meeting_title=titles[recording_id]
            )
    return titles


def most_in_any_window(arrivals: list[float], width: float) -> int:
    """The largest number of arrivals within ``width`` seconds of the first of them."""
    ordered = sorted(arrivals)
    best = 0
    end = 0
    for start in range(len(ordered)):
        while end < len(ordered) and ordered[end] - ordered[start] < width:
            end += 1
        best = max(best, end - start)
    return best


@pytest.mark.anyio
async def test_200_parallel_calls_share_four_upstream_slots(sandbox: SandboxServer, tmp_path: Path) -> None:
    titles = add_recordings(sandbox, CALLS)
    results: dict[str, types.CallToolResult] = {}

    async with stdio_session(
        sandbox, "auto", tmp_path / "stderr.log", POSTHOG_MCP_MAX_CONCURRENCY=str(CAP), POSTHOG_MCP_CALL_TIMEOUT="60"
    ) as client:
        await client.list_tools()  # as agents do; a cold client would re-list tools for each of the 200 results
        sandbox.state.clear_requests()
        sandbox.state.inject(Fault(method="GET", path="desktop_recordings/*", kind="delay", delay=HOLD, times=None))

        async def call(recording_id: str) -> None:
            results[recording_id] = await client.call_tool("desktop_recordings_get", {"id": recording_id})

        with stopwatch() as watch:
            async with anyio.create_task_group() as group:
                for recording_id in titles:
                    group.start_soon(call, recording_id)

    for recording_id, title in titles.items():
        recording = structured(results[recording_id])
        assert recording["id"] == recording_id
        assert recording["meeting_title"] == title

    seen = [r for r in sandbox.state.requests if r.api_path is not None]
    assert sorted(r.api_path or "" for r in seen) == sorted(f"desktop_recordings/{i}" for i in titles)
    peak = most_in_any_window([r.received_at for r in seen], HOLD * 0.9)
    assert CAP - 1 <= peak <= CAP, f"{peak} requests arrived within {HOLD * 0.9:.3f} s"
    assert watch.elapsed >= CALLS * HOLD / CAP * 0.9  # they queued: four at a time, not all at once
