"""Building blocks shared by every API area: the project parameter, pagination, PostHog's error body."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from .ids import PROJECT_ID_PATTERN, UUID_PATTERN


def _int_to_str(value: object) -> object:
    """Agents often send numeric ids as numbers; PostHog's paths take them as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


_PROJECT_ID = re.compile(PROJECT_ID_PATTERN)
_UUID = re.compile(UUID_PATTERN)


def _check_project_id(value: str) -> str:
    """Checked here, not as a published ``pattern``: the rule is in the server instructions once, not 32 times."""
    if not _PROJECT_ID.fullmatch(value):
        raise ValueError("must be a project ID: the project's number (ASCII digits, e.g. '12345') or '@current'")
    return value


def _check_uuid(value: str) -> str:
    """Published as ``format: uuid`` (what models understand); the exact form is enforced here."""
    if not _UUID.fullmatch(value):
        raise ValueError(
            "must be a UUID such as '0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a' (copy the `id` from a list result)"
        )
    return value


ProjectId = Annotated[
    str,
    BeforeValidator(_int_to_str),
    AfterValidator(_check_project_id),
]

Uuid = Annotated[str, AfterValidator(_check_uuid), Field(json_schema_extra={"format": "uuid"})]
"""A UUID as text, published as ``format: uuid``; anything else is rejected before a request."""


class ToolInput(BaseModel):
    """Base for every tool's arguments: unknown fields are rejected, so a typo is named instead of ignored.

    Convention for optional fields: ``X | SkipJsonSchema[None] = None`` when "absent" simply means "not sent"
    (the published schema shows only ``X``); ``X | None`` only where PostHog accepts an explicit null.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    project_id: ProjectId | SkipJsonSchema[None] = None


class Paginated(BaseModel):
    """Inputs of PostHog's limit/offset list endpoints."""

    limit: Annotated[int, Field(ge=1, le=1000)] | SkipJsonSchema[None] = None
    offset: Annotated[int, Field(ge=0)] | SkipJsonSchema[None] = None


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
