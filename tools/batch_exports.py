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
            "Read a batch export's logs, newest first; to page back, pass `before` = the oldest timestamp seen."
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
        description="Pause a batch export. Safe to repeat.",
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
            "Run test `step` (from batch_exports_test) for a saved export, the given data over its stored config "
            "(e.g. new credentials). Result: 'Passed' or 'Failed'."
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
        description="Resume a batch export; `backfill` true exports what was missed.",
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
        description="Run test `step` (from batch_exports_test) for an unsaved export. Result: 'Passed' or 'Failed'.",
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
            "List a destination type's test steps, to run by index with batch_exports_run_test_step(_new). Needs "
            "`destination` (else 400)."
        ),
        output_model=s.BatchExportTestSteps,
    ),
)
