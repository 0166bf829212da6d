"""Endpoints (``endpoint:read|write``): saved queries looked up by name, versioned, runnable over HTTP.

Bodies are PostHog's pydantic schema models (``EndpointRequest``, ``EndpointRunRequest``), which refuse unknown
fields, unlike the DRF views. Queries run on the sandbox's own engine (``sandbox.hogql``, ``sandbox.queries``).
"""

from __future__ import annotations

import asyncio
import copy
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from starlette.responses import JSONResponse, Response

from .. import errors, hogql
from ..fields import Boolean, Integer, Number, TextOrBlank
from ..models import Endpoint, EndpointVersion, Json, iso
from ..queries import (
    DEFAULT_CACHE_AGE_SECONDS,
    breakdown_property,
    cache_key,
    evaluate_trends,
    hogql_variables,
    new_query_id,
)
from ..routing import Operation, RequestContext, route
from ..validation import choice, parse

NAME_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9_-]{0,127}$")
NAME_RULE = (
    "Endpoint name must start with a letter, contain only alphanumeric characters, hyphens, or underscores, "
    "and be between 1 and 128 characters long."
)
MIN_CACHE_AGE, MAX_CACHE_AGE = 300, 86400
SYNC_FREQUENCIES = ("5min", "30min", "1hour", "6hour", "12hour", "24hour", "7day", "30day")
QUERY_KINDS = (
    "HogQLQuery",
    "TrendsQuery",
    "FunnelsQuery",
    "RetentionQuery",
    "LifecycleQuery",
    "StickinessQuery",
    "PathsQuery",
)
RUNNABLE_KINDS = ("HogQLQuery", "TrendsQuery")
BREAKDOWN_KINDS = ("TrendsQuery", "FunnelsQuery", "RetentionQuery")

SyncFrequency = Annotated[str, BeforeValidator(choice(SYNC_FREQUENCIES))]
Refresh = Annotated[str, BeforeValidator(choice(("blocking", "force_blocking")))]


class EndpointRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TextOrBlank | None = None
    query: dict[str, Any] | None = None
    description: TextOrBlank | None = None
    cache_age_seconds: Number | None = None
    is_active: Boolean | None = None
    is_materialized: Boolean | None = None
    sync_frequency: SyncFrequency | None = None
    derived_from_insight: TextOrBlank | None = None


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_query_id: TextOrBlank | None = None
    filters_override: dict[str, Any] | None = None
    query_override: dict[str, Any] | None = None
    refresh: Refresh = "blocking"
    variables: dict[str, Any] | None = None
    version: Integer | None = None
    debug: Boolean | None = None


class LastExecutionTimesRequest(BaseModel):
    names: list[Any]


# -- serialization ---------------------------------------------------------------------------------------------


def _user(ctx: RequestContext, user_id: int | None) -> Json | None:
    user = ctx.state.users.get(user_id) if user_id is not None else None
    return user.basic() if user else None


def _can_materialize(version: EndpointVersion) -> tuple[bool, str | None]:
    kind = version.query.get("kind")
    if kind == "HogQLQuery":
        return True, None
    return False, f"Query kind '{kind}' cannot be materialized in this version."


def endpoint_json(ctx: RequestContext, endpoint: Endpoint) -> Json:
    current = endpoint.current()
    if current.is_materialized:
        materialization: Json = {
            "status": "Completed",
            "can_materialize": True,
            "last_materialized_at": iso(current.materialized_at),
            "error": "",
            "sync_frequency": current.sync_frequency,
        }
    else:
        can, reason = _can_materialize(current)
        materialization = {"can_materialize": can, "reason": reason}
    return {
        "id": endpoint.id,
        "name": endpoint.name,
        "description": current.description,
        "query": copy.deepcopy(current.query),
        "is_active": endpoint.is_active,
        "cache_age_seconds": current.cache_age_seconds,
        "endpoint_path": endpoint.endpoint_path,
        "url": ctx.base_url + endpoint.endpoint_path,
        "created_at": iso(endpoint.created_at),
        "updated_at": iso(endpoint.updated_at),
        "created_by": _user(ctx, endpoint.created_by),
        "is_materialized": current.is_materialized,
        "current_version": endpoint.current_version,
        "versions_count": len(endpoint.versions),
        "derived_from_insight": endpoint.derived_from_insight,
        "materialization": materialization,
    }


def version_json(ctx: RequestContext, version: EndpointVersion) -> Json:
    return {
        "id": version.id,
        "version": version.version,
        "query": copy.deepcopy(version.query),
        "is_active": version.is_active,
        "created_at": iso(version.created_at),
        "created_by": _user(ctx, version.created_by),
    }


# -- validation ------------------------------------------------------------------------------------------------


def _check_query(query: dict[str, Any]) -> None:
    kind = query.get("kind")
    if kind not in QUERY_KINDS:
        raise errors.validation_error(f"Unsupported query kind: {kind!r}.", "query")
    if kind == "HogQLQuery":
        text = query.get("query")
        if not isinstance(text, str) or not text.strip():
            raise errors.validation_error("Invalid HogQL query: a HogQLQuery needs a 'query' string.", "query")
        try:
            hogql.check_syntax(text)
        except hogql.HogQLSyntaxError as error:
            raise errors.validation_error(f"Invalid HogQL query: {error}", "query") from None
    elif kind == "TrendsQuery" and not isinstance(query.get("series"), list):
        raise errors.validation_error("A TrendsQuery needs a 'series' list.", "query")


def _check_cache_age(value: float | None) -> None:
    if value is not None and not MIN_CACHE_AGE <= value <= MAX_CACHE_AGE:
        raise errors.validation_error(
            f"Cache age must be between {MIN_CACHE_AGE} and {MAX_CACHE_AGE} seconds.", "cache_age_seconds"
        )


def _get(ctx: RequestContext, *, active_only: bool = False) -> Endpoint:
    endpoint = ctx.project.endpoints.get(ctx.params["name"])
    if endpoint is None or (active_only and not endpoint.is_active):
        raise errors.model_not_found("Endpoint")
    return endpoint


# -- views -----------------------------------------------------------------------------------------------------


async def list_endpoints(ctx: RequestContext) -> Response:
    """``{"results": [...]}``, not paginated; ``?is_active=`` and ``?created_by=`` filter."""
    with ctx.state.lock:
        items = sorted(ctx.project.endpoints.values(), key=lambda e: e.created_at, reverse=True)
        if (active := ctx.query.get("is_active")) is not None:
            items = [e for e in items if e.is_active == (active.lower() in {"true", "1"})]
        if created_by := ctx.query.get("created_by"):
            items = [e for e in items if str(e.created_by) == created_by]
        return JSONResponse({"results": [endpoint_json(ctx, e) for e in items]})


async def create_endpoint(ctx: RequestContext) -> Response:
    data = parse(EndpointRequest, ctx.data)
    if not data.name:
        raise errors.validation_error("Endpoint must have a name.", "name")
    if not NAME_PATTERN.match(data.name):
        raise errors.validation_error(NAME_RULE, "name")
    if not data.query:
        raise errors.validation_error("Must specify query", "query")
    _check_query(data.query)
    _check_cache_age(data.cache_age_seconds)
    now = ctx.state.now()
    with ctx.state.lock:
        if data.name in ctx.project.endpoints:
            raise errors.validation_error(f"An endpoint with the name '{data.name}' already exists.", "name")
        version = EndpointVersion(
            id=ctx.state.new_id(),
            version=1,
            query=copy.deepcopy(data.query),
            created_at=now,
            created_by=ctx.user.id,
            description=data.description or "",
            cache_age_seconds=data.cache_age_seconds,
        )
        endpoint = Endpoint(
            id=ctx.state.new_id(),
            name=data.name,
            team=ctx.project_id,
            created_at=now,
            updated_at=now,
            created_by=ctx.user.id,
            versions=[version],
            is_active=data.is_active if data.is_active is not None else True,
            derived_from_insight=data.derived_from_insight,
        )
        if data.is_materialized:
            _materialize(endpoint, version, data.sync_frequency, ctx)
        ctx.project.endpoints[endpoint.name] = endpoint
        return JSONResponse(endpoint_json(ctx, endpoint), status_code=201)


def _materialize(endpoint: Endpoint, version: EndpointVersion, frequency: str | None, ctx: RequestContext) -> None:
    can, reason = _can_materialize(version)
    if not can:
        raise errors.validation_error(f"Cannot materialize endpoint: {reason}")
    version.is_materialized = True
    version.sync_frequency = frequency or version.sync_frequency or "24hour"
    version.materialized_at = ctx.state.now()


async def retrieve_endpoint(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        return JSONResponse(endpoint_json(ctx, _get(ctx)))


async def update_endpoint(ctx: RequestContext) -> Response:
    """A query change makes a new version; ``?version=N`` with ``is_active`` toggles that one version."""
    data = parse(EndpointRequest, ctx.data)
    sent = data.model_fields_set
    with ctx.state.lock:
        endpoint = _get(ctx)
        if (raw_version := ctx.query.get("version")) is not None:
            if not raw_version.isdigit():
                raise errors.validation_error(f"Invalid version parameter: {raw_version}", "version")
            target = endpoint.version(int(raw_version))
            if target is None:
                raise errors.bare_error(404, f"Version {raw_version} not found")
            if data.is_active is not None:
                target.is_active = data.is_active
            return JSONResponse(version_json(ctx, target))

        _check_cache_age(data.cache_age_seconds)
        will_be_active = data.is_active if data.is_active is not None else endpoint.is_active
        if not will_be_active and data.is_materialized is True:
            raise errors.validation_error("Cannot enable materialization on inactive endpoint.", "is_materialized")
        if not will_be_active and data.sync_frequency is not None:
            raise errors.validation_error("Cannot set sync_frequency on inactive endpoint.", "sync_frequency")
        if data.is_materialized is False and data.sync_frequency is not None:
            raise errors.validation_error("Cannot set sync_frequency when disabling materialization.", "sync_frequency")
        if data.query is not None:
            _check_query(data.query)

        current = endpoint.current()
        if data.is_active is not None:
            endpoint.is_active = data.is_active
        if data.query is not None and data.query != current.query:
            new_version = EndpointVersion(
                id=ctx.state.new_id(),
                version=max(v.version for v in endpoint.versions) + 1,
                query=copy.deepcopy(data.query),
                created_at=ctx.state.now(),
                created_by=ctx.user.id,
                description=current.description,
                cache_age_seconds=current.cache_age_seconds,
                sync_frequency=current.sync_frequency if current.is_materialized else None,
            )
            endpoint.versions.append(new_version)
            endpoint.current_version = new_version.version
            if current.is_materialized and data.is_materialized is None and will_be_active:
                _materialize(endpoint, new_version, current.sync_frequency, ctx)
            current = new_version
        for version in endpoint.versions:
            if data.description is not None:
                version.description = data.description
            if "cache_age_seconds" in sent:
                version.cache_age_seconds = data.cache_age_seconds
        if not will_be_active or data.is_materialized is False:
            current.is_materialized = False
        elif data.is_materialized is True or (data.sync_frequency is not None and current.is_materialized):
            _materialize(endpoint, current, data.sync_frequency, ctx)
        if "derived_from_insight" in sent:
            endpoint.derived_from_insight = data.derived_from_insight
        endpoint.updated_at = ctx.state.now()
        return JSONResponse(endpoint_json(ctx, endpoint))


async def destroy_endpoint(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        endpoint = _get(ctx)
        del ctx.project.endpoints[endpoint.name]
    return Response(status_code=204)


def _allowed_variables(query: Json) -> set[str]:
    if query.get("kind") == "HogQLQuery":
        return set(hogql_variables(query))
    allowed = {"date_from", "date_to"}
    breakdown = breakdown_property(query)
    if query.get("kind") in BREAKDOWN_KINDS and breakdown:
        allowed.add(breakdown)
    return allowed


def _compute(query: Json, variables: dict[str, Any], filters: dict[str, Any], ctx: RequestContext) -> Json:
    """The query's result from the project's events, or PostHog's 400 for a query that cannot run."""
    kind = query.get("kind")
    with ctx.state.lock:
        events = list(ctx.project.events)
    if kind == "HogQLQuery":
        values = {**hogql_variables(query), **variables}
        try:
            result = hogql.execute(str(query.get("query", "")), events, values)
        except hogql.HogQLResolutionError as error:
            raise errors.validation_error(f"Query resolution failed: {error}") from None
        except (hogql.HogQLSyntaxError, hogql.HogQLUnsupportedError) as error:
            raise errors.validation_error(f"Query execution failed: {error}") from None
        return {
            "results": result.results,
            "columns": result.columns,
            "types": result.types,
            "hasMore": result.has_more,
            "limit": result.limit,
            "offset": result.offset,
            "query": query.get("query"),
            "error": None,
            "timezone": "UTC",
        }
    if kind == "TrendsQuery":
        merged = dict(filters)
        for name in ("date_from", "date_to"):
            if name in variables:
                merged[name] = variables[name]
        breakdown = breakdown_property(query)
        if breakdown and breakdown in variables:
            merged["properties"] = [
                *(merged.get("properties") or []),
                {"key": breakdown, "value": variables[breakdown], "operator": "exact"},
            ]
        return evaluate_trends(query, events, merged)
    raise errors.validation_error(f"Query execution failed: the sandbox's query engine does not run {kind} queries")


async def run_endpoint(ctx: RequestContext) -> Response:
    """GET or POST. 200 with the result, or 202 while a slow query is still running (see ``sandbox.queries``)."""
    data = parse(RunRequest, ctx.data)
    with ctx.state.lock:
        endpoint = _get(ctx, active_only=True)
        number = data.version
        if number is None and (raw := ctx.query.get("version")) is not None:
            if not raw.isdigit():
                raise errors.bare_error(400, f"Invalid version parameter: {raw}")
            number = int(raw)
        version = endpoint.version(number)
        if version is None:
            raise errors.bare_error(
                404,
                f"Version {number} not found for endpoint '{endpoint.name}'",
                current_version=endpoint.current_version,
            )
        if not version.is_active:
            raise errors.validation_error(f"Version {version.version} is inactive and cannot be executed.")
        query = copy.deepcopy(version.query)
        runtime = endpoint.runtime_seconds
        cache_age = float(version.cache_age_seconds or DEFAULT_CACHE_AGE_SECONDS)
        version_fields = {"endpoint_version": version.version, "endpoint_version_created_at": iso(version.created_at)}
        name = endpoint.name
    variables = dict(data.variables or {})
    unknown = set(variables) - _allowed_variables(query)
    if unknown:
        raise errors.validation_error(f"Unknown variable(s): {', '.join(sorted(unknown))}")
    if data.query_override:
        query.update(copy.deepcopy(data.query_override))
    filters = dict(data.filters_override or {})

    key = cache_key(ctx.project_id, name, version.version, query, variables, filters)
    force = data.refresh == "force_blocking"
    runner = ctx.state.queries
    known = runner.lookup(key, cache_age=cache_age, force=force)
    if known is None:
        payload = _compute(query, variables, filters, ctx)
        if runtime > ctx.state.query_blocking_timeout:
            query_id = data.client_query_id or new_query_id()
            known = (
                202,
                runner.start_async(
                    key, runtime=runtime, team_id=ctx.project_id, query_id=query_id, compute=lambda: payload
                ),
            )
        else:
            if runtime > 0:
                await asyncio.sleep(runtime)
            known = 200, runner.store(key, payload, cache_age=cache_age)
    status, body = known
    with ctx.state.lock:
        if name in ctx.project.endpoints:
            ctx.project.endpoints[name].last_executed_at = ctx.state.now()
    return JSONResponse({**body, **version_fields}, status_code=status)


async def list_versions(ctx: RequestContext) -> Response:
    """A bare array, newest version first."""
    with ctx.state.lock:
        endpoint = _get(ctx)
        ordered = sorted(endpoint.versions, key=lambda v: v.version, reverse=True)
        return JSONResponse([version_json(ctx, v) for v in ordered])


async def retrieve_version(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        endpoint = _get(ctx)
        number = ctx.params["version_number"]
        version = endpoint.version(int(number))
        if version is None:
            raise errors.bare_error(404, f"Version {number} not found")
        return JSONResponse(version_json(ctx, version))


async def last_execution_times(ctx: RequestContext) -> Response:
    """``{"query_status": {"complete": true, "results": [[name, time], …]}}`` for the names that were run."""
    data = parse(LastExecutionTimesRequest, ctx.data)
    for name in data.names:
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise errors.validation_error(f"Invalid endpoint name: {name}")
    with ctx.state.lock:
        rows: list[list[Any]] = []
        for name in dict.fromkeys(data.names):
            endpoint = ctx.project.endpoints.get(name)
            executed = endpoint.last_executed_at if endpoint is not None else None
            if executed is not None:
                # PostHog looks back six months in its query log; the sandbox's seed lives at a fixed date, so it
                # keeps every execution rather than letting the seeded ones age out.
                rows.append([name, iso(executed)])
    status: Json = {
        "complete": True,
        "dashboard_id": None,
        "end_time": None,
        "error": False,
        "error_message": None,
        "expiration_time": None,
        "id": "",
        "insight_id": None,
        "labels": None,
        "pickup_time": None,
        "query_async": True,
        "query_progress": None,
        "results": rows if data.names else None,
        "start_time": None,
        "task_id": None,
        "team_id": ctx.project_id,
    }
    return JSONResponse({"query_status": status})


READ = "endpoint:read"
WRITE = "endpoint:write"
ROUTES = [
    route("endpoints", GET=Operation(list_endpoints, READ), POST=Operation(create_endpoint, WRITE)),
    route("endpoints/last_execution_times", POST=Operation(last_execution_times, READ)),
    route(
        "endpoints/{name}",
        GET=Operation(retrieve_endpoint, READ),
        PATCH=Operation(update_endpoint, WRITE),
        DELETE=Operation(destroy_endpoint, WRITE),
    ),
    route("endpoints/{name}/run", GET=Operation(run_endpoint, READ), POST=Operation(run_endpoint, READ)),
    route("endpoints/{name}/versions", GET=Operation(list_versions, READ)),
    route("endpoints/{name}/versions/{version_number:int}", GET=Operation(retrieve_version, READ)),
]
