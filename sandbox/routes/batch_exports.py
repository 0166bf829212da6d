"""Batch exports (``batch_export:read|write``): logs, pause/unpause, and the INTERNAL destination tests."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator
from starlette.responses import JSONResponse, Response

from .. import errors
from ..destinations import DESTINATION_TESTS, describe
from ..fields import Boolean, DateTime, Text
from ..models import BatchExport, LogEntry, iso
from ..pagination import paginate
from ..routing import Operation, RequestContext, route
from ..validation import as_object, choice, integer, parse

DESTINATION_TYPES = ("S3", "Snowflake", "Postgres", "Redshift", "BigQuery", "HTTP", "NoOp", "Databricks", "AzureBlob")
INTERVALS = ("hour", "day", "week", "every 5 minutes", "every 15 minutes")
MODELS = ("events", "persons", "sessions")


class LogParams(BaseModel):
    """``LogEntryRequestSerializer`` (query parameters)."""

    limit: Annotated[int, BeforeValidator(integer(min_value=1, max_value=500))] = 50
    after: DateTime | None = None
    before: DateTime | None = None
    level: list[str] = []
    search: str | None = None
    instance_id: str | None = None


class StepBody(BaseModel):
    step: Annotated[int, BeforeValidator(integer(min_value=0))] = 0


class Destination(BaseModel):
    type: Annotated[str, BeforeValidator(choice(DESTINATION_TYPES))]
    config: dict[str, Any] = {}


class BatchExportBody(BaseModel):
    """The parts of ``BatchExportSerializer`` a test step validates."""

    name: Text
    destination: Destination
    interval: Annotated[str, BeforeValidator(choice(INTERVALS))]
    model: Annotated[str, BeforeValidator(choice(MODELS))] | None = None
    paused: Boolean | None = None


def _get(ctx: RequestContext) -> BatchExport:
    export = ctx.project.batch_exports.get(ctx.params["id"].lower())
    if export is None:
        raise errors.model_not_found("BatchExport")
    return export


def _log_json(export: BatchExport, entry: LogEntry) -> dict[str, Any]:
    return {
        "log_source_id": export.id,
        "instance_id": entry.instance_id,
        "timestamp": iso(entry.timestamp),
        "level": entry.level.upper(),
        "message": entry.message,
    }


async def logs(ctx: RequestContext) -> Response:
    """The newest ``limit`` entries matching the filters, newest first, in a limit/offset page."""
    levels = [part for value in ctx.query_lists.get("level", []) for part in value.split(",") if part]
    raw: dict[str, Any] = {name: value for name, value in ctx.query.items() if name != "level"}
    params = parse(LogParams, {**raw, "level": levels})
    with ctx.state.lock:
        export = _get(ctx)
        entries = sorted(export.logs, key=lambda e: e.timestamp, reverse=True)
        if params.instance_id:
            entries = [e for e in entries if e.instance_id == params.instance_id]
        if params.after:
            entries = [e for e in entries if e.timestamp > params.after]
        if params.before:
            entries = [e for e in entries if e.timestamp < params.before]
        if params.search:
            entries = [e for e in entries if params.search.lower() in e.message.lower()]
        if params.level:
            wanted = {level.upper() for level in params.level}
            entries = [e for e in entries if e.level.upper() in wanted]
        entries = entries[: params.limit]
        envelope, page = paginate(entries, ctx.query, ctx.url)
        return JSONResponse({**envelope, "results": [_log_json(export, e) for e in page]})


async def pause(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        export = _get(ctx)
        export.paused = True
        export.last_paused_at = ctx.state.now()
        export.last_updated_at = ctx.state.now()
    return JSONResponse({"paused": True})


async def unpause(ctx: RequestContext) -> Response:
    """Optional ``backfill`` (bool): PostHog then backfills the runs missed while paused."""
    backfill = as_object(ctx.data).get("backfill", False)
    with ctx.state.lock:
        export = _get(ctx)
        export.paused = False
        export.last_updated_at = ctx.state.now()
        if backfill:
            export.logs.append(
                LogEntry(
                    instance_id=ctx.state.new_id(),
                    timestamp=ctx.state.now(),
                    level="INFO",
                    message=f"Backfill requested on unpause (since {iso(export.last_paused_at)})",
                )
            )
    return JSONResponse({"paused": False})


async def test(ctx: RequestContext) -> Response:
    """INTERNAL. The steps of a destination's test; bare 400 without ``?destination=``, bare 404 for an unknown one."""
    destination = ctx.query.get("destination")
    if not destination:
        raise errors.empty(400)
    steps = describe(destination)
    if steps is None:
        raise errors.empty(404)
    return JSONResponse(steps)


def _step_number(ctx: RequestContext) -> int:
    return parse(StepBody, ctx.data).step


def _run_step(body: BatchExportBody, step: int) -> Response:
    steps = DESTINATION_TESTS.get(body.destination.type)
    if steps is None or step >= len(steps):
        # PostHog indexes the step list directly: an unknown destination or step is a server error there too.
        raise errors.server_error()
    return JSONResponse(steps[step].run(body.destination.config))


async def run_test_step(ctx: RequestContext) -> Response:
    """INTERNAL. Run one step with the export's stored configuration, overridden by the body's."""
    step = _step_number(ctx)
    with ctx.state.lock:
        export = _get(ctx)
        stored = dict(export.destination_config)
    data = dict(as_object(ctx.data))
    destination = as_object(data.get("destination"))
    if destination:
        given = as_object(destination.get("config"))
        data["destination"] = {**destination, "config": {**stored, **given}}
    return _run_step(parse(BatchExportBody, data), step)


async def run_test_step_new(ctx: RequestContext) -> Response:
    """INTERNAL. Run one step for a batch export not created yet (the whole configuration is in the body)."""
    step = _step_number(ctx)
    return _run_step(parse(BatchExportBody, ctx.data), step)


READ = "batch_export:read"
WRITE = "batch_export:write"
INTERNAL = "INTERNAL"
ROUTES = [
    route("batch_exports/test", GET=Operation(test, INTERNAL)),
    route("batch_exports/run_test_step_new", POST=Operation(run_test_step_new, INTERNAL)),
    route("batch_exports/{id}/logs", GET=Operation(logs, READ)),
    route("batch_exports/{id}/pause", POST=Operation(pause, WRITE)),
    route("batch_exports/{id}/unpause", POST=Operation(unpause, WRITE)),
    route("batch_exports/{id}/run_test_step", POST=Operation(run_test_step, INTERNAL)),
]
