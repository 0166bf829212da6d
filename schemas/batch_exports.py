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

BatchExportId = Uuid


class BatchExportDestination(InputObject):
    """Where a batch export writes: a destination type and its settings."""

    type: NonBlankStr = Field(description="E.g. 'S3', 'Snowflake'.")
    config: JsonObject = Field(description="E.g. {'bucket_name': 'b'}.")
    integration_id: int | None = None


ExportName = NonBlankStr
ExportDestination = BatchExportDestination
ExportInterval = Interval


class BatchExportSettings(BaseModel):
    """Optional batch export fields shared by every body-taking operation (declared once)."""

    model: ExportModel | SkipJsonSchema[None] = Field(default=None, description="Default 'events'.")
    paused: bool | SkipJsonSchema[None] = None
    last_paused_at: DateTime | None = None
    start_at: DateTime | None = None
    end_at: DateTime | None = None
    hogql_query: str | SkipJsonSchema[None] = None
    filters: JsonDocument | None = None


class BatchExportDefinition(BatchExportSettings):
    """A complete batch export body: PostHog validates it in full before running a test step."""

    name: ExportName
    destination: ExportDestination
    interval: ExportInterval


class StepChoice(BaseModel):
    """The test step selector shared by both run-test-step operations."""

    step: Annotated[int, Field(ge=0)] | SkipJsonSchema[None] = Field(
        default=None,
        description="Default 0.",
    )


# --- inputs -------------------------------------------------------------------------------------------------


class BatchExportsLogs(ToolInput):
    """Arguments of batch_exports_logs."""

    id: BatchExportId
    limit: Annotated[int, Field(ge=1, le=500)] | SkipJsonSchema[None] = Field(default=None, description="Default 50.")
    after: DateTime | SkipJsonSchema[None] = None
    before: DateTime | SkipJsonSchema[None] = None
    level: LogLevel | SkipJsonSchema[None] = None
    search: str | SkipJsonSchema[None] = None
    instance_id: str | SkipJsonSchema[None] = Field(
        default=None,
        description="A run's ID.",
    )


class BatchExportsPause(ToolInput):
    """Arguments of batch_exports_pause: only `id`. PostHog ignores the documented body fields, so they are not
    offered (each would cost every turn's context and do nothing)."""

    id: BatchExportId


class BatchExportsUnpause(BatchExportsPause):
    """Arguments of batch_exports_unpause."""

    backfill: bool | SkipJsonSchema[None] = None


class BatchExportsRunTestStep(ToolInput, BatchExportDefinition, StepChoice):
    """Arguments of batch_exports_run_test_step: the export's data, merged over the stored destination config."""

    id: BatchExportId


class BatchExportsRunTestStepNew(ToolInput, BatchExportDefinition, StepChoice):
    """Arguments of batch_exports_run_test_step_new: a not-yet-saved export's data."""


class BatchExportsTest(ToolInput):
    """Arguments of batch_exports_test."""

    destination: str | SkipJsonSchema[None] = Field(
        default=None,
        description="E.g. 'S3'.",
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
