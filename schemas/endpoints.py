"""Endpoints: saved, versioned queries exposed under a URL-safe name and run through the API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from .common import ToolInput
from .fields import AS_OBJECT, EmbeddedUser, JsonObject, Output
from .ids import ENDPOINT_NAME_PATTERN

SyncFrequency = Literal["5min", "30min", "1hour", "6hour", "12hour", "24hour", "7day", "30day"]
RefreshMode = Literal["blocking", "force_blocking"]

EndpointName = Annotated[
    str,
    Field(
        pattern=ENDPOINT_NAME_PATTERN,
    ),
]
EndpointQuery = Annotated[
    JsonObject,
    Field(description=("PostHog query, e.g. {'kind': 'HogQLQuery', 'query': 'SELECT 1'}.")),
]
VersionNumber = Annotated[int, Field(ge=1)]


class EndpointSettings(BaseModel):
    """Optional endpoint settings, shared by create and update (declared once)."""

    description: str | SkipJsonSchema[None] = None
    is_active: bool | SkipJsonSchema[None] = None
    is_materialized: bool | SkipJsonSchema[None] = None
    cache_age_seconds: Annotated[int, Field(ge=300, le=86400)] | SkipJsonSchema[None] = None
    sync_frequency: SyncFrequency | SkipJsonSchema[None] = None
    derived_from_insight: str | SkipJsonSchema[None] = None


# --- inputs -------------------------------------------------------------------------------------------------


class EndpointsList(ToolInput):
    """Arguments of endpoints_list."""


class EndpointsCreate(ToolInput, EndpointSettings):
    """Arguments of endpoints_create."""

    name: EndpointName
    query: EndpointQuery


class EndpointsGet(ToolInput):
    """Arguments of endpoints_get (and of the other operations that only name an endpoint)."""

    name: EndpointName


class EndpointsDelete(EndpointsGet):
    """Arguments of endpoints_delete."""


class EndpointsVersionsList(EndpointsGet):
    """Arguments of endpoints_versions_list."""


class EndpointsUpdate(ToolInput, EndpointSettings):
    """Arguments of endpoints_update: only the fields given are changed."""

    name: EndpointName
    query: EndpointQuery | SkipJsonSchema[None] = None


class EndpointsRun(EndpointsGet):
    """Arguments of endpoints_run."""

    version: VersionNumber | SkipJsonSchema[None] = Field(default=None, description="Default: latest.")


class EndpointsRunWithOverrides(EndpointsRun):
    """Arguments of endpoints_run_with_overrides."""

    refresh: RefreshMode = Field(
        default="blocking",
        description="'force_blocking' skips the cache.",
    )
    variables: JsonObject | SkipJsonSchema[None] = Field(
        default=None,
        description=("Query variables, e.g. {'from_date': '2025-01-01'}."),
    )
    filters_override: JsonObject | SkipJsonSchema[None] = Field(
        default=None,
        description=("Dashboard filters, e.g. {'date_from': '-7d'}."),
    )
    query_override: JsonObject | SkipJsonSchema[None] = Field(
        default=None,
        description="Query keys to replace.",
    )
    client_query_id: str | SkipJsonSchema[None] = None


class EndpointsVersionsGet(EndpointsGet):
    """Arguments of endpoints_versions_get."""

    version_number: VersionNumber


class EndpointsLastExecutionTimes(ToolInput):
    """Arguments of endpoints_last_execution_times."""

    names: list[EndpointName] = Field(min_length=1)


# --- outputs ------------------------------------------------------------------------------------------------


class Endpoint(Output):
    """An endpoint as PostHog returns it."""

    id: str | None = Field(default=None, description="Endpoint UUID.")
    name: str | None = Field(default=None, description="URL-safe name; identifies the endpoint in every call.")
    description: str | None = Field(default=None, description="What the endpoint returns.")
    query: Any = Field(default=None, description="The query object of the current version.")
    is_active: bool | None = Field(default=None, description="Whether the endpoint can be run.")
    cache_age_seconds: float | None = Field(default=None, description="Cache lifetime in seconds.")
    sync_frequency: str | None = Field(default=None, description="How often the materialized view refreshes.")
    endpoint_path: str | None = Field(default=None, description="Relative API path that runs the endpoint.")
    url: str | None = Field(default=None, description="Absolute URL that runs the endpoint.")
    created_at: str | None = Field(default=None, description="When it was created (ISO 8601).")
    updated_at: str | None = Field(default=None, description="When it was last changed (ISO 8601).")
    created_by: EmbeddedUser | None = Field(default=None, description="User who created it.")
    is_materialized: bool | None = Field(default=None, description="Whether results are materialized to S3.")
    current_version: int | None = Field(default=None, description="Latest version number.")
    versions_count: int | None = Field(default=None, description="How many versions exist.")
    derived_from_insight: str | None = Field(default=None, description="Short ID of the source insight, if any.")
    materialization: dict[str, Any] | None = Field(default=None, description="Materialization status and settings.")


class EndpointList(Output):
    """All endpoints of the project (not paginated)."""

    results: list[Annotated[Endpoint, AS_OBJECT]] = Field(default_factory=list[Endpoint], description="The endpoints.")


class EndpointVersion(Output):
    """One saved version of an endpoint's query."""

    id: str | None = Field(default=None, description="Version UUID.")
    version: int | None = Field(default=None, description="Version number, starting at 1.")
    query: Any = Field(default=None, description="The query object of this version.")
    is_active: bool | None = Field(default=None, description="Whether this version can be run.")
    created_at: str | None = Field(default=None, description="When this version was created (ISO 8601).")
    created_by: EmbeddedUser | int | None = Field(default=None, description="User who created this version.")


class EndpointVersionList(Output):
    """Versions of an endpoint, newest first (PostHog's bare array, wrapped under ``results``)."""

    results: list[Annotated[EndpointVersion, AS_OBJECT]] = Field(
        default_factory=list[EndpointVersion], description="The versions."
    )


class QueryStatus(Output):
    """Progress of a query PostHog runs in the background."""

    id: str | None = Field(default=None, description="Query ID.")
    complete: bool | None = Field(default=None, description="True once the query finished, successfully or not.")
    error: bool | None = Field(default=None, description="True when the query failed; see error_message.")
    error_message: str | None = Field(default=None, description="Why the query failed.")
    results: Any = Field(default=None, description="The results, once complete.")


class EndpointRunResult(Output):
    """The result of running an endpoint: a query result."""

    results: list[Any] | None = Field(default=None, description="Result rows (HogQL) or series (insight queries).")
    columns: list[Any] | None = Field(default=None, description="Column names, in row order.")
    types: list[Any] | None = Field(default=None, description="Column types, in row order.")
    hasMore: bool | None = Field(default=None, description="Whether more rows exist beyond `limit`.")
    limit: int | None = Field(default=None, description="Row limit applied.")
    offset: int | None = Field(default=None, description="Row offset applied.")
    is_cached: bool | None = Field(default=None, description="Whether the result came from the cache.")
    last_refresh: str | None = Field(default=None, description="When the result was computed (ISO 8601).")
    query_status: QueryStatus | None = Field(
        default=None, description="Present while the query is still running (PostHog answered 202): check `complete`."
    )
    endpoint_version: int | None = Field(default=None, description="Version number that was run.")


class EndpointLastExecutionTimes(Output):
    """Last execution times, as a completed query status."""

    query_status: QueryStatus | None = Field(
        default=None,
        description=(
            "`results` holds [name, ISO 8601 time] pairs, e.g. [['weekly_signups', '2025-01-31T14:00:00Z']]; "
            "endpoints not run in the past 6 months are absent."
        ),
    )
