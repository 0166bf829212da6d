"""The real command line, as a person or a shell script uses it."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import time
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from posthog_environments_mcp.tools.catalog import CATALOG
from tests.conftest import REPO, run_server, server_command, server_env

RECORDING = RECORDING_IDS["pricing_review"]


run = run_server


def test_tools_prints_the_tool_table() -> None:
    completed = run("tools")
    assert completed.returncode == 0
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == len(CATALOG)
    assert lines[0].startswith(CATALOG[0].name)
    assert any(line.startswith("conversations_create") and "POST" in line for line in lines)


def test_call_runs_one_tool_and_prints_its_result(sandbox: SandboxServer) -> None:
    completed = run("call", "desktop_recordings_get", json.dumps({"id": RECORDING}), env=server_env(sandbox))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["id"] == RECORDING
    assert f"resource: posthog://projects/1/desktop_recordings/{RECORDING}" in completed.stderr
    assert sandbox.api_key not in completed.stdout + completed.stderr


def test_call_exits_1_on_an_error_result_and_names_the_field(sandbox: SandboxServer) -> None:
    completed = run("call", "desktop_recordings_get", '{"id": "not-a-uuid"}', env=server_env(sandbox))
    assert completed.returncode == 1
    assert "`id`" in completed.stdout
    assert "UUID" in completed.stdout
    assert not [r for r in sandbox.state.requests if r.api_path is not None]


def test_call_without_a_key_explains_how_to_set_one() -> None:
    completed = run("call", "endpoints_list", '{"project_id": "1"}')
    assert completed.returncode == 1
    assert "POSTHOG_API_KEY" in completed.stdout
    assert "Personal API keys" in completed.stdout


def test_call_rejects_arguments_that_are_not_json(sandbox: SandboxServer) -> None:
    completed = run("call", "endpoints_list", "{limit: 1}", env=server_env(sandbox))
    assert completed.returncode == 2
    assert "not JSON" in completed.stderr


def test_sandbox_flag_needs_no_account() -> None:
    completed = run("--sandbox", "call", "desktop_recordings_list", '{"limit": 2}')
    assert completed.returncode == 0, completed.stderr
    assert len(json.loads(completed.stdout)["results"]) == 2


def test_check_reports_every_area(sandbox: SandboxServer) -> None:
    completed = run("check", env=server_env(sandbox))
    assert completed.returncode == 0, completed.stdout
    probes = [op.name for op in CATALOG if op.check_arguments is not None]
    assert completed.stdout.count("✓") == len(probes) >= 1
    assert all(f"✓ {name}" in completed.stdout for name in probes)
    assert "All checks passed." in completed.stdout


def test_check_names_the_missing_scope(sandbox: SandboxServer) -> None:
    key = sandbox.state.add_key(scopes=["desktop_recording:read"])
    completed = run("check", env=server_env(sandbox, POSTHOG_API_KEY=key))
    assert completed.returncode == 1
    assert "✓ desktop_recordings_list" in completed.stdout
    assert "endpoint:read" in completed.stdout
    assert key not in completed.stdout


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("POSTHOG_HOST", "ftp://example.com", "is not a URL"),
        ("POSTHOG_HOST", "https://us.i.posthog.com", "ingestion host"),
        ("POSTHOG_PROJECT_ID", "my-project", "is not a project id"),
        ("POSTHOG_API_KEY", "phc_projectkey", "project API key"),
        ("POSTHOG_MCP_READ_TIMEOUT", "soon", "is not a number"),
        ("POSTHOG_MCP_CONFIRM_DESTRUCTIVE", "ask", "is not a policy"),
        ("POSTHOG_MCP_STATE_KEY", "short", "at least 32 bytes"),
    ],
)
def test_a_bad_setting_is_reported_clearly(variable: str, value: str, message: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    env[variable] = value
    completed = run("tools", env=env)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert variable.split("_")[-1].lower() in completed.stderr.lower()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_the_readme_command_serves_the_sandbox_over_stdio(mode: str, tmp_path: Path) -> None:
    """`posthog-environments-mcp --sandbox` with no environment at all: a client lists and calls tools."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    command = server_command()
    params = StdioServerParameters(command=command[0], args=[*command[1:], "--sandbox"], env=env)
    stderr = tmp_path / "stderr.log"
    with stderr.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode=mode) as client:  # type: ignore[arg-type]
            tools = await client.list_tools()
            result = await client.call_tool("desktop_recordings_list", {"limit": 1})
    assert len(tools.tools) == len(CATALOG)
    assert not result.is_error
    assert isinstance(result.structured_content, dict)
    assert result.structured_content["count"] >= 1
    note = stderr.read_text()
    assert f"{len(CATALOG)} tools ready" in note
    assert "sandbox" in note
    assert "waiting for a client" in note


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sandbox_command_runs_it_alone_for_curl() -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    process = subprocess.Popen(
        [*server_command(), "sandbox", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        printed = ""
        deadline = time.monotonic() + 20
        while "curl" not in printed and time.monotonic() < deadline:
            printed += process.stdout.readline()
        key = re.search(r"phx_\w+", printed)
        assert f"http://127.0.0.1:{port}" in printed
        assert key is not None
        import httpx2

        response = httpx2.get(
            f"http://127.0.0.1:{port}/api/environments/1/desktop_recordings/",
            headers={"Authorization": f"Bearer {key.group(0)}"},
        )
        assert response.status_code == 200
        assert response.json()["count"] >= 1
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_readme_example_line_runs_as_written() -> None:
    """The README's example calls are generated from the catalog's examples; one, run exactly as printed."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    prefix = "posthog-environments-mcp --sandbox call desktop_recordings_get "
    (line,) = [line for line in readme.splitlines() if line.startswith(prefix)]
    args = shlex.split(line)[1:]
    completed = run(*args)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.split("\nresource: ")[0])["id"] == RECORDING
