"""Batch exports: scheduled exports of events, persons or sessions to a warehouse or bucket."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from .common import ToolInput, Uuid
from .fields import DateTime, InputObject, JsonDocument, JsonObject, NonBlankStr, Output, ResultsPage

ExportModel = Literal["events", "persons", "sessions"]
Interval = Literal["hour", "day", "week", "every 5 minutes", "every 15 minutes"]
LogLevel = Literal["DEBUG", "LOG", "INFO", "WARNING", "ERROR"]

BatchExportId = Annotated[Uuid, Field(description="Batch export ID.")]


class BatchExportDestination(InputObject):
    """Where a batch export writes: a destination type and its settings."""

    type: NonBlankStr = Field(description="Destination type, e.g. 'S3', 'Snowflake', 'BigQuery'.")
    config: JsonObject = Field(
        description=("Settings of that type, e.g. S3: {'bucket_name', 'region', 'aws_access_key_id', ...}.")
    )
    integration_id: int | None = Field(default=None, description="ID of an integration holding credentials.")


ExportName = Annotated[NonBlankStr, Field(description="Export name.")]
ExportDestination = Annotated[BatchExportDestination, Field(description="Where it exports to.")]
ExportInterval = Annotated[
    Interval,
    Field(description="How often it runs."),
]


class BatchExportSettings(BaseModel):
    """Optional batch export fields shared by every body-taking operation (declared once)."""

    model: ExportModel | SkipJsonSchema[None] = Field(default=None, description="What is exported (default 'events').")
    paused: bool | SkipJsonSchema[None] = Field(default=None, description="Paused.")
    last_paused_at: DateTime | None = Field(default=None, description="When last paused.")
    start_at: DateTime | None = Field(default=None, description="No data before this.")
    end_at: DateTime | None = Field(default=None, description="No data after this.")
    hogql_query: str | SkipJsonSchema[None] = Field(
        default=None,
        description="HogQL SELECT of the exported columns.",
    )
    filters: JsonDocument | None = Field(
        default=None,
        description="Property filters on what is exported.",
    )


class BatchExportDefinition(BatchExportSettings):
    """A complete batch export body: PostHog validates it in full before running a test step."""

    name: ExportName
    destination: ExportDestination
    interval: ExportInterval


class StepChoice(BaseModel):
    """The test step selector shared by both run-test-step operations."""

    step: Annotated[int, Field(ge=0)] | SkipJsonSchema[None] = Field(
        default=None,
        description="Test step index (default 0); see batch_exports_test.",
    )


# --- inputs -------------------------------------------------------------------------------------------------


class BatchExportsLogs(ToolInput):
    """Arguments of batch_exports_logs."""

    id: BatchExportId
    limit: Annotated[int, Field(ge=1, le=500)] | SkipJsonSchema[None] = Field(
        default=None, description="Most entries (default 50)."
    )
    after: DateTime | SkipJsonSchema[None] = Field(default=None, description="Only entries after this.")
    before: DateTime | SkipJsonSchema[None] = Field(
        default=None,
        description="Only entries before this (the oldest seen, to page back).",
    )
    level: LogLevel | SkipJsonSchema[None] = Field(default=None, description="Only this level.")
    search: str | SkipJsonSchema[None] = Field(default=None, description="Text to find in messages.")
    instance_id: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Only entries of this run (the run's ID).",
    )


class BatchExportsPause(ToolInput):
    """Arguments of batch_exports_pause: only `id`. PostHog ignores the documented body fields, so they are not
    offered (each would cost every turn's context and do nothing)."""

    id: BatchExportId


class BatchExportsUnpause(BatchExportsPause):
    """Arguments of batch_exports_unpause."""

    backfill: bool | SkipJsonSchema[None] = Field(
        default=None,
        description="Backfill what was missed (default false).",
    )


class BatchExportsRunTestStep(ToolInput, BatchExportDefinition, StepChoice):
    """Arguments of batch_exports_run_test_step: the export's data, merged over the stored destination config."""

    id: BatchExportId


class BatchExportsRunTestStepNew(ToolInput, BatchExportDefinition, StepChoice):
    """Arguments of batch_exports_run_test_step_new: a not-yet-saved export's data."""


class BatchExportsTest(ToolInput):
    """Arguments of batch_exports_test."""

    destination: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Destination type, e.g. 'S3' (needed; unknown: 404).",
    )


# --- outputs ------------------------------------------------------------------------------------------------


class BatchExportLogEntry(Output):
    """One log line of a batch export."""

    log_source_id: str | None = Field(default=None, description="ID of the batch export.")
    instance_id: str | None = Field(default=None, description="ID of the run that logged it.")
    timestamp: str | None = Field(default=None, description="When it was logged (ISO 8601).")
    level: str | None = Field(default=None, description="Upper-case level: DEBUG, LOG, INFO, WARNING or ERROR.")
    message: str | None = Field(default=None, description="The log message.")


class BatchExportLogsPage(ResultsPage):
    """Log entries of a batch export, newest first."""

    results: list[BatchExportLogEntry] = Field(
        default_factory=list[BatchExportLogEntry], description="Log entries, newest first."
    )


class BatchExportPauseResult(Output):
    """The answer of pause and unpause."""

    paused: bool | None = Field(default=None, description="Whether the export is now paused.")


class BatchExportTestStepResult(Output):
    """Outcome of one test step."""

    status: str | None = Field(default=None, description="'Passed' or 'Failed'.")
    message: str | None = Field(default=None, description="What happened, e.g. the error on failure.")


class BatchExportTestStep(Output):
    """One destination test step."""

    name: str | None = Field(default=None, description="Step name, e.g. 'Verify bucket exists'.")
    description: str | None = Field(default=None, description="What the step checks.")
    result: BatchExportTestStepResult | None = Field(default=None, description="Outcome; null if not run yet.")


class BatchExportTestSteps(Output):
    """The test steps of a destination type."""

    steps: list[BatchExportTestStep] | None = Field(default=None, description="Steps, run in this order by index.")
