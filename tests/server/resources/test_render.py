"""Markdown rendering of the sandbox's seeded recordings and conversations, pinned by committed snapshots.

The objects are serialized exactly as the sandbox (and PostHog) sends them, without HTTP, so these tests are
fast; ``test_through_client`` checks that what MCP serves is the same document.
"""

from __future__ import annotations

from typing import Any

import pytest

from posthog_environments_mcp.sandbox import seed
from posthog_environments_mcp.server.resources.render import (
    PREAMBLE,
    clock,
    code,
    duration,
    render_conversation,
    render_recording,
    render_transcript,
)
from tests.server.resources.support import assert_matches_snapshot, recording_uri

_PROJECTS = seed.build_projects()
_USERS = seed.build_users()


def _recording(name: str) -> dict[str, Any]:
    return _PROJECTS[seed.PROJECT_ID].recordings[seed.RECORDING_IDS[name]].to_json()


def _conversation(name: str) -> dict[str, Any]:
    conversation = _PROJECTS[seed.PROJECT_ID].conversations[seed.CONVERSATION_IDS[name]]
    return conversation.full(_USERS.get(conversation.user_id))


PROJECT_RECORDINGS = [name for name, rid in seed.RECORDING_IDS.items() if rid in _PROJECTS[seed.PROJECT_ID].recordings]


@pytest.mark.parametrize("name", PROJECT_RECORDINGS)
def test_recording_snapshot(name: str) -> None:
    assert_matches_snapshot(f"recording_{name}.md", render_recording(_recording(name), project_id="1"))


@pytest.mark.parametrize("name", ["hiring_debrief", "design_review_live", "design_huddle"])
def test_transcript_snapshot(name: str) -> None:
    recording = _recording(name)
    text = render_transcript(recording, project_id="1", recording_uri=recording_uri(recording["id"]))
    assert_matches_snapshot(f"transcript_{name}.md", text)


@pytest.mark.parametrize("name", list(seed.CONVERSATION_IDS))
def test_conversation_snapshot(name: str) -> None:
    assert_matches_snapshot(f"conversation_{name}.md", render_conversation(_conversation(name), project_id="1"))


def test_recording_document_has_every_part() -> None:
    text = render_recording(_recording("pricing_review"), project_id="1")
    assert text.startswith("# Desktop meeting recording\n\n" + PREAMBLE)
    for expected in (
        "> Q4 pricing review",
        "- **Platform:** Zoom",
        "- **Status:** ready",
        "- **Started:** 2025-11-18 15:00:00 UTC",
        "- **Duration:** 52 min 0 s",
        "## Participants (3)",
        "> - Max Hedgehog",
        "## Summary",
        "## Tasks (3)",
        ">    Assignee: Priya Raman",
        "## Transcript (6 segments)",
        "> [00:01:28] Ada Lovelace: I'll pull churn by plan before we announce anything.",
    ):
        assert expected in text, expected


def test_recording_in_progress_says_more_may_follow() -> None:
    text = render_recording(_recording("design_review_live"), project_id="1")
    assert "- **Status:** recording (the meeting is still being recorded)" in text
    assert "- **Duration:** still recording" in text
    assert "_Still recording: new lines may follow." in text


def test_failed_recording_shows_its_error_and_no_transcript() -> None:
    text = render_recording(_recording("design_huddle"), project_id="1")
    assert "## Error\n\n> Recall.ai upload failed" in text
    assert "_No transcript._" in text


def test_conversation_keeps_every_message_in_order() -> None:
    text = render_conversation(_conversation("daily_signups"), project_id="1")
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### 1. User",
        "### 2. PostHog AI",
        "### 3. Tool result (`tool`) for `create_and_query_insight`",
        "### 4. PostHog AI — visualization (`ai/viz`), `TrendsQuery`",
        "### 5. PostHog AI",
    ]
    assert "_Called tool `create_and_query_insight`._" in text


def test_non_text_messages_are_summarised_in_one_line_never_dropped() -> None:
    long_reasoning = "Thinking about the funnel. " * 40
    conversation = {
        "id": "c1",
        "status": "in_progress",
        "title": "Funnel",
        "messages": [
            {"type": "ai/reasoning", "content": long_reasoning},
            {"type": "ai/failure", "content": "PostHog AI ran into an error."},
            {"type": "ai/planning", "steps": [{"description": "x"}]},
            {"type": "ai/brand_new_kind", "content": "Something new"},
        ],
    }
    text = render_conversation(conversation, project_id="1")
    lines = text.splitlines()
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == [
        "### 1. PostHog AI — reasoning (`ai/reasoning`)",
        "### 2. PostHog AI — failed (`ai/failure`)",
        "### 3. PostHog AI — plan (`ai/planning`)",
        "### 4. Message of type `ai/brand_new_kind`",
    ]
    reasoning = lines[lines.index(headings[0]) + 2]
    assert reasoning.startswith("> Thinking about the funnel.")
    assert reasoning.endswith("…")
    assert len(reasoning) < 300
    assert "> PostHog AI ran into an error." in lines
    assert "_(no text; see the JSON content for details)_" in lines
    assert "> Something new" in lines
    assert "PostHog AI is still answering" in text


@pytest.mark.parametrize(
    ("milliseconds", "expected"),
    [
        (0.0, "[00:00:00]"),
        (83_999.9, "[00:01:23]"),
        (3_723_000, "[01:02:03]"),
        (None, "[--:--:--]"),
        (-5, "[00:00:00]"),
    ],
)
def test_clock(milliseconds: float | None, expected: str) -> None:
    assert clock(milliseconds) == expected


def test_duration() -> None:
    assert duration(312) == "5 min 12 s"
    assert duration(3725) == "1 h 2 min 5 s"
    assert duration(9) == "9 s"


def test_code_span_cannot_be_closed_from_inside() -> None:
    assert code("plain") == "`plain`"
    assert code("a `b` c") == "``a `b` c``"
    assert code("```") == "```` ``` ````"
