"""Batch export destination tests, answered from a fictional "sandbox world" instead of real clouds.

The steps, their names and descriptions follow PostHog's destination tests. Whether a step passes is decided by
fixed facts: the buckets, projects, datasets and hosts that "exist" are listed here, so a test can make a step
fail by naming something else. A step without its required configuration fails the way PostHog's do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .seed import KNOWN_S3_BUCKETS

KNOWN_BIGQUERY_PROJECTS = frozenset({"hedgebox-analytics"})
KNOWN_BIGQUERY_DATASETS = frozenset({"posthog_exports"})
KNOWN_POSTGRES_HOSTS = frozenset({"db.hedgebox.example", "localhost", "127.0.0.1"})
KNOWN_POSTGRES_SCHEMAS = frozenset({"public", "analytics"})

Check = Callable[[Mapping[str, Any]], str | None]
"""Returns a failure message, or ``None`` when the step passes."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    description: str
    required: tuple[str, ...]
    check: Check

    def describe(self, result: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "result": result}

    def run(self, config: Mapping[str, Any]) -> dict[str, Any]:
        if any(config.get(name) is None for name in self.required):
            message: str | None = "The test step cannot run as it's not configured."
        else:
            message = self.check(config)
        return self.describe({"status": "Failed" if message else "Passed", "message": message})


def _passes(_: Mapping[str, Any]) -> str | None:
    return None


def _s3_bucket(config: Mapping[str, Any]) -> str | None:
    bucket = config["bucket_name"]
    if bucket in KNOWN_S3_BUCKETS:
        return None
    return f"Bucket '{bucket}' does not exist or we don't have permissions to use it"


def _bigquery_project(config: Mapping[str, Any]) -> str | None:
    project = config["project_id"]
    if project in KNOWN_BIGQUERY_PROJECTS:
        return None
    return f"Project '{project}' could not be found because it doesn't exist or we don't have permissions to use it"


def _bigquery_dataset(config: Mapping[str, Any]) -> str | None:
    dataset = config["dataset_id"]
    if dataset in KNOWN_BIGQUERY_DATASETS:
        return None
    return f"Dataset '{dataset}' could not be found because it doesn't exist or we don't have permissions to use it"


def _postgres_host(config: Mapping[str, Any]) -> str | None:
    host = config["host"]
    if host in KNOWN_POSTGRES_HOSTS:
        return None
    return f"Could not establish a connection to '{host}': could not translate host name to address"


def _postgres_schema(config: Mapping[str, Any]) -> str | None:
    schema = config.get("schema") or "public"
    if schema in KNOWN_POSTGRES_SCHEMAS:
        return None
    return f"Schema '{schema}' does not exist or we don't have permissions to use it"


_BQ_CREDENTIALS = ("project_id", "private_key", "private_key_id", "token_uri", "client_email")
_PG_CREDENTIALS = ("host", "user", "password", "database")

DESTINATION_TESTS: dict[str, tuple[Step, ...]] = {
    "S3": (
        Step(
            "Check S3 bucket exists",
            "Ensure the configured S3 bucket exists and that we have the required permissions to access it.",
            ("bucket_name", "aws_access_key_id", "aws_secret_access_key"),
            _s3_bucket,
        ),
    ),
    "BigQuery": (
        Step(
            "Verify BigQuery project",
            "Ensure the configured BigQuery project exists and that we have the required permissions to access it.",
            _BQ_CREDENTIALS,
            _bigquery_project,
        ),
        Step(
            "Verify BigQuery dataset",
            "Ensure the configured BigQuery dataset exists and that we have the required permissions to access it.",
            (*_BQ_CREDENTIALS, "dataset_id"),
            _bigquery_dataset,
        ),
        Step(
            "Verify BigQuery table",
            "Ensure the configured BigQuery table already exists or that we have the required permissions to create "
            "it. Additionally, when creating a table, we will attempt to delete it.",
            (*_BQ_CREDENTIALS, "dataset_id", "table_id"),
            _passes,
        ),
    ),
    "Postgres": (
        Step(
            "Verify Postgres connection",
            "Ensure we can establish a connection to the configured Postgres database.",
            _PG_CREDENTIALS,
            _postgres_host,
        ),
        Step(
            "Verify Postgres schema",
            "Ensure the configured Postgres schema exists and that we have the required permissions to use it.",
            _PG_CREDENTIALS,
            _postgres_schema,
        ),
        Step(
            "Verify Postgres table",
            "Ensure the configured Postgres table already exists or that we have the required permissions to create "
            "it. Additionally, when creating a table, we will attempt to delete it.",
            (*_PG_CREDENTIALS, "table_name"),
            _passes,
        ),
    ),
    "Snowflake": (
        Step(
            "Verify Snowflake user",
            "Ensure the configured Snowflake user exists and can authenticate.",
            ("account", "user"),
            _passes,
        ),
        Step(
            "Verify Snowflake warehouse",
            "Ensure the configured Snowflake warehouse exists and that we have the required permissions to use it.",
            ("account", "user", "warehouse"),
            _passes,
        ),
        Step(
            "Verify Snowflake database and schema",
            "Ensure the configured Snowflake database and schema exist.",
            ("account", "user", "database", "schema"),
            _passes,
        ),
    ),
}


def describe(destination: str) -> dict[str, Any] | None:
    """The test's steps without results (``GET batch_exports/test``); ``None`` for an unknown destination."""
    steps = DESTINATION_TESTS.get(destination)
    return None if steps is None else {"steps": [step.describe() for step in steps]}
