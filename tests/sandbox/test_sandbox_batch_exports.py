"""Batch exports: logs, pause/unpause and the INTERNAL destination tests, over real HTTP."""

from __future__ import annotations

import httpx2

from posthog_environments_mcp.sandbox.seed import BATCH_EXPORT_ID

EXPORT = f"batch_exports/{BATCH_EXPORT_ID}"
MISSING = "batch_exports/00000000-0000-4000-8000-000000000000"


def test_logs_newest_first_with_upper_case_levels(api: httpx2.Client) -> None:
    response = api.get(f"{EXPORT}/logs/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 12
    entry = body["results"][0]
    assert set(entry) == {"log_source_id", "instance_id", "timestamp", "level", "message"}
    assert entry["log_source_id"] == BATCH_EXPORT_ID
    stamps = [e["timestamp"] for e in body["results"]]
    assert stamps == sorted(stamps, reverse=True)
    assert {e["level"] for e in body["results"]} == {"DEBUG", "INFO", "WARNING", "ERROR"}


def test_logs_filters(api: httpx2.Client) -> None:
    errors_only = api.get(f"{EXPORT}/logs/", params={"level": "error"}).json()["results"]
    assert [e["level"] for e in errors_only] == ["ERROR"]
    several = api.get(f"{EXPORT}/logs/?level=WARNING&level=ERROR").json()["results"]
    assert {e["level"] for e in several} == {"WARNING", "ERROR"}
    assert len(several) == 3
    search = api.get(f"{EXPORT}/logs/", params={"search": "accessdenied"}).json()["results"]
    assert len(search) == 1
    assert "AccessDenied" in search[0]["message"]
    limited = api.get(f"{EXPORT}/logs/", params={"limit": 2}).json()
    assert len(limited["results"]) == 2
    assert limited["count"] == 2
    before = api.get(f"{EXPORT}/logs/", params={"before": "2025-11-20T10:00:00Z"}).json()["results"]
    assert len(before) == 4
    run = before[0]["instance_id"]
    by_run = api.get(f"{EXPORT}/logs/", params={"instance_id": run}).json()["results"]
    assert len(by_run) == 4
    assert {e["instance_id"] for e in by_run} == {run}


def test_logs_validation_and_404(api: httpx2.Client) -> None:
    too_many = api.get(f"{EXPORT}/logs/", params={"limit": 501})
    assert too_many.status_code == 400
    assert too_many.json() == {
        "type": "validation_error",
        "code": "max_value",
        "detail": "Ensure this value is less than or equal to 500.",
        "attr": "limit",
    }
    assert api.get(f"{EXPORT}/logs/", params={"after": "soon"}).json()["attr"] == "after"
    assert api.get(f"{MISSING}/logs/").status_code == 404


def test_pause_and_unpause(api: httpx2.Client) -> None:
    paused = api.post(f"{EXPORT}/pause/")
    assert (paused.status_code, paused.json()) == (200, {"paused": True})
    unpaused = api.post(f"{EXPORT}/unpause/", json={"backfill": True})
    assert (unpaused.status_code, unpaused.json()) == (200, {"paused": False})
    logs = api.get(f"{EXPORT}/logs/", params={"search": "backfill"}).json()["results"]
    assert len(logs) == 1
    assert api.post(f"{MISSING}/pause/").status_code == 404
    assert api.post(f"{MISSING}/unpause/").json()["detail"] == "No BatchExport matches the given query."


def test_destination_test_steps(api: httpx2.Client) -> None:
    response = api.get("batch_exports/test/", params={"destination": "BigQuery"})
    assert response.status_code == 200
    steps = response.json()["steps"]
    assert [s["name"] for s in steps] == ["Verify BigQuery project", "Verify BigQuery dataset", "Verify BigQuery table"]
    assert all(s["result"] is None and s["description"] for s in steps)
    bare = api.get("batch_exports/test/")
    assert (bare.status_code, bare.content) == (400, b"")
    unknown = api.get("batch_exports/test/", params={"destination": "Mongo"})
    assert (unknown.status_code, unknown.content) == (404, b"")


def test_run_test_step_uses_the_stored_configuration(api: httpx2.Client) -> None:
    body = {"name": "Events to S3", "interval": "hour", "destination": {"type": "S3", "config": {}}}
    passed = api.post(f"{EXPORT}/run_test_step/", json=body)
    assert passed.status_code == 200
    assert passed.json() == {
        "name": "Check S3 bucket exists",
        "description": "Ensure the configured S3 bucket exists and that we have the required permissions to access it.",
        "result": {"status": "Passed", "message": None},
    }
    body["destination"]["config"] = {"bucket_name": "someone-elses-bucket"}
    failed = api.post(f"{EXPORT}/run_test_step/", json=body).json()
    assert failed["result"]["status"] == "Failed"
    assert "someone-elses-bucket" in failed["result"]["message"]
    assert api.post(f"{MISSING}/run_test_step/", json=body).status_code == 404
    assert api.post(f"{EXPORT}/run_test_step/", json={"name": "x", "interval": "hour"}).json()["attr"] == "destination"


def test_run_test_step_new_validates_the_whole_export(api: httpx2.Client) -> None:
    config = {"host": "db.hedgebox.example", "user": "u", "password": "p", "database": "d", "schema": "analytics"}
    body = {"name": "PG", "interval": "day", "destination": {"type": "Postgres", "config": config}, "step": 1}
    step = api.post("batch_exports/run_test_step_new/", json=body)
    assert step.status_code == 200
    assert step.json()["name"] == "Verify Postgres schema"
    assert step.json()["result"]["status"] == "Passed"
    unconfigured = api.post(
        "batch_exports/run_test_step_new/",
        json={**body, "step": 0, "destination": {"type": "Postgres", "config": {}}},
    ).json()
    assert unconfigured["result"] == {"status": "Failed", "message": "The test step cannot run as it's not configured."}
    invalid = api.post("batch_exports/run_test_step_new/", json={**body, "interval": "hourly"})
    assert (invalid.status_code, invalid.json()["attr"]) == (400, "interval")
    missing_name = api.post(
        "batch_exports/run_test_step_new/", json={"interval": "day", "destination": body["destination"]}
    )
    assert missing_name.json()["attr"] == "name"
    out_of_range = api.post("batch_exports/run_test_step_new/", json={**body, "step": 9})
    assert out_of_range.status_code == 500
    assert out_of_range.json()["type"] == "server_error"
