"""The typed arguments of each prompt, validated like tool arguments (same field types, same error wording).

Prompt arguments arrive as strings; each prompt declares a pydantic model built from the tools' own field types
(``RecordingId``, ``EndpointName``…), so an id a tool would refuse is refused here too, before any request.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar, cast

import mcp_types as types
from mcp.shared.exceptions import MCPError
from pydantic import Field, ValidationError
from pydantic.json_schema import SkipJsonSchema

from ...schemas.batch_exports import BatchExportId
from ...schemas.common import ProjectId, ToolInput, Uuid
from ...schemas.desktop_recordings import Platform, RecordingId
from ...schemas.endpoints import EndpointName
from ...schemas.fields import DateTime, NonBlankStr
from ..calls.validation import format_validation_error

M = TypeVar("M", bound=ToolInput)


class PromptArgs(ToolInput):
    """Prompt arguments are filled in by a person, who sees no server instructions: each one is described here
    even where the tool schema leaves a self-explanatory name undescribed (to save every model turn's bytes)."""

    project_id: ProjectId | SkipJsonSchema[None] = Field(
        default=None, description="Project number (or '@current'); omit for the server's default project."
    )


class MeetingFollowUpArgs(PromptArgs):
    recording_id: RecordingId


class RecordingsDigestArgs(PromptArgs):
    since: DateTime | SkipJsonSchema[None] = Field(
        default=None,
        description="Only recordings that started at or after this ISO 8601 time or date, e.g. '2025-11-14'.",
    )
    platform: Platform | SkipJsonSchema[None] = Field(
        default=None, description="Only this platform: 'zoom', 'teams', 'meet', 'desktop_audio' or 'slack'."
    )


class AskPostHogAIArgs(PromptArgs):
    question: Annotated[NonBlankStr, Field(max_length=40000)] = Field(
        description="What to ask PostHog AI, e.g. 'How many users signed up last week?'."
    )
    conversation_id: Uuid | SkipJsonSchema[None] = Field(
        default=None, description="UUID of an existing PostHog AI conversation to continue; omit to start a new one."
    )


class EndpointHealthArgs(PromptArgs):
    name: EndpointName = Field(description="Endpoint name, e.g. 'weekly_signups'.")


class BatchExportTriageArgs(PromptArgs):
    batch_export_id: BatchExportId = Field(description="Batch export UUID.")


def published_arguments(model: type[ToolInput]) -> list[types.PromptArgument]:
    """The prompt's argument list, from the same schema the validation uses (descriptions included)."""
    schema = model.model_json_schema()
    required = set(cast(list[str], schema.get("required", [])))
    properties = cast(dict[str, dict[str, Any]], schema.get("properties", {}))
    return [
        types.PromptArgument(name=name, description=str(prop.get("description", "")), required=name in required)
        for name, prop in properties.items()
    ]


def parse_arguments(prompt: str, model: type[M], given: dict[str, str] | None) -> M:
    """The validated arguments, or an INVALID_PARAMS error naming each bad argument and the fix."""
    try:
        return model.model_validate(given or {})
    except ValidationError as error:
        text = format_validation_error(prompt, error, model.model_json_schema())
        text = text.replace("nothing was sent to PostHog. Fix these and call again", "fix these and get it again")
        text = text.replace("is not a parameter of this tool", "is not an argument of this prompt")
        names = sorted({str(detail["loc"][0]) for detail in error.errors() if detail["loc"]})
        raise MCPError(types.INVALID_PARAMS, text, {"prompt": prompt, "arguments": names}) from error
