"""The prompts the server offers: one declaration each (name, description, arguments model, builder)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types

from ...schemas.common import ToolInput
from . import builders
from .arguments import (
    AskPostHogAIArgs,
    BatchExportTriageArgs,
    EndpointHealthArgs,
    MeetingFollowUpArgs,
    RecordingsDigestArgs,
    published_arguments,
)
from .context import PromptContext

Builder = Callable[[PromptContext, Any], Awaitable[types.GetPromptResult]]

Completion = str
"""How an argument is completed: a resource template's ``id`` (reused resource completion), or a named source."""


@dataclass(frozen=True, slots=True)
class PromptSpec:
    name: str
    title: str
    description: str
    arguments: type[ToolInput]
    build: Builder
    completions: dict[str, Completion]
    """Argument name → completion source (see ``completion.py``)."""

    def prompt(self) -> types.Prompt:
        return types.Prompt(
            name=self.name,
            title=self.title,
            description=self.description,
            arguments=published_arguments(self.arguments),
        )


_PROJECT = {"project_id": "project_id"}

PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        name="meeting_follow_up",
        title="Follow up on a meeting",
        description=(
            "Summary, decisions and action items of one desktop meeting recording (embedded with its transcript), "
            "and an offer to store them on the recording with desktop_recordings_update."
        ),
        arguments=MeetingFollowUpArgs,
        build=builders.meeting_follow_up,
        completions={**_PROJECT, "recording_id": "recording"},
    ),
    PromptSpec(
        name="recordings_digest",
        title="Digest of recent meetings",
        description=(
            "The recent desktop meeting recordings (optionally since a date, on one platform) with their "
            "summaries and open tasks, and a request for a digest grouped by assignee."
        ),
        arguments=RecordingsDigestArgs,
        build=builders.recordings_digest,
        completions={**_PROJECT, "platform": "platform"},
    ),
    PromptSpec(
        name="ask_posthog_ai",
        title="Ask PostHog AI",
        description=(
            "Ask PostHog AI a question about your product data with conversations_create, or continue an existing "
            "conversation (embedded) with a follow-up."
        ),
        arguments=AskPostHogAIArgs,
        build=builders.ask_posthog_ai,
        completions={**_PROJECT, "conversation_id": "conversation"},
    ),
    PromptSpec(
        name="endpoint_health",
        title="Check an endpoint's health",
        description=(
            "Run a data warehouse endpoint, compare its versions and last execution times, and report problems "
            "with the next step for each."
        ),
        arguments=EndpointHealthArgs,
        build=builders.endpoint_health,
        completions={**_PROJECT, "name": "endpoint"},
    ),
    PromptSpec(
        name="batch_export_triage",
        title="Triage a batch export",
        description=(
            "Read a batch export's latest logs (included), diagnose failing runs, and suggest pausing, unpausing "
            "with a backfill, or a destination test step."
        ),
        arguments=BatchExportTriageArgs,
        build=builders.batch_export_triage,
        completions=dict(_PROJECT),
    ),
)
BY_NAME: dict[str, PromptSpec] = {spec.name: spec for spec in PROMPTS}
