"""Who may use the HTTP endpoint and how: 401s, session bound to its key, Host/Origin, body limit, narrowing
query choices, the access token of server-key mode, the start-up refusal, headers and the access log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.server.definitions.registry import ToolFilter, ToolRegistry
from tests.conftest import run_server, server_env
from tests.e2e.clients import RAW_INITIALIZE as INITIALIZE
from tests.e2e.clients import text_of
from tests.e2e.http_server import HttpServer, http_client, http_server

ACCESS_TOKEN = "t0ken-for-tests-0123456789abcdefghijklmnop"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
READ_ONLY_TOOLS = len(ToolRegistry(default_project=True, tool_filter=ToolFilter(read_only=True)))


@pytest.fixture(scope="module")
def read_only_server(sandbox_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """Per-request keys, a read-only deployment, a small body limit."""
    log = tmp_path_factory.mktemp("http") / "server.log"
    env = {"POSTHOG_MCP_AUTH": "per-request", "POSTHOG_MCP_READ_ONLY": "1", "POSTHOG_MCP_MAX_BODY_BYTES": "4096"}
    with http_server(sandbox_server, log, POSTHOG_API_KEY="", **env) as running:
        yield running


def post(server: HttpServer, body: Any, key: str | None = None, **headers: str) -> httpx2.Response:
    sent = {**MCP_HEADERS, **headers}
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    return httpx2.post(server.url, content=json.dumps(body).encode(), headers=sent, timeout=30)


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Bearer phc_" + "a" * 40, "Basic dXNlcjpwYXNz"])
def test_missing_or_malformed_key_is_401_with_a_challenge(
    read_only_server: HttpServer, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = post(read_only_server, INITIALIZE, **headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    body = response.json()
    assert body["error"] == "invalid_token"
    assert "Authorization: Bearer phx_" in body["error_description"]
    if authorization:
        assert authorization.split(" ", 1)[1] not in response.text, "the credential is never echoed"


def test_a_session_is_bound_to_the_key_that_created_it(read_only_server: HttpServer, sandbox: SandboxServer) -> None:
    opened = post(read_only_server, INITIALIZE, sandbox.api_key)
    assert opened.status_code == 200
    session = opened.headers["mcp-session-id"]
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    same = post(read_only_server, ping, sandbox.api_key, **{"Mcp-Session-Id": session})
    assert same.status_code == 200
    other_key = sandbox.state.second_user_key
    switched = post(read_only_server, ping, other_key, **{"Mcp-Session-Id": session})
    assert switched.status_code == 404, "another key on this session is refused as if the session did not exist"


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [("Host", "evil.example.com", 421), ("Origin", "https://evil.example.com", 403)],
)
def test_untrusted_host_or_origin_is_refused(
    read_only_server: HttpServer, sandbox: SandboxServer, header: str, value: str, status: int
) -> None:
    response = post(read_only_server, INITIALIZE, sandbox.api_key, **{header: value})
    assert response.status_code == status
    assert sandbox.state.requests == []


def test_body_over_the_limit_is_413(read_only_server: HttpServer, sandbox: SandboxServer) -> None:
    big = {**INITIALIZE, "params": {**INITIALIZE["params"], "padding": "x" * 5000}}
    assert post(read_only_server, big, sandbox.api_key).status_code == 413


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("project_id=abc", "project_id"),
        ("read_only=maybe", "read_only"),
        ("toolsets=nonsense", "toolsets"),
        ("tools=endpoints_delete", "tools"),
        ("region=http://evil.example.com", "region"),
        ("project_id=1&project_id=2", "project_id"),
    ],
)
def test_bad_query_choice_is_400_naming_it(
    read_only_server: HttpServer, sandbox: SandboxServer, query: str, parameter: str
) -> None:
    url = f"{read_only_server.url}?{query}"
    for _ in range(2):  # and again: checked choices are kept per query string, a refusal never is
        headers = {**MCP_HEADERS, "Authorization": f"Bearer {sandbox.api_key}"}
        response = httpx2.post(url, json=INITIALIZE, headers=headers)
        assert response.status_code == 400
        assert response.json()["parameter"] == parameter
        assert parameter in response.json()["error_description"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_query_choices_only_narrow(read_only_server: HttpServer, sandbox: SandboxServer, mode: str) -> None:
    async with http_client(f"{read_only_server.url}?read_only=false", mode, sandbox.api_key) as client:  # type: ignore[arg-type]
        tools = (await client.list_tools()).tools
        assert len(tools) == READ_ONLY_TOOLS, "a read-only deployment stays read-only"
        assert all(tool.annotations and tool.annotations.read_only_hint for tool in tools)
        with pytest.raises(Exception, match="Unknown tool"):
            await client.call_tool("endpoints_delete", {"name": "daily_pageviews"})
    url = f"{read_only_server.url}?project_id=2&tools=desktop_recordings_list,endpoints_list"
    async with http_client(url, mode, sandbox.api_key) as client:  # type: ignore[arg-type]
        names = sorted(tool.name for tool in (await client.list_tools()).tools)
        assert names == ["desktop_recordings_list", "endpoints_list"]
        result = await client.call_tool("desktop_recordings_list", {})
        assert not result.is_error, text_of(result)
    assert [r.path for r in sandbox.state.requests] == ["/api/environments/2/desktop_recordings/"]


def test_health_check_headers_and_cors_off(read_only_server: HttpServer, sandbox: SandboxServer) -> None:
    health = httpx2.get(f"{read_only_server.base}/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.headers["x-content-type-options"] == "nosniff"
    assert health.headers["x-frame-options"] == "DENY"
    assert health.headers["cache-control"] == "no-store"
    assert sandbox.state.requests == [], "liveness calls nobody"
    preflight = httpx2.options(
        read_only_server.url,
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_access_log_has_one_line_per_request_and_no_key(read_only_server: HttpServer, sandbox: SandboxServer) -> None:
    marker = "/healthz"
    before = read_only_server.log().count(f"GET {marker} 200")
    httpx2.get(f"{read_only_server.base}{marker}")
    post(read_only_server, INITIALIZE, sandbox.api_key)
    log = read_only_server.log()
    assert log.count(f"GET {marker} 200") == before + 1
    assert "POST /mcp 200" in log
    assert sandbox.api_key not in log
    assert sandbox.api_key[4:20] not in log


@pytest.fixture(scope="module")
def token_server(sandbox_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """Server-key mode: the deployment's key, for callers holding the access token."""
    log = tmp_path_factory.mktemp("http") / "server.log"
    with http_server(sandbox_server, log, POSTHOG_MCP_ACCESS_TOKEN=ACCESS_TOKEN) as running:
        yield running


@pytest.mark.anyio
async def test_server_key_mode_requires_the_access_token(token_server: HttpServer, sandbox: SandboxServer) -> None:
    assert post(token_server, INITIALIZE).status_code == 401
    wrong = post(token_server, INITIALIZE, ACCESS_TOKEN[:-1] + "X")
    assert wrong.status_code == 401
    assert "POSTHOG_MCP_ACCESS_TOKEN" in wrong.json()["error_description"]
    async with http_client(token_server.url, "auto", ACCESS_TOKEN) as client:
        result = await client.call_tool("endpoints_list", {})
    assert not result.is_error
    upstream = [r for r in sandbox.state.requests if r.api_path is not None]
    assert [r.header("authorization") for r in upstream] == [f"Bearer {sandbox.api_key}"]
    assert ACCESS_TOKEN not in token_server.log()


def test_non_loopback_with_a_server_key_and_no_access_token_is_refused(sandbox: SandboxServer) -> None:
    completed = run_server("--transport", "http", "--listen", "0.0.0.0:0", env=server_env(sandbox))
    assert completed.returncode == 2
    assert "refusing to listen on 0.0.0.0" in completed.stderr
    assert "POSTHOG_MCP_ACCESS_TOKEN" in completed.stderr
    assert "POSTHOG_MCP_AUTH=per-request" in completed.stderr
    assert sandbox.api_key not in completed.stderr


@pytest.mark.anyio
async def test_per_caller_results_are_marked_private(read_only_server: HttpServer, sandbox: SandboxServer) -> None:
    async with http_client(read_only_server.url, "auto", sandbox.api_key) as client:
        tools = await client.list_tools()
        resources = await client.list_resources()
    assert tools.cache_scope == "private"
    assert resources.cache_scope == "private"


def test_sandbox_start_prints_the_url_for_the_inspector(sandbox: SandboxServer, tmp_path: Path) -> None:
    with http_server(sandbox, tmp_path / "server.log", "--sandbox") as server:
        note = server.log()
        assert f"npx @modelcontextprotocol/inspector --transport http --server-url {server.url}" in note
        assert "built-in sandbox" in note
        assert httpx2.get(f"{server.base}/healthz").json()["status"] == "ok"
