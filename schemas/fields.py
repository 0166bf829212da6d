"""Field types and base models shared by several API areas (``common.py`` holds the tool-input base).

Text-typed timestamps and URLs are checked here so an agent's typo is named before any request is sent,
while the value still travels exactly as the agent wrote it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from .common import Page

_URL_SCHEMES = frozenset({"http", "https", "ftp", "ftps"})
"""The schemes Django's URLField (behind PostHog's URL fields) accepts."""


def _check_datetime(value: str) -> str:
    """PostHog parses timestamps as ISO 8601; anything else would only come back as a 400."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time, e.g. '2025-01-31T14:00:00Z'") from None
    return value


def _check_url(value: str) -> str:
    """PostHog's URL fields want an absolute URL; a bare host or path would be a 400."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in _URL_SCHEMES or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL, e.g. 'https://zoom.us/j/123456789'")
    return value


DateTime = Annotated[str, AfterValidator(_check_datetime), Field(json_schema_extra={"format": "date-time"})]
"""An ISO 8601 timestamp kept as text (``format: date-time``)."""

Url = Annotated[str, AfterValidator(_check_url), Field(json_schema_extra={"format": "uri"})]
"""An absolute URL kept as text (``format: uri``; the gemini schema profile drops the format, which Gemini
rejects)."""

NonBlankStr = Annotated[str, Field(min_length=1, pattern=r"\S")]
"""Text with at least one non-whitespace character: PostHog rejects blank strings."""


def _from_json_text(value: object) -> object:
    """Accept a free-form document as JSON text too: OpenAI strict mode cannot describe "any object", so the
    openai schema profile publishes these fields as strings (``server/definitions/schema_profiles.py``)."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value  # left as text: the field's own validation names what is expected
    return value


JsonObject = Annotated[dict[str, Any], BeforeValidator(_from_json_text)]
"""A free-form JSON object (or its JSON text), passed through to PostHog unchanged."""

JsonDocument = Annotated[dict[str, Any] | list[Any], BeforeValidator(_from_json_text)]
"""A free-form JSON object or array (or its JSON text)."""


class InputObject(BaseModel):
    """Base for objects nested inside tool arguments: like ``ToolInput``, unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")


AS_OBJECT = WithJsonSchema({"type": "object"})
"""Publish a nested response object as just ``object`` (it is still parsed with its model). For the items of a
page, whose fields the matching ``*_get`` tool's output schema spells out, and for embedded users: repeating
those fields in every output schema cost a fifth of ``tools/list`` and validated nothing a client relies on."""


class Output(BaseModel):
    """Base for PostHog's response objects.

    Clients validate ``structuredContent`` against these schemas, so every field is optional and unknown
    keys are kept: a newer PostHog adding or dropping a field must never make a real response invalid.
    """

    model_config = ConfigDict(extra="allow")


class ResultsPage(Page):
    """PostHog's limit/offset page with described fields; subclasses narrow ``results``."""

    count: int | None = Field(default=None, description="Total number of matching objects across all pages.")
    next: str | None = Field(
        default=None,
        description="Absolute URL of the next page, or null on the last page; call again with its `offset` to go on.",
    )
    previous: str | None = Field(default=None, description="Absolute URL of the previous page, or null on the first.")
    results: list[Any] = Field(default_factory=list[Any], description="The objects on this page.")


class UserBasic(Output):
    """A PostHog user as embedded in other objects (creator, owner)."""

    id: int | None = Field(default=None, description="Numeric user ID.")
    uuid: str | None = Field(default=None, description="User UUID.")
    distinct_id: str | None = Field(default=None, description="The user's distinct ID in PostHog's own analytics.")
    first_name: str | None = Field(default=None, description="First name.")
    last_name: str | None = Field(default=None, description="Last name.")
    email: str | None = Field(default=None, description="Email address.")
    is_email_verified: bool | None = Field(default=None, description="Whether the email address is verified.")
    hedgehog_config: dict[str, Any] | None = Field(default=None, description="UI avatar settings.")
    role_at_organization: str | None = Field(default=None, description="Role, e.g. 'engineering', 'product'.")


EmbeddedUser = Annotated[UserBasic, AS_OBJECT]
"""A user inside another response object: parsed as ``UserBasic``, published as just an object. Its nine fields
were repeated in a dozen output schemas (a tenth of ``tools/list``) and no client needs them spelled out to
validate a result."""
