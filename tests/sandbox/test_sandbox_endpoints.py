"""Endpoints: the ten operations, versions, query execution and the 202 rule, over real HTTP."""

from __future__ import annotations

import time

import httpx2

from posthog_environments_mcp.sandbox import SandboxServer

HOGQL = {"kind": "HogQLQuery", "query": "select event, count() as total from events group by event order by total desc"}
ENDPOINT_FIELDS = {
    "id",
    "name",
    "description",
    "query",
    "is_active",
    "cache_age_seconds",
    "endpoint_path",
    "url",
    "created_at",
    "updated_at",
    "created_by",
    "is_materialized",
    "current_version",
    "versions_count",
    "derived_from_insight",
    "materialization",
}


def test_list_is_not_paginated(api: httpx2.Client) -> None:
    body = api.get("endpoints/").json()
    assert set(body) == {"results"}
    names = {e["name"] for e in body["results"]}
    assert names == {"daily_pageviews", "weekly_active_users", "legacy_top_browsers"}
    assert set(body["results"][0]) == ENDPOINT_FIELDS
    inactive = api.get("endpoints/", params={"is_active": "false"}).json()["results"]
    assert [e["name"] for e in inactive] == ["legacy_top_browsers"]


def test_retrieve_by_name_and_404(api: httpx2.Client, sandbox: SandboxServer) -> None:
    body = api.get("endpoints/daily_pageviews/").json()
    assert body["current_version"] == 2
    assert body["versions_count"] == 2
    assert body["endpoint_path"] == "/api/environments/1/endpoints/daily_pageviews/run"
    assert body["url"] == f"{sandbox.base_url}/api/environments/1/endpoints/daily_pageviews/run"
    assert body["created_by"]["email"] == "ada@hedgebox.example"
    missing = api.get("endpoints/nope/")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No Endpoint matches the given query."


def test_create_201_and_duplicate_400(api: httpx2.Client) -> None:
    response = api.post("endpoints/", json={"name": "event_totals", "query": HOGQL, "description": "Totals"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "event_totals"
    assert body["current_version"] == 1
    assert body["is_active"] is True
    assert body["query"] == HOGQL
    duplicate = api.post("endpoints/", json={"name": "event_totals", "query": HOGQL})
    assert duplicate.status_code == 400
    assert duplicate.json()["attr"] == "name"


def test_create_validation(api: httpx2.Client) -> None:
    def error(payload: dict[str, object]) -> dict[str, object]:
        response = api.post("endpoints/", json=payload)
        assert response.status_code == 400, payload
        return response.json()

    assert error({"name": "1bad", "query": HOGQL})["detail"].startswith("Endpoint name must start with a letter")
    assert error({"name": "x" * 129, "query": HOGQL})["attr"] == "name"
    assert error({"name": "ok"})["detail"] == "Must specify query"
    assert error({"name": "ok", "query": HOGQL, "cache_age_seconds": 10})["detail"] == (
        "Cache age must be between 300 and 86400 seconds."
    )
    assert error({"name": "ok", "query": HOGQL, "sync_frequency": "2hour"}) == {
        "type": "validation_error",
        "code": "invalid_choice",
        "detail": '"2hour" is not a valid choice.',
        "attr": "sync_frequency",
    }
    bad_sql = error({"name": "ok", "query": {"kind": "HogQLQuery", "query": "select 'oops from events"}})
    assert bad_sql["attr"] == "query"
    assert "Invalid HogQL query" in str(bad_sql["detail"])
    assert error({"name": "ok", "query": HOGQL, "unexpected": 1})["attr"] == "unexpected"
    assert api.post("endpoints/", json={"name": "ok-2_x", "query": HOGQL, "cache_age_seconds": 300}).status_code == 201


def test_patch_query_creates_a_new_version(api: httpx2.Client) -> None:
    new_query = {"kind": "HogQLQuery", "query": "select count() as pageviews from events where event = '$pageview'"}
    response = api.patch("endpoints/daily_pageviews/", json={"query": new_query, "description": "Total pageviews"})
    assert response.status_code == 200
    body = response.json()
    assert body["current_version"] == 3
    assert body["versions_count"] == 3
    assert body["query"] == new_query
    assert body["description"] == "Total pageviews"
    unchanged = api.patch("endpoints/daily_pageviews/", json={"query": new_query}).json()
    assert unchanged["current_version"] == 3
    run = api.post("endpoints/daily_pageviews/run/").json()
    assert run["endpoint_version"] == 3
    assert run["columns"] == ["pageviews"]


def test_patch_validation_and_version_toggle(api: httpx2.Client) -> None:
    assert api.patch("endpoints/daily_pageviews/", json={"cache_age_seconds": 90000}).status_code == 400
    inactive = api.patch("endpoints/daily_pageviews/", json={"is_active": False, "is_materialized": True})
    assert inactive.json()["attr"] == "is_materialized"
    toggled = api.patch("endpoints/daily_pageviews/?version=1", json={"is_active": True})
    assert toggled.status_code == 200
    assert set(toggled.json()) == {"id", "version", "query", "is_active", "created_at", "created_by"}
    assert toggled.json()["is_active"] is True
    missing = api.patch("endpoints/daily_pageviews/?version=9", json={"is_active": True})
    assert (missing.status_code, missing.json()) == (404, {"error": "Version 9 not found"})


def test_delete_is_204(api: httpx2.Client) -> None:
    assert api.delete("endpoints/legacy_top_browsers/").status_code == 204
    assert api.get("endpoints/legacy_top_browsers/").status_code == 404
    assert api.delete("endpoints/legacy_top_browsers/").status_code == 404


def test_run_hogql_result_depends_on_variables(api: httpx2.Client) -> None:
    default = api.get("endpoints/daily_pageviews/run/")
    assert default.status_code == 200
    body = default.json()
    assert next(iter(body)) == "results"
    assert body["columns"] == ["day", "pageviews"]
    assert body["types"] == [["day", "Date"], ["pageviews", "UInt64"]]
    assert next(row[0] for row in body["results"]) == "2025-11-13"
    assert body["hasMore"] is False
    assert body["is_cached"] is False
    assert body["endpoint_version"] == 2
    assert body["query_status"] is None
    later = api.post("endpoints/daily_pageviews/run/", json={"variables": {"from_date": "2025-11-18"}}).json()
    assert [row[0] for row in later["results"]] == ["2025-11-18", "2025-11-19"]
    assert later["results"] == body["results"][-2:]


def test_run_cache_and_force_blocking(api: httpx2.Client) -> None:
    first = api.post("endpoints/daily_pageviews/run/", json={}).json()
    second = api.post("endpoints/daily_pageviews/run/", json={"refresh": "blocking"}).json()
    forced = api.post("endpoints/daily_pageviews/run/", json={"refresh": "force_blocking"}).json()
    assert (first["is_cached"], second["is_cached"], forced["is_cached"]) == (False, True, False)
    assert first["results"] == second["results"] == forced["results"]
    bad = api.post("endpoints/daily_pageviews/run/", json={"refresh": "async"})
    assert (bad.status_code, bad.json()["attr"]) == (400, "refresh")


def test_run_failures(api: httpx2.Client) -> None:
    unknown = api.post("endpoints/daily_pageviews/run/", json={"variables": {"to_date": "x", "a": 1}})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "Unknown variable(s): a, to_date"
    inactive = api.post("endpoints/legacy_top_browsers/run/")
    assert inactive.status_code == 404
    old = api.post("endpoints/daily_pageviews/run/", json={"version": 1})
    assert old.json()["detail"] == "Version 1 is inactive and cannot be executed."
    missing = api.get("endpoints/daily_pageviews/run/?version=7")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Version 7 not found for endpoint 'daily_pageviews'", "current_version": 2}
    assert api.post("endpoints/nope/run/").status_code == 404


def test_run_reports_bad_queries_as_400(api: httpx2.Client) -> None:
    api.post("endpoints/", json={"name": "broken", "query": {"kind": "HogQLQuery", "query": "select nope from events"}})
    response = api.post("endpoints/broken/run/")
    assert response.status_code == 400
    assert response.json()["detail"] == "Query resolution failed: Unable to resolve field: nope"


def test_run_trends_with_query_override(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.set_query_runtime(1, "weekly_active_users", 0)
    base = api.post("endpoints/weekly_active_users/run/").json()
    series = base["results"][0]
    assert series["label"] == "$pageview"
    assert series["days"][0] == "2025-11-13"
    assert len(series["data"]) == len(series["days"]) == 8
    assert series["count"] == sum(series["data"])
    override = {"series": [{"kind": "EventsNode", "event": "signed_up", "name": "signed_up", "math": "total"}]}
    changed = api.post("endpoints/weekly_active_users/run/", json={"query_override": override}).json()
    assert changed["results"][0]["label"] == "signed_up"
    assert changed["results"][0]["count"] != series["count"]
    dated = api.post("endpoints/weekly_active_users/run/", json={"variables": {"date_from": "-3d"}}).json()
    assert dated["results"][0]["days"][0] == "2025-11-17"


def test_slow_query_answers_202_then_200(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.query_blocking_timeout = 0.05
    sandbox.state.set_query_runtime(1, "weekly_active_users", 0.4)
    first = api.post("endpoints/weekly_active_users/run/", json={"client_query_id": "my-query"})
    assert first.status_code == 202
    status = first.json()["query_status"]
    assert status["complete"] is False
    assert status["id"] == "my-query"
    assert status["query_async"] is True
    assert first.json()["endpoint_version"] == 1
    still = api.post("endpoints/weekly_active_users/run/", json={"client_query_id": "my-query"})
    assert still.status_code == 202
    time.sleep(0.45)
    done = api.post("endpoints/weekly_active_users/run/", json={"client_query_id": "my-query"})
    assert done.status_code == 200
    assert done.json()["is_cached"] is True
    assert done.json()["results"][0]["label"] == "$pageview"
    again = api.post("endpoints/weekly_active_users/run/", json={"refresh": "force_blocking"})
    assert again.status_code == 202


def test_versions_newest_first_and_detail(api: httpx2.Client) -> None:
    versions = api.get("endpoints/daily_pageviews/versions/").json()
    assert isinstance(versions, list)
    assert [v["version"] for v in versions] == [2, 1]
    assert [v["is_active"] for v in versions] == [True, False]
    one = api.get("endpoints/daily_pageviews/versions/1/")
    assert one.status_code == 200
    assert one.json()["query"]["query"].startswith("select toDate(timestamp)")
    absent = api.get("endpoints/daily_pageviews/versions/5/")
    assert (absent.status_code, absent.json()) == (404, {"error": "Version 5 not found"})
    assert api.get("endpoints/nope/versions/").status_code == 404


def test_last_execution_times(api: httpx2.Client) -> None:
    response = api.post("endpoints/last_execution_times/", json={"names": ["daily_pageviews", "legacy_top_browsers"]})
    assert response.status_code == 200
    status = response.json()["query_status"]
    assert status["complete"] is True
    assert status["results"] == [["daily_pageviews", "2025-11-19T08:15:00Z"]]
    api.get("endpoints/daily_pageviews/run/")
    rerun = api.post("endpoints/last_execution_times", json={"names": ["daily_pageviews"]}).json()
    assert rerun["query_status"]["results"][0][1] > "2025-11-19T08:15:00Z"
    invalid = api.post("endpoints/last_execution_times/", json={"names": ["ok", "9bad"]})
    assert (invalid.status_code, invalid.json()["detail"]) == (400, "Invalid endpoint name: 9bad")
    assert api.get("endpoints/last_execution_times/").status_code == 405
