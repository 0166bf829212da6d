"""Batch exports: logs, pause/unpause and the (internal) destination tests."""

from __future__ import annotations

from ..schemas import batch_exports as s
from .operation import INTERNAL_SCOPE, Operation

_AREA = "batch_exports"
_INTERNAL = (INTERNAL_SCOPE,)
_EXPORT_ID = "be000000-0000-4000-8000-000000000001"
"""The sandbox's seeded batch export, used by the examples."""
_TEST_STEP = {
    "step": 0,
    "name": "Events to S3 (hourly)",
    "destination": {
        "type": "S3",
        "config": {"bucket_name": "hedgebox-analytics-exports", "region": "us-east-1", "prefix": "x/"},
    },
    "interval": "hour",
}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="batch_exports_logs",
        title="Read batch export logs",
        area=_AREA,
        method="GET",
        path="batch_exports/{id}/logs/",
        input_model=s.BatchExportsLogs,
        example={"id": _EXPORT_ID, "level": "ERROR", "limit": 10},
        scopes=("batch_export:read",),
        description=(
            "Read a batch export's log entries, newest first, as a page of {timestamp, level, message, instance_id}. "
            "Filter by `level` (e.g. 'ERROR'), `search` text, a run's `instance_id`, or an `after`/`before` window; "
            "`limit` is 1-500 (default 50). To go further back, call again with `before` set to the oldest "
            "timestamp received."
        ),
        output_model=s.BatchExportLogsPage,
    ),
    Operation(
        name="batch_exports_pause",
        title="Pause batch export",
        area=_AREA,
        method="POST",
        path="batch_exports/{id}/pause/",
        input_model=s.BatchExportsPause,
        example={"id": _EXPORT_ID},
        scopes=("batch_export:write",),
        description=(
            "Pause a batch export: no scheduled runs until it is unpaused. Only `id` matters; PostHog ignores the "
            "other documented body fields. Returns {paused: true}; an unknown id is a 404. Safe to repeat."
        ),
        idempotent=True,
        output_model=s.BatchExportPauseResult,
    ),
    Operation(
        name="batch_exports_run_test_step",
        title="Run destination test step (saved export)",
        area=_AREA,
        method="POST",
        path="batch_exports/{id}/run_test_step/",
        input_model=s.BatchExportsRunTestStep,
        example={"id": _EXPORT_ID, **_TEST_STEP},
        scopes=_INTERNAL,
        description=(
            "Run one destination test step (`step`, from 0) for an existing batch export, with the given export "
            "data merged over its stored destination config, e.g. to check new credentials before saving them. "
            "Returns the step {name, description, result: {status: 'Passed' or 'Failed', message}}."
        ),
        output_model=s.BatchExportTestStep,
    ),
    Operation(
        name="batch_exports_unpause",
        title="Unpause batch export",
        area=_AREA,
        method="POST",
        path="batch_exports/{id}/unpause/",
        input_model=s.BatchExportsUnpause,
        example={"id": _EXPORT_ID, "backfill": False},
        scopes=("batch_export:write",),
        description=(
            "Resume a paused batch export's schedule; set `backfill` true to also export the intervals missed while "
            "paused. Only `id` and `backfill` matter. Returns {paused: false}; an unknown id is a 404."
        ),
        idempotent=True,
        output_model=s.BatchExportPauseResult,
    ),
    Operation(
        name="batch_exports_run_test_step_new",
        title="Run destination test step (unsaved export)",
        area=_AREA,
        method="POST",
        path="batch_exports/run_test_step_new/",
        input_model=s.BatchExportsRunTestStepNew,
        example=_TEST_STEP,
        scopes=_INTERNAL,
        description=(
            "Run one destination test step (`step`, from 0) for a batch export that is not saved yet, from its full "
            "data (`name`, `destination`, `interval`, ...). Returns the step with its result ('Passed' or 'Failed' "
            "and a message)."
        ),
        output_model=s.BatchExportTestStep,
    ),
    Operation(
        name="batch_exports_test",
        title="List destination test steps",
        area=_AREA,
        method="GET",
        path="batch_exports/test/",
        input_model=s.BatchExportsTest,
        example={"destination": "S3"},
        scopes=_INTERNAL,
        description=(
            "List the test steps of a destination type (`destination`, e.g. 'S3') as {steps: [{name, description, "
            "result: null}]}; run them by index with batch_exports_run_test_step or batch_exports_run_test_step_new. "
            "PostHog answers 400 without `destination` and 404 for an unknown type."
        ),
        output_model=s.BatchExportTestSteps,
    ),
)
