"""The MCP Inspector CLI's --strict portability check on what tools/list publishes (runs when Node is here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from posthog_environments_mcp.tools.catalog import CATALOG
from tests.conftest import server_command

INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"


@pytest.mark.skipif(shutil.which("npx") is None, reason="Node.js (npx) is not installed")
def test_tools_list_passes_the_inspector_strict_check() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    command = ["npx", "--yes", INSPECTOR, "--cli", "--strict", "--method", "tools/list", "-e", "POSTHOG_PROJECT_ID=1"]
    completed = subprocess.run(
        [*command, *server_command()], capture_output=True, text=True, timeout=600, env=env, check=False
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    tools = json.loads(completed.stdout)["tools"]
    assert len(tools) == len(CATALOG)
    assert "Error:" not in completed.stderr
    assert "Warning:" not in completed.stderr, completed.stderr[-4000:]
