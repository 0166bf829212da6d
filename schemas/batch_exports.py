"""Batch exports: scheduled exports of events, persons or sessions to a warehouse or bucket."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from .common import ToolInput, Uuid
from .fields import DateTime, InputObject, JsonObject, NonBlankStr, Output, ResultsPage

ExportModel = Literal["events", "persons", "sessions"]
Interval = Literal["hour", "day", "week", "every 5 minutes", "every 15 minutes"]
LogLevel = Literal["DEBUG", "LOG", "INFO", "WARNING", "ERROR"]

BatchExportId = Annotated[
    Uuid, Field(description="UUID of the batch export, e.g. '0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a'.")
]


class BatchExportDestination(InputObject):
    """Where a batch export writes: a destination type and its settings."""

    type: NonBlankStr = Field(
        description=(
            "Destination type, e.g. 'S3', 'Snowflake', 'Postgres', 'Redshift', 'BigQuery', 'Databricks', "
            "'AzureBlob' or 'HTTP'."
        )
    )
    config: JsonObject = Field(
        description=(
            "Settings of that destination type, e.g. for S3 {'bucket_name': 'my-bucket', 'region': 'us-east-1', "
            "'prefix': 'posthog/', 'aws_access_key_id': '...', 'aws_secret_access_key': '...'}."
        )
    )
    integration_id: int | None = Field(
        default=None, description="Numeric ID of a PostHog integration holding the credentials, or null."
    )


ExportName = Annotated[NonBlankStr, Field(description="Human-readable name of the batch export, e.g. 'Events to S3'.")]
ExportDestination = Annotated[
    BatchExportDestination, Field(description="The export's destination: {type, config, integration_id}.")
]
ExportInterval = Annotated[
    Interval,
    Field(description="How often it runs: 'hour', 'day', 'week', 'every 5 minutes' or 'every 15 minutes'."),
]


class BatchExportSettings(BaseModel):
    """Optional batch export fields shared by every body-taking operation (declared once)."""

    model: ExportModel | SkipJsonSchema[None] = Field(
        default=None, description="What is exported: 'events' (the default in PostHog), 'persons' or 'sessions'."
    )
    paused: bool | SkipJsonSchema[None] = Field(default=None, description="Whether the export is paused.")
    last_paused_at: DateTime | None = Field(
        default=None, description="When it was last paused, ISO 8601, e.g. '2025-01-31T14:00:00Z'."
    )
    start_at: DateTime | None = Field(
        default=None, description="Export no data before this time, ISO 8601, e.g. '2025-01-01T00:00:00Z'."
    )
    end_at: DateTime | None = Field(
        default=None, description="Export no data after this time, ISO 8601, e.g. '2025-12-31T23:59:59Z'."
    )
    hogql_query: str | SkipJsonSchema[None] = Field(
        default=None,
        description="HogQL SELECT choosing the exported columns, e.g. 'SELECT uuid, event, timestamp FROM events'.",
    )
    filters: JsonObject | list[Any] | None = Field(
        default=None,
        description="Property filters limiting what is exported, e.g. [{'key': '$browser', 'value': 'Chrome', "
        "'operator': 'exact', 'type': 'event'}].",
    )


class BatchExportPatch(BatchExportSettings):
    """The whole batch export body with every field optional (pause and unpause ignore it)."""

    name: ExportName | SkipJsonSchema[None] = None
    destination: ExportDestination | SkipJsonSchema[None] = None
    interval: ExportInterval | SkipJsonSchema[None] = None


class BatchExportDefinition(BatchExportSettings):
    """A complete batch export body: PostHog validates it in full before running a test step."""

    name: ExportName
    destination: ExportDestination
    interval: ExportInterval


class StepChoice(BaseModel):
    """The test step selector shared by both run-test-step operations."""

    step: Annotated[int, Field(ge=0)] | SkipJsonSchema[None] = Field(
        default=None,
        description="Index of the destination test step to run, from 0 (the default); see batch_exports_test.",
    )


# --- inputs -------------------------------------------------------------------------------------------------


class BatchExportsLogs(ToolInput):
    """Arguments of batch_exports_logs."""

    id: BatchExportId
    limit: Annotated[int, Field(ge=1, le=500)] | SkipJsonSchema[None] = Field(
        default=None, description="Maximum number of log entries, 1 to 500 (PostHog's default 50)."
    )
    after: DateTime | SkipJsonSchema[None] = Field(
        default=None, description="Only entries after this time, ISO 8601, e.g. '2025-01-31T00:00:00Z'."
    )
    before: DateTime | SkipJsonSchema[None] = Field(
        default=None,
        description="Only entries before this time, ISO 8601. Pass the oldest timestamp seen to page further back.",
    )
    level: LogLevel | SkipJsonSchema[None] = Field(
        default=None, description="Only entries of this level: 'DEBUG', 'LOG', 'INFO', 'WARNING' or 'ERROR'."
    )
    search: str | SkipJsonSchema[None] = Field(
        default=None, description="Only entries whose message contains this text (case-insensitive), e.g. 'timeout'."
    )
    instance_id: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Only entries of this run (the run's ID), e.g. '0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a'.",
    )


class BatchExportsPause(ToolInput, BatchExportPatch):
    """Arguments of batch_exports_pause: only `id` matters, PostHog ignores the rest."""

    id: BatchExportId


class BatchExportsUnpause(BatchExportsPause):
    """Arguments of batch_exports_unpause."""

    backfill: bool | SkipJsonSchema[None] = Field(
        default=None,
        description="Whether to backfill the data missed while paused (PostHog's default false).",
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
        description="Destination type whose test steps to list, e.g. 'S3' or 'Snowflake'. PostHog answers 400 "
        "without it and 404 for an unknown type.",
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
