"""Endpoints: saved queries run by name, with versions."""

from __future__ import annotations

from ..schemas import endpoints as s
from .operation import Operation

_AREA = "endpoints"
_READ = ("endpoint:read",)
_WRITE = ("endpoint:write",)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="endpoints_list",
        title="List endpoints",
        area=_AREA,
        method="GET",
        path="endpoints/",
        input_model=s.EndpointsList,
        example={},
        scopes=_READ,
        description=(
            "List all endpoints of the project (saved queries callable by name) as {results: [...]}; not paginated. "
            "Each has its `name`, `description`, `is_active`, `current_version` and query. Run one with "
            "endpoints_run."
        ),
        output_model=s.EndpointList,
        check_arguments={},
    ),
    Operation(
        name="endpoints_create",
        title="Create endpoint",
        area=_AREA,
        method="POST",
        path="endpoints/",
        input_model=s.EndpointsCreate,
        example={"name": "signups_by_day", "query": {"kind": "HogQLQuery", "query": "select count() from events"}},
        scopes=_WRITE,
        description=(
            "Create an endpoint: a saved `query` (a PostHog query object such as a HogQLQuery) callable through the "
            "API under a unique URL-safe `name`. A name already in use is a 400. Returns the new endpoint "
            "(version 1)."
        ),
        output_model=s.Endpoint,
    ),
    Operation(
        name="endpoints_get",
        title="Get endpoint",
        area=_AREA,
        method="GET",
        path="endpoints/{name}/",
        input_model=s.EndpointsGet,
        example={"name": "daily_pageviews"},
        scopes=_READ,
        description=(
            "Get one endpoint by `name`: its query, settings, current version, number of versions and "
            "materialization status."
        ),
        output_model=s.Endpoint,
    ),
    Operation(
        name="endpoints_update",
        title="Update endpoint",
        area=_AREA,
        method="PATCH",
        path="endpoints/{name}/",
        input_model=s.EndpointsUpdate,
        example={"name": "daily_pageviews", "description": "Page views per day"},
        scopes=_WRITE,
        description=(
            "Change an endpoint's settings or query; only the fields given are sent. Changing `query` creates a new "
            "version (see endpoints_versions_list); the endpoint cannot be renamed here. Returns the updated "
            "endpoint."
        ),
        output_model=s.Endpoint,
    ),
    Operation(
        name="endpoints_delete",
        title="Delete endpoint",
        area=_AREA,
        method="DELETE",
        path="endpoints/{name}/",
        input_model=s.EndpointsDelete,
        example={"name": "daily_pageviews"},
        scopes=_WRITE,
        description=(
            "Delete an endpoint by `name` and clean up its materialized query. Returns nothing on success "
            "(PostHog answers 204)."
        ),
        response="empty",
    ),
    Operation(
        name="endpoints_run",
        title="Run endpoint",
        area=_AREA,
        method="GET",
        path="endpoints/{name}/run/",
        input_model=s.EndpointsRun,
        example={"name": "daily_pageviews"},
        scopes=_READ,
        description=(
            "Run an endpoint's saved query as stored (the latest version, or `version`) and return the query "
            "result: `results` rows, `columns`, `types`, `hasMore`, `is_cached`, `endpoint_version`. While PostHog "
            "is still computing (HTTP 202) `query_status.complete` is false: call again shortly. Inactive or unknown "
            "endpoints answer 404; to pass variables or filters use endpoints_run_with_overrides."
        ),
        output_model=s.EndpointRunResult,
    ),
    Operation(
        name="endpoints_run_with_overrides",
        title="Run endpoint with overrides",
        area=_AREA,
        method="POST",
        path="endpoints/{name}/run/",
        input_model=s.EndpointsRunWithOverrides,
        example={"name": "daily_pageviews", "refresh": "force_blocking"},
        scopes=_READ,
        description=(
            "Run an endpoint with per-call overrides: HogQL `variables`, `filters_override`, `query_override`, a "
            "`version`, and `refresh` ('blocking' may use fresh cache, 'force_blocking' always recomputes). Returns "
            "the same query result as endpoints_run (202 with `query_status.complete` false while still running); "
            "nothing is saved. Unknown variables are a 400."
        ),
        read_only=True,
        idempotent=True,
        output_model=s.EndpointRunResult,
    ),
    Operation(
        name="endpoints_versions_list",
        title="List endpoint versions",
        area=_AREA,
        method="GET",
        path="endpoints/{name}/versions/",
        input_model=s.EndpointsVersionsList,
        example={"name": "daily_pageviews"},
        scopes=_READ,
        description=(
            "List all versions of an endpoint, newest first, as {results: [...]}; each has its `version` number, "
            "`query`, `is_active` and creation time. Get one with endpoints_versions_get."
        ),
        output_model=s.EndpointVersionList,
        wraps_list_as="results",
    ),
    Operation(
        name="endpoints_versions_get",
        title="Get endpoint version",
        area=_AREA,
        method="GET",
        path="endpoints/{name}/versions/{version_number}/",
        input_model=s.EndpointsVersionsGet,
        example={"name": "daily_pageviews", "version_number": 1},
        scopes=_READ,
        description=(
            "Get one version of an endpoint by `version_number`, including the query it runs. An unknown version "
            "is a 404."
        ),
        output_model=s.EndpointVersion,
    ),
    Operation(
        name="endpoints_last_execution_times",
        title="Get endpoints' last execution times",
        area=_AREA,
        method="POST",
        path="endpoints/last_execution_times/",
        input_model=s.EndpointsLastExecutionTimes,
        example={"names": ["daily_pageviews"]},
        scopes=_READ,
        description=(
            "Get when each of the endpoints in `names` was last run in the past 6 months. Returns "
            "{query_status: {complete, results: [[name, ISO 8601 time], ...]}}; endpoints not run in that period "
            "are absent. Read-only despite being a POST."
        ),
        read_only=True,
        idempotent=True,
        output_model=s.EndpointLastExecutionTimes,
    ),
)
