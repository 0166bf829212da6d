"""The prompts the server offers: each builder in ``builders.py``, with its title and argument completion."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast, get_type_hints

import mcp_types as types

from ...schemas.common import ToolInput
from . import builders
from .arguments import published_arguments
from .context import PromptContext

Builder = Callable[[PromptContext, Any], Awaitable[types.GetPromptResult]]

Completion = str
"""How an argument is completed: a resource template's ``id`` (reused resource completion), or a named source."""


@dataclass(frozen=True, slots=True)
class PromptSpec:
    """One prompt: its builder is the declaration (name, description from its docstring, arguments model from its
    signature); only the title and the completion sources are added here."""

    build: Builder
    title: str
    completions: dict[str, Completion]
    """Argument name → completion source (see ``completion.py``); ``project_id`` is always completed."""

    @property
    def name(self) -> str:
        return self.build.__name__

    @property
    def arguments(self) -> type[ToolInput]:
        return cast(type[ToolInput], get_type_hints(self.build)["args"])

    def prompt(self, *, default_project: bool) -> types.Prompt:
        """Published like the tools: ``project_id`` is required when the server has no default project."""
        arguments = [
            a.model_copy(update={"required": True}) if a.name == "project_id" and not default_project else a
            for a in published_arguments(self.arguments)
        ]
        return types.Prompt(
            name=self.name,
            title=self.title,
            description=" ".join((inspect.getdoc(self.build) or "").split()),
            arguments=arguments,
        )


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(builders.meeting_follow_up, "Follow up on a meeting", {"recording_id": "recording"}),
    PromptSpec(builders.recordings_digest, "Digest of recent meetings", {"platform": "platform"}),
    PromptSpec(builders.ask_posthog_ai, "Ask PostHog AI", {"conversation_id": "conversation"}),
    PromptSpec(builders.endpoint_health, "Check an endpoint's health", {"name": "endpoint"}),
    PromptSpec(builders.batch_export_triage, "Triage a batch export", {}),
)
BY_NAME: dict[str, PromptSpec] = {spec.name: spec for spec in PROMPTS}
