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
        description="List all endpoints (saved queries); not paginated. Run one: endpoints_run.",
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
        description="Create an endpoint: a saved `query` run by its unique `name` (taken: 400).",
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
        description="Get an endpoint with its query and settings.",
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
        description="Update an endpoint (not its name); a new `query` makes a new version.",
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
        description="Delete an endpoint.",
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
            "Run an endpoint's saved query. If `query_status.complete` is false (202), call again shortly. "
            "Variables or filters: endpoints_run_with_overrides."
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
            "Run an endpoint with per-call overrides (not saved); result as endpoints_run. Unknown variables: 400."
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
        description="List an endpoint's versions, newest first; one: endpoints_versions_get.",
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
        description="Get one version of an endpoint.",
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
        description="When each endpoint in `names` last ran (past 6 months; never-run ones absent). Read-only.",
        read_only=True,
        idempotent=True,
        output_model=s.EndpointLastExecutionTimes,
    ),
)
