"""Every tool of the catalog, called with its catalog ``example`` through the real command as a stdio subprocess,
in both protocol eras, against the sandbox over loopback HTTP: the call succeeds (or fails as PostHog does) and
the upstream saw exactly the method, path, query and body the tool should send."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, cast

import mcp_types as types
import pytest
from mcp import Client

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.tools.catalog import CATALOG
from posthog_environments_mcp.tools.operation import Operation
from tests.e2e.clients import Mode, is_subset, stdio_session, text_of

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Case:
    """One tool called with its catalog example, and the request PostHog must see for it."""

    op: Operation

    @property
    def tool(self) -> str:
        return self.op.name

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.op.example)

    @property
    def path(self) -> str:
        """The full path PostHog must see, with the example's path parameters filled in."""
        return "/api/environments/1/" + self.op.path.format(**{p: self.op.example[p] for p in self.op.path_params})

    @property
    def sent(self) -> dict[str, Any]:
        """The example's arguments that are not path parameters (the query string or the JSON body)."""
        return {k: v for k, v in self.op.example.items() if k not in self.op.path_params}

    @property
    def query(self) -> dict[str, list[str]]:
        if self.op.method not in ("GET", "DELETE"):
            return {}
        return {k: [json.dumps(v) if isinstance(v, bool) else str(v)] for k, v in self.sent.items()}


def conversation_answered(result: types.CallToolResult) -> bool:
    data = result.structured_content
    return (
        isinstance(data, dict)
        and data["status"] == "completed"
        and bool(UUID.match(data["conversation_id"]))
        and isinstance(data["answer"], str)
        and len(data["answer"]) > 10
    )


REFUSED = {"datasets_delete": 405}
"""Examples PostHog always refuses (by design): the result must carry the operation's own advice for the status."""

FURTHER_CHECKS: dict[str, Callable[[types.CallToolResult], bool]] = {
    "conversations_create": conversation_answered,
    "desktop_recordings_update": lambda result: cast(Any, result.structured_content)["meeting_title"] == "Renamed",
}
"""Facts about particular answers beyond "succeeded and matches the output schema"."""

CASES = [Case(op) for op in CATALOG]


def succeeded_as_declared(op: Operation, result: types.CallToolResult) -> bool:
    if op.name in REFUSED:
        status = REFUSED[op.name]
        text = text_of(result)
        return result.is_error and f"HTTP status: {status}" in text and op.advice_by_status[status] in text
    if result.is_error:
        return False
    if op.output_model is None:
        return "Done" in text_of(result)
    op.output_model.model_validate(result.structured_content)
    return FURTHER_CHECKS.get(op.name, lambda _: True)(result)


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

    assert succeeded_as_declared(case.op, result), f"{case.tool} gave an unexpected result:\n{text_of(result)}"
    seen = [r for r in sandbox.state.requests if r.api_path is not None]
    assert len(seen) == 1, [f"{r.method} {r.path}" for r in seen]
    upstream = seen[0]
    assert upstream.method == case.op.method
    assert upstream.path == case.path
    assert upstream.query == case.query
    if case.op.method in ("POST", "PATCH"):
        assert is_subset(case.sent, upstream.json), upstream.json
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
    assert sorted(tool.name for tool in tools.tools) == sorted(op.name for op in CATALOG)
    legacy = request.node.callspec.params["client"] == "legacy"
    assert (client.protocol_version == "2025-11-25") is legacy
