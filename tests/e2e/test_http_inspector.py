"""The MCP Inspector CLI over ``--transport http`` lists and calls tools (runs when Node is here)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.tools.catalog import CATALOG
from tests.e2e.http_server import HttpServer
from tests.e2e.http_server import per_request_server as per_request_server  # the fixture
from tests.e2e.test_inspector import INSPECTOR


def inspector(server: HttpServer, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["npx", "--yes", INSPECTOR, "--cli", "--transport", "http", "--server-url", server.url]
    return subprocess.run(
        [*command, "--header", f"Authorization: Bearer {key}", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.skipif(shutil.which("npx") is None, reason="Node.js (npx) is not installed")
def test_inspector_lists_and_calls_tools_over_http(per_request_server: HttpServer, sandbox: SandboxServer) -> None:
    listed = inspector(per_request_server, sandbox.api_key, "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr[-4000:]
    assert len(json.loads(listed.stdout)["tools"]) == len(CATALOG)
    called = inspector(
        per_request_server, sandbox.api_key, "--method", "tools/call", "--tool-name", "endpoints_get",
        "--tool-arg", "name=daily_pageviews",
    )  # fmt: skip
    assert called.returncode == 0, called.stderr[-4000:]
    result = json.loads(called.stdout)
    assert not result.get("isError"), result
    assert result["structuredContent"]["name"] == "daily_pageviews"
    upstream = [r for r in sandbox.state.requests if r.api_path is not None]
    assert [r.header("authorization") for r in upstream] == [f"Bearer {sandbox.api_key}"]
