"""Building blocks shared by every API area: the project parameter, pagination, PostHog's error body."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from .ids import PROJECT_ID_PATTERN, UUID_PATTERN


def _int_to_str(value: object) -> object:
    """Agents often send numeric ids as numbers; PostHog's paths take them as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ProjectId = Annotated[
    str,
    BeforeValidator(_int_to_str),
    Field(
        pattern=PROJECT_ID_PATTERN,
        description=(
            "Project ID of the project you're trying to access (a number, or '@current'). "
            "Optional when the server has a default project (POSTHOG_PROJECT_ID)."
        ),
        examples=["1"],
    ),
]

Uuid = Annotated[str, Field(pattern=UUID_PATTERN)]
"""A UUID as text. A pattern (not just ``format``) so that validation rejects anything else before a request."""


class ToolInput(BaseModel):
    """Base for every tool's arguments: unknown fields are rejected, so a typo is named instead of ignored.

    Convention for optional fields: ``X | SkipJsonSchema[None] = None`` when "absent" simply means "not sent"
    (the published schema shows only ``X``); ``X | None`` only where PostHog accepts an explicit null.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    project_id: ProjectId | SkipJsonSchema[None] = None


class Paginated(BaseModel):
    """Inputs of PostHog's limit/offset list endpoints."""

    limit: (
        Annotated[int, Field(ge=1, le=1000, description="Number of results to return per page.")] | SkipJsonSchema[None]
    ) = None
    offset: (
        Annotated[int, Field(ge=0, description="The initial index from which to return the results.")]
        | SkipJsonSchema[None]
    ) = None


class Page(BaseModel):
    """PostHog's limit/offset page: ``next``/``previous`` are absolute URLs or null."""

    model_config = ConfigDict(extra="allow")

    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[Any]


class PostHogErrorBody(BaseModel):
    """PostHog's error body. Some views send only ``detail`` or only ``error``; all fields are optional."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    code: str | None = None
    detail: str | None = None
    attr: str | None = None
    error: str | None = None
