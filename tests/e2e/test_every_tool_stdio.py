"""Every one of the 32 tools, called through the real command as a stdio subprocess, in both protocol eras,
against the sandbox over loopback HTTP: the call succeeds (or fails as PostHog does) and the upstream saw
exactly the method, path, query and body the tool should send."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
import pytest
from mcp import Client

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import BATCH_EXPORT_ID, CONFIG_IDS, CONVERSATION_IDS, RECORDING_IDS
from posthog_environments_mcp.tools.catalog import CATALOG
from tests.e2e.clients import Mode, is_subset, stdio_session, text_of

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
READY = RECORDING_IDS["pricing_review"]
LIVE = RECORDING_IDS["design_review_live"]
CONVERSATION = CONVERSATION_IDS["daily_signups"]
PERSON_CONFIG = CONFIG_IDS["person"]
S3 = {"type": "S3", "config": {"bucket_name": "hedgebox-analytics-exports", "region": "us-east-1", "prefix": "x/"}}
HOGQL = {"kind": "HogQLQuery", "query": "select count() from events"}
EXPORT_BODY = {"name": "Events to S3 (hourly)", "destination": S3, "interval": "hour"}


@dataclass(frozen=True)
class Case:
    tool: str
    arguments: dict[str, Any]
    method: str
    path: str
    """The path after /api/environments/1/, without the trailing slash."""
    query: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    check: Callable[[types.CallToolResult], bool] = lambda result: not result.is_error


def structured(key: str, expected: Any = None) -> Callable[[types.CallToolResult], bool]:
    def check(result: types.CallToolResult) -> bool:
        data = result.structured_content
        if result.is_error or not isinstance(data, dict) or key not in data:
            return False
        return expected is None or data[key] == expected

    return check


def done(result: types.CallToolResult) -> bool:
    return not result.is_error and "Done" in text_of(result)


def dataset_refused(result: types.CallToolResult) -> bool:
    text = text_of(result)
    return result.is_error and "405" in text and "hard-deleting datasets" in text


def conversation_answered(result: types.CallToolResult) -> bool:
    data = result.structured_content
    return (
        not result.is_error
        and isinstance(data, dict)
        and data["status"] == "completed"
        and bool(UUID.match(data["conversation_id"]))
        and isinstance(data["answer"], str)
        and len(data["answer"]) > 10
    )


CASES = [
    Case("datasets_delete", {"id": "d5000000-0000-4000-8000-000000000001"}, "DELETE",
         "datasets/d5000000-0000-4000-8000-000000000001", check=dataset_refused),
    Case("desktop_recordings_list", {"limit": 2, "offset": 1, "platform": "zoom"}, "GET", "desktop_recordings",
         query={"limit": ["2"], "offset": ["1"], "platform": ["zoom"]}, check=structured("results")),
    Case("desktop_recordings_create", {"platform": "meet"}, "POST", "desktop_recordings", body={"platform": "meet"},
         check=structured("status", "recording")),
    Case("desktop_recordings_get", {"id": READY}, "GET", f"desktop_recordings/{READY}", check=structured("id", READY)),
    Case("desktop_recordings_update", {"id": READY, "meeting_title": "Renamed", "notes": None}, "PATCH",
         f"desktop_recordings/{READY}", body={"meeting_title": "Renamed", "notes": None},
         check=structured("meeting_title", "Renamed")),
    Case("desktop_recordings_delete", {"id": READY}, "DELETE", f"desktop_recordings/{READY}", check=done),
    Case("desktop_recordings_append_segments",
         {"id": LIVE, "segments": [{"text": "Shipping Friday.", "timestamp": 987654.0, "speaker": "Ada"}]},
         "POST", f"desktop_recordings/{LIVE}/append_segments",
         body={"segments": [{"text": "Shipping Friday.", "timestamp": 987654.0, "speaker": "Ada"}]},
         check=structured("transcript_text")),
    Case("endpoints_list", {}, "GET", "endpoints", check=structured("results")),
    Case("endpoints_create", {"name": "signups_by_day", "query": HOGQL}, "POST", "endpoints",
         body={"name": "signups_by_day", "query": HOGQL},
         check=structured("name", "signups_by_day")),
    Case("endpoints_get", {"name": "daily_pageviews"}, "GET", "endpoints/daily_pageviews",
         check=structured("name", "daily_pageviews")),
    Case("endpoints_update", {"name": "daily_pageviews", "description": "Page views per day"}, "PATCH",
         "endpoints/daily_pageviews", body={"description": "Page views per day"},
         check=structured("description", "Page views per day")),
    Case("endpoints_delete", {"name": "daily_pageviews"}, "DELETE", "endpoints/daily_pageviews", check=done),
    Case("endpoints_run", {"name": "daily_pageviews"}, "GET", "endpoints/daily_pageviews/run",
         check=structured("results")),
    Case("endpoints_run_with_overrides", {"name": "daily_pageviews", "refresh": "force_blocking"}, "POST",
         "endpoints/daily_pageviews/run", body={"refresh": "force_blocking"}, check=structured("results")),
    Case("endpoints_versions_list", {"name": "daily_pageviews"}, "GET", "endpoints/daily_pageviews/versions",
         check=structured("results")),
    Case("endpoints_versions_get", {"name": "daily_pageviews", "version_number": 1}, "GET",
         "endpoints/daily_pageviews/versions/1", check=structured("version", 1)),
    Case("endpoints_last_execution_times", {"names": ["daily_pageviews"]}, "POST", "endpoints/last_execution_times",
         body={"names": ["daily_pageviews"]}, check=structured("query_status")),
    Case("batch_exports_logs", {"id": BATCH_EXPORT_ID, "level": "ERROR", "limit": 10}, "GET",
         f"batch_exports/{BATCH_EXPORT_ID}/logs", query={"level": ["ERROR"], "limit": ["10"]},
         check=structured("results")),
    Case("batch_exports_pause", {"id": BATCH_EXPORT_ID}, "POST", f"batch_exports/{BATCH_EXPORT_ID}/pause", body={},
         check=structured("paused", True)),
    Case("batch_exports_run_test_step", {"id": BATCH_EXPORT_ID, "step": 0, **EXPORT_BODY}, "POST",
         f"batch_exports/{BATCH_EXPORT_ID}/run_test_step", body={"step": 0, **EXPORT_BODY},
         check=structured("result")),
    Case("batch_exports_unpause", {"id": BATCH_EXPORT_ID, "backfill": False}, "POST",
         f"batch_exports/{BATCH_EXPORT_ID}/unpause", body={"backfill": False}, check=structured("paused", False)),
    Case("batch_exports_run_test_step_new", {"step": 0, **EXPORT_BODY}, "POST", "batch_exports/run_test_step_new",
         body={"step": 0, **EXPORT_BODY}, check=structured("result")),
    Case("batch_exports_test", {"destination": "S3"}, "GET", "batch_exports/test", query={"destination": ["S3"]},
         check=structured("steps")),
    Case("conversations_list", {"limit": 2}, "GET", "conversations", query={"limit": ["2"]},
         check=structured("results")),
    Case("conversations_create", {"content": "How many desktop recordings do we have?"}, "POST", "conversations",
         body={"content": "How many desktop recordings do we have?"}, check=conversation_answered),
    Case("conversations_get", {"conversation": CONVERSATION}, "GET", f"conversations/{CONVERSATION}",
         check=structured("messages")),
    Case("conversations_append_message", {"conversation": CONVERSATION, "content": "Ticket #42 confirmed."}, "POST",
         f"conversations/{CONVERSATION}/append_message", body={"content": "Ticket #42 confirmed."},
         check=structured("id")),
    Case("conversations_cancel", {"conversation": CONVERSATION}, "PATCH", f"conversations/{CONVERSATION}/cancel",
         check=done),
    Case("customer_profile_configs_list", {"limit": 1}, "GET", "customer_profile_configs", query={"limit": ["1"]},
         check=structured("results")),
    Case("customer_profile_configs_create", {"scope": "group_1", "content": {"blocks": []}}, "POST",
         "customer_profile_configs", body={"scope": "group_1", "content": {"blocks": []}},
         check=structured("scope", "group_1")),
    Case("customer_profile_configs_get", {"id": PERSON_CONFIG}, "GET", f"customer_profile_configs/{PERSON_CONFIG}",
         check=structured("scope", "person")),
    Case("customer_profile_configs_update", {"id": PERSON_CONFIG, "sidebar": {"pinned": ["email"]}}, "PATCH",
         f"customer_profile_configs/{PERSON_CONFIG}", body={"sidebar": {"pinned": ["email"]}},
         check=structured("sidebar", {"pinned": ["email"]})),
]  # fmt: skip


def test_cases_cover_the_whole_catalog() -> None:
    assert sorted(case.tool for case in CASES) == sorted(op.name for op in CATALOG)
    assert len(CASES) == 32


@pytest.fixture(scope="module", params=["auto", "legacy"])
async def client(
    request: pytest.FixtureRequest, sandbox_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Client]:
    mode: Mode = request.param
    stderr = tmp_path_factory.mktemp("stdio") / "server-stderr.log"
    async with stdio_session(sandbox_server, mode, stderr) as connected:
        yield connected


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[case.tool for case in CASES])
async def test_tool_calls_posthog_correctly(client: Client, sandbox: SandboxServer, case: Case) -> None:
    result = await client.call_tool(case.tool, case.arguments)

    assert case.check(result), f"{case.tool} gave an unexpected result:\n{text_of(result)}"
    seen = [r for r in sandbox.state.requests if r.api_path is not None]
    assert len(seen) == 1, [f"{r.method} {r.path}" for r in seen]
    upstream = seen[0]
    assert upstream.method == case.method
    assert upstream.path == f"/api/environments/1/{case.path}/"
    assert upstream.query == case.query
    if case.body is not None:
        assert is_subset(case.body, upstream.json), upstream.json
    assert upstream.header("authorization") == f"Bearer {sandbox.api_key}"
    assert (upstream.header("user-agent") or "").startswith("posthog-environments-mcp/")


@pytest.mark.anyio
async def test_conversation_ids_are_generated_for_a_new_conversation(client: Client, sandbox: SandboxServer) -> None:
    result = await client.call_tool("conversations_create", {"content": "Which endpoints exist?"})

    body = next(r.json for r in sandbox.state.requests if r.api_path == "conversations")
    assert UUID.match(body["conversation"])
    assert UUID.match(body["trace_id"])
    assert isinstance(result.structured_content, dict)
    assert result.structured_content["conversation_id"] == body["conversation"]
    links = [b for b in result.content if isinstance(b, types.ResourceLink)]
    assert [link.uri for link in links] == [f"posthog://projects/1/conversations/{body['conversation']}"]


@pytest.mark.anyio
async def test_protocol_era_is_the_one_asked_for(client: Client, request: pytest.FixtureRequest) -> None:
    tools = await client.list_tools()
    assert len(tools.tools) == 32
    legacy = request.node.callspec.params["client"] == "legacy"
    assert (client.protocol_version == "2025-11-25") is legacy
